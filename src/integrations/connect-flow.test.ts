// The OAuth connect flow through the real app and database (PGlite, or PostgreSQL with
// TEST_DATABASE_URL) against local fake providers: HubSpot (PKCE, scopes in the token answer,
// revocation) and amoCRM (no PKCE, per-account host from `referer`, no revocation endpoint).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { addMember, createPeople, createWorkspace, type Person } from '../../test/support/accounts.js';
import { queryAsOwnerWithoutRls } from '../../test/support/database.js';
import { TestClient } from '../../test/support/http-client.js';
import { AMOCRM_CLIENT, startFakeAmoCrm, type FakeAmoCrm } from '../../test/providers/amocrm.js';
import { HUBSPOT_CLIENT, startFakeHubSpot, type FakeHubSpot } from '../../test/providers/hubspot.js';
import { pkceChallenge } from './oauth.js';

const PUBLIC_URL = 'https://app.throughline.test';
const REDIRECT_URI = `${PUBLIC_URL}/api/integrations/oauth/callback`;

let t: TestApp;
let hubspot: FakeHubSpot;
let amo: FakeAmoCrm;
let people: ReturnType<typeof createPeople>;
/** Added to the real clock: lets a test step past the state's 10 minutes. */
let clockOffsetMs = 0;

beforeAll(async () => {
  hubspot = await startFakeHubSpot();
  amo = await startFakeAmoCrm();
  t = await createTestApp({
    env: {
      PUBLIC_URL,
      HUBSPOT_CLIENT_ID: HUBSPOT_CLIENT.id,
      HUBSPOT_CLIENT_SECRET: HUBSPOT_CLIENT.secret,
      HUBSPOT_API_BASE_URL: hubspot.server.url,
      HUBSPOT_OAUTH_BASE_URL: hubspot.server.url,
      AMOCRM_CLIENT_ID: AMOCRM_CLIENT.id,
      AMOCRM_CLIENT_SECRET: AMOCRM_CLIENT.secret,
      AMOCRM_API_BASE_URL: amo.server.url,
      AMOCRM_OAUTH_BASE_URL: amo.server.url,
    },
    deps: { now: () => new Date(Date.now() + clockOffsetMs) },
  });
  people = createPeople(t, 61);
});
afterAll(async () => {
  await t?.close();
  await hubspot?.close();
  await amo?.close();
});

async function owner(): Promise<Person & { workspaceId: string }> {
  const person = await people.signUp(`owner-${Math.random().toString(36).slice(2)}@example.test`);
  return { ...person, workspaceId: await createWorkspace(person, 'Integrations Co') };
}

async function startConnect(person: Person, workspaceId: string, provider = 'hubspot'): Promise<URL> {
  const response = await person.client.post(`/api/workspaces/${workspaceId}/integrations/${provider}/connect`, {});
  expect(response.statusCode, response.body).toBe(200);
  return new URL((response.json() as { authorizeUrl: string }).authorizeUrl);
}

/** The browser's way back: the provider's redirect lands on the callback, which hands over to the page. */
async function followCallback(query: Record<string, string>): Promise<URLSearchParams> {
  // SameSite=Strict cookies are not sent on the provider's cross-site redirect: no cookie here.
  const response = await t.app.inject({ method: 'GET', url: `/api/integrations/oauth/callback?${new URLSearchParams(query).toString()}` });
  expect(response.statusCode).toBe(303);
  expect(response.headers['cache-control']).toBe('no-store');
  const location = String(response.headers.location);
  expect(location.startsWith('/integrations/oauth/complete#')).toBe(true);
  return new URLSearchParams(location.slice(location.indexOf('#') + 1));
}

async function complete(client: TestClient, body: Record<string, string>) {
  return client.post('/api/integrations/oauth/complete', body);
}

async function connectHubSpot(person: Person, workspaceId: string) {
  const authorize = await startConnect(person, workspaceId);
  const consent = hubspot.oauth.consent(authorize.toString());
  const handed = await followCallback({ code: consent.code, state: consent.state });
  const response = await complete(person.client, { code: handed.get('code') as string, state: handed.get('state') as string });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { integration: { id: string; status: string; grantedScopes: string[]; externalAccount: string } }).integration;
}

describe('starting a connection', () => {
  it('answers the provider\'s consent URL with a fresh state, an S256 challenge, exactly the declared scopes and our redirect URI', async () => {
    const me = await owner();
    const authorize = await startConnect(me, me.workspaceId);
    expect(authorize.origin).toBe(hubspot.server.url);
    expect(authorize.pathname).toBe('/oauth/authorize');
    expect(authorize.searchParams.get('client_id')).toBe(HUBSPOT_CLIENT.id);
    expect(authorize.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(authorize.searchParams.get('response_type')).toBe('code');
    expect(authorize.searchParams.get('scope')?.split(' ')).toEqual(['oauth', 'crm.objects.contacts.read', 'crm.objects.deals.read']);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const state = authorize.searchParams.get('state') as string;
    expect(state.startsWith(`${me.workspaceId}.`)).toBe(true);

    // Stored: the state's hash (never the state), the verifier sealed, bound to user and session.
    const [row] = await queryAsOwnerWithoutRls<{ state_hash: Uint8Array; verifier_sealed: string; user_id: string; expires_at: Date; created_at: Date }>(
      t.database.owner,
      ['oauth_states'],
      'SELECT state_hash, verifier_sealed, user_id, expires_at, created_at FROM oauth_states WHERE workspace_id = $1',
      [me.workspaceId],
    );
    expect(row?.user_id).toBe(me.userId);
    expect(row?.verifier_sealed.startsWith('tlv1.')).toBe(true);
    expect(Buffer.from(row?.state_hash ?? []).toString('hex')).not.toContain(Buffer.from(state.split('.')[2] ?? '').toString('hex'));
    expect(new Date(row?.expires_at ?? 0).getTime() - new Date(row?.created_at ?? 0).getTime()).toBeLessThanOrEqual(10 * 60 * 1000 + 5_000);
    // Two starts never share a state.
    const again = await startConnect(me, me.workspaceId);
    expect(again.searchParams.get('state')).not.toBe(state);
  });

  it('lets only owners and admins start; analysts, viewers, API keys and outsiders cannot', async () => {
    const me = await owner();
    const admin = await people.signUp(`admin-${Date.now()}@example.test`);
    const analyst = await people.signUp(`analyst-${Date.now()}@example.test`);
    const viewer = await people.signUp(`viewer-${Date.now()}@example.test`);
    const outsider = await people.signUp(`outsider-${Date.now()}@example.test`);
    await addMember(t, me, me.workspaceId, admin, 'admin');
    await addMember(t, me, me.workspaceId, analyst, 'analyst');
    await addMember(t, me, me.workspaceId, viewer, 'viewer');
    const url = `/api/workspaces/${me.workspaceId}/integrations/hubspot/connect`;
    expect((await admin.client.post(url, {})).statusCode).toBe(200);
    expect((await analyst.client.post(url, {})).statusCode).toBe(403);
    expect((await viewer.client.post(url, {})).statusCode).toBe(403);
    const foreign = await outsider.client.post(url, {});
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('workspace.not_found');
    const key = await me.client.post(`/api/workspaces/${me.workspaceId}/api-keys`, { name: 'ci', scope: 'read_write' });
    const withKey = await t.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${(key.json() as { key: string }).key}` }, payload: {} });
    expect(withKey.statusCode).toBe(403);
    // Viewers may still see the status.
    expect((await viewer.client.get(`/api/workspaces/${me.workspaceId}/integrations`)).statusCode).toBe(200);
  });

  it('lists providers as available, not configured or planned, and refuses to connect the latter two', async () => {
    const me = await owner();
    const listed = (await me.client.get('/api/integrations/providers')).json() as { providers: Array<{ id: string; availability: string; scopes: Array<{ scope: string; reason: string }> }> };
    const by = Object.fromEntries(listed.providers.map((p) => [p.id, p]));
    expect(by['hubspot']?.availability).toBe('available');
    expect(by['amocrm']?.availability).toBe('available');
    expect(by['meta-ads']?.availability).toBe('not_configured');
    expect(by['vk-ads']?.availability).toBe('planned');
    expect(by['ga4']?.availability).toBe('planned');
    expect(by['hubspot']?.scopes.every((s) => s.reason.length > 10)).toBe(true);
    const notConfigured = await me.client.post(`/api/workspaces/${me.workspaceId}/integrations/meta-ads/connect`, {});
    expect(notConfigured.statusCode).toBe(409);
    expect(notConfigured.json().error.code).toBe('integration.provider_not_configured');
    const planned = await me.client.post(`/api/workspaces/${me.workspaceId}/integrations/bitrix24/connect`, {});
    expect(planned.json().error.code).toBe('integration.provider_not_available');
    const unknown = await me.client.post(`/api/workspaces/${me.workspaceId}/integrations/myspace/connect`, {});
    expect(unknown.statusCode).toBe(404);
  });
});

describe('the callback and completing', () => {
  it('connects: the callback needs no cookie and changes nothing; the page\'s POST exchanges the code with the verifier and stores sealed tokens', async () => {
    const me = await owner();
    const authorize = await startConnect(me, me.workspaceId);
    const consent = hubspot.oauth.consent(authorize.toString());
    const handed = await followCallback({ code: consent.code, state: consent.state, authuser: '0' });
    expect(handed.get('code')).toBe(consent.code);
    expect(handed.get('state')).toBe(consent.state);
    // The redirect alone spent nothing.
    const [pending] = await queryAsOwnerWithoutRls<{ used_at: Date | null }>(t.database.owner, ['oauth_states'], 'SELECT used_at FROM oauth_states WHERE workspace_id = $1', [me.workspaceId]);
    expect(pending?.used_at).toBeNull();

    const response = await complete(me.client, { code: consent.code, state: consent.state });
    expect(response.statusCode, response.body).toBe(200);
    const { workspaceId, integration } = response.json() as { workspaceId: string; integration: { id: string; status: string; grantedScopes: string[]; externalAccount: string; settings: Record<string, unknown> } };
    expect(workspaceId).toBe(me.workspaceId);
    expect(integration.status).toBe('active');
    expect(integration.externalAccount).toBe('4242');
    expect(integration.grantedScopes).toEqual(['crm.objects.contacts.read', 'crm.objects.deals.read', 'oauth']);
    expect(integration.settings['currency']).toBe('EUR');

    // The fake token endpoint checked S256(code_verifier) against the challenge.
    const exchange = hubspot.oauth.tokenCalls.at(-1) as Record<string, string>;
    expect(exchange['grant_type']).toBe('authorization_code');
    expect(pkceChallenge(exchange['code_verifier'] as string)).toBe(consent.challenge);
    expect(exchange['redirect_uri']).toBe(REDIRECT_URI);

    const [stored] = await queryAsOwnerWithoutRls<{ access_token_sealed: string; refresh_token_sealed: string; expires_at: Date }>(
      t.database.owner,
      ['integration_tokens'],
      'SELECT access_token_sealed, refresh_token_sealed, expires_at FROM integration_tokens WHERE integration_id = $1',
      [integration.id],
    );
    expect(stored?.access_token_sealed.startsWith('tlv1.')).toBe(true);
    expect(stored?.refresh_token_sealed.startsWith('tlv1.')).toBe(true);
    expect(stored?.access_token_sealed).not.toContain('at-');
    const audit = (await me.client.get(`/api/workspaces/${me.workspaceId}/audit?action=integration.connected`)).json() as { entries: Array<{ targetId: string | null; result: string }> };
    expect(audit.entries.some((e) => e.targetId === integration.id && e.result === 'success')).toBe(true);
  });

  it('refuses completing without the session (401) or without the CSRF pair (403)', async () => {
    const me = await owner();
    const consent = hubspot.oauth.consent((await startConnect(me, me.workspaceId)).toString());
    const anonymous = new TestClient(t.app, '198.51.100.201');
    expect((await complete(anonymous, { code: consent.code, state: consent.state })).statusCode).toBe(401);
    const noCsrf = await me.client.post('/api/integrations/oauth/complete', { code: consent.code, state: consent.state }, { noCsrf: true });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('auth.csrf_failed');
    // Neither attempt spent the state.
    expect((await complete(me.client, { code: consent.code, state: consent.state })).statusCode).toBe(200);
  });

  it('rejects a replayed state (single use), even with a fresh code', async () => {
    const me = await owner();
    const authorize = await startConnect(me, me.workspaceId);
    const first = hubspot.oauth.consent(authorize.toString());
    expect((await complete(me.client, { code: first.code, state: first.state })).statusCode).toBe(200);
    const second = hubspot.oauth.consent(authorize.toString());
    const replay = await complete(me.client, { code: second.code, state: second.state });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.code).toBe('integration.oauth_state_invalid');
  });

  it('rejects a state that does not match (unknown, forged secret, wrong workspace) without spending the real one', async () => {
    const me = await owner();
    const consent = hubspot.oauth.consent((await startConnect(me, me.workspaceId)).toString());
    const [ws, id, secret] = consent.state.split('.') as [string, string, string];
    const forged = `${ws}.${id}.${secret.slice(0, -2)}${secret.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const state of [forged, `${ws}.${crypto.randomUUID()}.${secret}`, 'not-a-state']) {
      const response = await complete(me.client, { code: consent.code, state });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('integration.oauth_state_invalid');
    }
    const otherWorkspace = await createWorkspace(me, 'Other Co');
    const moved = await complete(me.client, { code: consent.code, state: `${otherWorkspace}.${id}.${secret}` });
    expect(moved.statusCode).toBe(400);
    expect((await complete(me.client, { code: consent.code, state: consent.state })).statusCode).toBe(200);
  });

  it('rejects an expired state (10 minutes)', async () => {
    const me = await owner();
    const consent = hubspot.oauth.consent((await startConnect(me, me.workspaceId)).toString());
    clockOffsetMs = 10 * 60 * 1000 + 1_000;
    try {
      const late = await complete(me.client, { code: consent.code, state: consent.state });
      expect(late.statusCode).toBe(400);
      expect(late.json().error.details).toEqual({ reason: 'expired' });
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('rejects a state completed from another session of the same person, or by another admin, and spends it', async () => {
    const me = await owner();
    const consent = hubspot.oauth.consent((await startConnect(me, me.workspaceId)).toString());
    // The same person signed in elsewhere (a new session).
    const elsewhere = new TestClient(t.app, '198.51.100.202');
    expect((await elsewhere.post('/api/auth/login', { email: me.email, password: 'Glacier-Orbit-Tandem-42' })).statusCode).toBe(200);
    const fromElsewhere = await complete(elsewhere, { code: consent.code, state: consent.state });
    expect(fromElsewhere.statusCode).toBe(400);
    expect(fromElsewhere.json().error.details).toEqual({ reason: 'other_session' });
    // Spent: not even the right session can use it now.
    expect((await complete(me.client, { code: consent.code, state: consent.state })).json().error.details).toEqual({ reason: 'replayed' });

    const colleague = await people.signUp(`colleague-${Date.now()}@example.test`);
    await addMember(t, me, me.workspaceId, colleague, 'admin');
    const second = hubspot.oauth.consent((await startConnect(me, me.workspaceId)).toString());
    const byColleague = await complete(colleague.client, { code: second.code, state: second.state });
    expect(byColleague.json().error.details).toEqual({ reason: 'other_session' });
  });

  it('fails when the code was issued for another PKCE challenge (an injected code): the token endpoint checks the verifier', async () => {
    const me = await owner();
    const attacker = hubspot.oauth.consent((await startConnect(me, me.workspaceId)).toString());
    const victim = hubspot.oauth.consent((await startConnect(me, me.workspaceId)).toString());
    expect(attacker.challenge).not.toBe(victim.challenge);
    const injected = await complete(me.client, { code: attacker.code, state: victim.state });
    expect(injected.statusCode).toBe(400);
    expect(injected.json().error.code).toBe('integration.oauth_failed');
    expect(hubspot.oauth.tokenCalls.at(-1)?.['code_verifier']).toBeDefined();
    const list = (await me.client.get(`/api/workspaces/${me.workspaceId}/integrations`)).json() as { integrations: unknown[] };
    expect(list.integrations).toHaveLength(0);
  });

  it('refuses and reports a grant with fewer scopes than required, and gives the tokens back', async () => {
    const me = await owner();
    const consent = hubspot.oauth.consent((await startConnect(me, me.workspaceId)).toString(), { grantScopes: ['oauth', 'crm.objects.contacts.read'] });
    const revokesBefore = hubspot.oauth.revokeCalls.length;
    const response = await complete(me.client, { code: consent.code, state: consent.state });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('integration.scopes_missing');
    expect(response.json().error.details).toEqual({ missingScopes: ['crm.objects.deals.read'] });
    expect(hubspot.oauth.revokeCalls.length).toBe(revokesBefore + 1);
    const list = (await me.client.get(`/api/workspaces/${me.workspaceId}/integrations`)).json() as { integrations: unknown[] };
    expect(list.integrations).toHaveLength(0);
    const audit = (await me.client.get(`/api/workspaces/${me.workspaceId}/audit?action=integration.connected`)).json() as { entries: Array<{ result: string }> };
    expect(audit.entries.map((e) => e.result)).toContain('failure');
  });

  it('reconnecting the same provider account updates its integration instead of adding one', async () => {
    const me = await owner();
    const first = await connectHubSpot(me, me.workspaceId);
    const second = await connectHubSpot(me, me.workspaceId);
    expect(second.id).toBe(first.id);
    const list = (await me.client.get(`/api/workspaces/${me.workspaceId}/integrations`)).json() as { integrations: unknown[] };
    expect(list.integrations).toHaveLength(1);
  });

  it('hands a declined consent to the page as an error without touching anything', async () => {
    const handed = await followCallback({ error: 'access_denied', error_description: 'The user denied', state: 'x.y.z' });
    expect(handed.get('error')).toBe('access_denied');
    expect(handed.get('code')).toBeNull();
  });
});

describe('amoCRM (no PKCE, the account host from the callback)', () => {
  it('connects with the referer and refuses a referer that is not an amoCRM host', async () => {
    const me = await owner();
    const authorize = await startConnect(me, me.workspaceId, 'amocrm');
    expect(authorize.searchParams.get('code_challenge')).toBeNull();
    expect(authorize.searchParams.get('scope')).toBeNull();
    const consent = amo.oauth.consent(authorize.toString());
    const handed = await followCallback({ code: consent.code, state: consent.state, referer: 'evil.example.com', client_id: AMOCRM_CLIENT.id, from_widget: '0' });
    const refused = await complete(me.client, { code: handed.get('code') as string, state: handed.get('state') as string, accountDomain: handed.get('referer') as string });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('integration.oauth_failed');

    const again = amo.oauth.consent((await startConnect(me, me.workspaceId, 'amocrm')).toString());
    const ok = await complete(me.client, { code: again.code, state: again.state, accountDomain: 'acme.amocrm.ru' });
    expect(ok.statusCode, ok.body).toBe(200);
    const integration = (ok.json() as { integration: { externalAccount: string; settings: Record<string, unknown>; grantedScopes: string[] } }).integration;
    expect(integration.externalAccount).toBe('30123456');
    expect(integration.settings).toMatchObject({ baseDomain: 'acme.amocrm.ru', currency: 'RUB' });
    expect(integration.grantedScopes).toEqual([]);
    // JSON token request, as amoCRM wants it.
    expect(amo.oauth.tokenCalls.at(-1)?.['grant_type']).toBe('authorization_code');
  });
});

describe('settings and disconnecting', () => {
  it('lets an admin change settings through the provider\'s strict schema, and nobody below', async () => {
    const me = await owner();
    const integration = await connectHubSpot(me, me.workspaceId);
    const url = `/api/workspaces/${me.workspaceId}/integrations/${integration.id}`;
    const interval = await me.client.request('PATCH', url, { body: { syncIntervalMinutes: 30 } });
    expect(interval.statusCode, interval.body).toBe(200);
    expect((interval.json() as { syncIntervalMinutes: number }).syncIntervalMinutes).toBe(30);
    const unknownKey = await me.client.request('PATCH', url, { body: { settings: { apiBaseUrl: 'http://169.254.169.254' } } });
    expect(unknownKey.statusCode).toBe(400);
    const tooOften = await me.client.request('PATCH', url, { body: { syncIntervalMinutes: 1 } });
    expect(tooOften.statusCode).toBe(400);
    const analyst = await people.signUp(`an-${Date.now()}@example.test`);
    await addMember(t, me, me.workspaceId, analyst, 'analyst');
    expect((await analyst.client.request('PATCH', url, { body: { syncIntervalMinutes: 60 } })).statusCode).toBe(403);
  });

  it('disconnects: revokes at the provider, deletes the tokens, marks it disconnected and audits; only admins may', async () => {
    const me = await owner();
    const integration = await connectHubSpot(me, me.workspaceId);
    const viewer = await people.signUp(`v-${Date.now()}@example.test`);
    await addMember(t, me, me.workspaceId, viewer, 'viewer');
    const url = `/api/workspaces/${me.workspaceId}/integrations/${integration.id}`;
    expect((await viewer.client.delete(url)).statusCode).toBe(403);
    const outsider = await people.signUp(`o-${Date.now()}@example.test`);
    expect((await outsider.client.delete(url)).statusCode).toBe(404);

    const revokesBefore = hubspot.oauth.revokeCalls.length;
    const response = await me.client.delete(url);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { status: string; statusMessage: string };
    expect(body.status).toBe('disconnected');
    expect(body.statusMessage).toMatch(/revoked at HubSpot/);
    expect(hubspot.oauth.revokeCalls.length).toBe(revokesBefore + 1);
    expect(hubspot.oauth.revokeCalls.at(-1)?.['token_type_hint']).toBe('refresh_token');
    const tokens = await queryAsOwnerWithoutRls<{ n: number }>(t.database.owner, ['integration_tokens'], 'SELECT count(*)::int AS n FROM integration_tokens WHERE integration_id = $1', [integration.id]);
    expect(tokens[0]?.n).toBe(0);
    const audit = (await me.client.get(`/api/workspaces/${me.workspaceId}/audit?action=integration.disconnected`)).json() as { entries: Array<{ targetId: string | null; details: Record<string, unknown> }> };
    expect(audit.entries[0]?.targetId).toBe(integration.id);
    expect(audit.entries[0]?.details['revocation']).toBe('revoked');
  });

  it('says plainly when the provider has no revocation endpoint (amoCRM)', async () => {
    const me = await owner();
    const consent = amo.oauth.consent((await startConnect(me, me.workspaceId, 'amocrm')).toString());
    const connected = await complete(me.client, { code: consent.code, state: consent.state, accountDomain: 'acme.amocrm.ru' });
    const id = (connected.json() as { integration: { id: string } }).integration.id;
    const response = await me.client.delete(`/api/workspaces/${me.workspaceId}/integrations/${id}`);
    expect(response.statusCode).toBe(200);
    expect((response.json() as { statusMessage: string }).statusMessage).toMatch(/no revocation endpoint/);
  });
});
