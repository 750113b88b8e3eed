// Every tenant route × every role, through the real app: viewer, analyst, admin and owner get what
// their role allows and 403 auth.forbidden above it; a signed-in non-member gets 404
// workspace.not_found (the workspace is not revealed); no session gets 401.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { addMember, createPeople, createWorkspace, type MemberRole, type Person } from '../../test/support/accounts.js';

let t: TestApp;
let workspaceId: string;
let target: Person;
const members = {} as Record<MemberRole, Person>;
let outsider: Person;

beforeAll(async () => {
  t = await createTestApp();
  const people = createPeople(t, 1);
  members.owner = await people.signUp('matrix-owner@example.test');
  workspaceId = await createWorkspace(members.owner, 'Matrix Co');
  for (const role of ['admin', 'analyst', 'viewer'] as const) {
    members[role] = await people.signUp(`matrix-${role}@example.test`);
    await addMember(t, members.owner, workspaceId, members[role], role);
  }
  target = await people.signUp('matrix-target@example.test');
  await addMember(t, members.owner, workspaceId, target, 'viewer');
  outsider = await people.signUp('matrix-outsider@example.test');
});
afterAll(async () => {
  await t?.close();
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
interface RouteCase {
  name: string;
  method: Method;
  path: () => string;
  body?: (role: string) => unknown;
  minimum: MemberRole;
  /** What a caller with enough role gets (404 here means: allowed, and the named thing does not exist). */
  allowed: number;
}

const ws = () => `/api/workspaces/${workspaceId}`;
const ROUTES: RouteCase[] = [
  { name: 'read the workspace', method: 'GET', path: ws, minimum: 'viewer', allowed: 200 },
  { name: 'rename the workspace', method: 'PATCH', path: ws, body: (role) => ({ name: `Matrix Co (${role})` }), minimum: 'admin', allowed: 200 },
  { name: 'change the 2FA requirement', method: 'PATCH', path: ws, body: () => ({ requireMfa: false }), minimum: 'owner', allowed: 200 },
  { name: 'list members', method: 'GET', path: () => `${ws()}/members`, minimum: 'viewer', allowed: 200 },
  { name: "change a member's role", method: 'PATCH', path: () => `${ws()}/members/${target.userId}`, body: () => ({ role: 'viewer' }), minimum: 'admin', allowed: 200 },
  { name: 'remove a member', method: 'DELETE', path: () => `${ws()}/members/${randomUUID()}`, minimum: 'admin', allowed: 404 },
  { name: 'invite', method: 'POST', path: () => `${ws()}/invitations`, body: (role) => ({ email: `matrix-invitee-${role}@example.test`, role: 'viewer' }), minimum: 'admin', allowed: 201 },
  { name: 'list invitations', method: 'GET', path: () => `${ws()}/invitations`, minimum: 'admin', allowed: 200 },
  { name: 'revoke an invitation', method: 'DELETE', path: () => `${ws()}/invitations/${randomUUID()}`, minimum: 'admin', allowed: 404 },
  { name: 'create an API key', method: 'POST', path: () => `${ws()}/api-keys`, body: (role) => ({ name: `matrix ${role}`, scope: 'read' }), minimum: 'admin', allowed: 201 },
  { name: 'list API keys', method: 'GET', path: () => `${ws()}/api-keys`, minimum: 'admin', allowed: 200 },
  { name: 'revoke an API key', method: 'DELETE', path: () => `${ws()}/api-keys/${randomUUID()}`, minimum: 'admin', allowed: 404 },
  { name: 'read the audit log', method: 'GET', path: () => `${ws()}/audit`, minimum: 'admin', allowed: 200 },
  { name: 'export the audit log', method: 'GET', path: () => `${ws()}/audit/export?format=jsonl`, minimum: 'admin', allowed: 200 },
  { name: 'list integrations', method: 'GET', path: () => `${ws()}/integrations`, minimum: 'viewer', allowed: 200 },
  { name: 'read sync status', method: 'GET', path: () => `${ws()}/integrations/sync-status`, minimum: 'viewer', allowed: 200 },
  { name: 'preview a CSV import', method: 'POST', path: () => `${ws()}/imports/csv/preview`, body: () => ({ kind: 'spend', content: 'Date,Campaign,Spend\n2026-01-01,A,1\n' }), minimum: 'admin', allowed: 200 },
  { name: 'read a report', method: 'GET', path: () => `${ws()}/reports?from=2026-01-01&to=2026-01-31`, minimum: 'viewer', allowed: 200 },
  { name: 'read the KPI summary', method: 'GET', path: () => `${ws()}/reports/summary?from=2026-01-01&to=2026-01-31`, minimum: 'viewer', allowed: 200 },
  { name: 'export a report', method: 'GET', path: () => `${ws()}/reports/export.csv?from=2026-01-01&to=2026-01-31`, minimum: 'analyst', allowed: 200 },
  { name: 'read analytics settings', method: 'GET', path: () => `${ws()}/analytics/settings`, minimum: 'viewer', allowed: 200 },
  { name: 'change analytics settings', method: 'PATCH', path: () => `${ws()}/analytics/settings`, body: () => ({ halfLifeDays: 7 }), minimum: 'admin', allowed: 200 },
  { name: 'preview channel rules', method: 'POST', path: () => `${ws()}/analytics/channel-rules/preview`, body: () => ({ channelRules: [] }), minimum: 'analyst', allowed: 200 },
  { name: 'read currency rates', method: 'GET', path: () => `${ws()}/analytics/rates`, minimum: 'viewer', allowed: 200 },
  { name: 'save currency rates', method: 'POST', path: () => `${ws()}/analytics/rates`, body: () => ({ rates: [{ date: '2026-01-01', base: 'EUR', rate: '1.1' }] }), minimum: 'admin', allowed: 200 },
];

const RANK: Record<MemberRole, number> = { viewer: 1, analyst: 2, admin: 3, owner: 4 };

describe.each(ROUTES)('$method $name', (route) => {
  it.each(['viewer', 'analyst', 'admin', 'owner'] as const)('as %s', async (role) => {
    const response = await members[role].client.request(route.method, route.path(), { body: route.body?.(role) });
    if (RANK[role] >= RANK[route.minimum]) {
      expect(response.statusCode, response.body).toBe(route.allowed);
      if (route.allowed === 404) expect(response.json().error.code).toBe('request.not_found');
    } else {
      expect(response.statusCode, response.body).toBe(403);
      expect(response.json().error.code).toBe('auth.forbidden');
    }
  });

  it('as a signed-in non-member: 404, the workspace not revealed', async () => {
    const response = await outsider.client.request(route.method, route.path(), { body: route.body?.('outsider') });
    expect(response.statusCode, response.body).toBe(404);
    expect(response.json().error.code).toBe('workspace.not_found');
  });

  it('without a session: 401', async () => {
    const anonymous = createPeople(t, 2).nextClient();
    const response = await anonymous.request(route.method, route.path(), { body: route.body?.('anonymous') });
    expect(response.statusCode, response.body).toBe(401);
    expect(response.json().error.code).toBe('auth.unauthenticated');
  });
});

describe('a non-member probing with ids', () => {
  it('gets the same 404 for an existing workspace as for one that never existed', async () => {
    const existing = await outsider.client.get(ws());
    const missing = await outsider.client.get(`/api/workspaces/${randomUUID()}`);
    const strip = (body: { error: { requestId: string } }) => ({ ...body.error, requestId: undefined });
    expect(existing.statusCode).toBe(404);
    expect(strip(existing.json())).toEqual(strip(missing.json()));
  });
});

describe('the published contract', () => {
  it('documents every tenant and admin route in /api/openapi.json, from the same schemas', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const expected: [string, string][] = [
      ['/api/workspaces', 'get'],
      ['/api/workspaces', 'post'],
      ['/api/workspaces/{id}', 'get'],
      ['/api/workspaces/{id}', 'patch'],
      ['/api/workspaces/{id}/members', 'get'],
      ['/api/workspaces/{id}/members/{userId}', 'patch'],
      ['/api/workspaces/{id}/members/{userId}', 'delete'],
      ['/api/workspaces/{id}/invitations', 'post'],
      ['/api/workspaces/{id}/invitations', 'get'],
      ['/api/workspaces/{id}/invitations/{invitationId}', 'delete'],
      ['/api/invitations/accept', 'post'],
      ['/api/workspaces/{id}/api-keys', 'post'],
      ['/api/workspaces/{id}/api-keys', 'get'],
      ['/api/workspaces/{id}/api-keys/{keyId}', 'delete'],
      ['/api/workspaces/{id}/audit', 'get'],
      ['/api/workspaces/{id}/audit/export', 'get'],
      ['/api/admin/audit', 'get'],
      ['/api/admin/audit/export', 'get'],
      ['/api/admin/keys', 'get'],
    ];
    for (const [path, method] of expected) expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
  });
});
