// /api/workspaces/* and /api/invitations/accept: HTTP only. Each route validates with a strict zod
// schema, authorises with requireWorkspaceRole (404 to non-members, 403 below the route's role,
// 403 auth.mfa_setup_required where the workspace requires 2FA), and calls the service, which
// checks the role again inside its own transaction.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContextOf, requireUser } from '../auth/index.js';
import { requireWorkspaceRole, type WorkspaceAccessDeps } from './access.js';
import type { InvitationView, InvitationsService } from './invitations.js';
import type { MemberRow } from './queries.js';
import type { WorkspaceView, WorkspacesService } from './service.js';

export interface WorkspaceRouteDeps extends WorkspaceAccessDeps {
  workspaces: WorkspacesService;
  invitations: InvitationsService;
  /** After the currency or time zone changed (reports are rebuilt in the new ones). */
  onReportingChanged?: (workspaceId: string) => Promise<unknown>;
}

const TIME_ZONES = new Set(['UTC', ...Intl.supportedValuesOf('timeZone')]);
const roleSchema = z.enum(['owner', 'admin', 'analyst', 'viewer']);
const name = z.string().trim().min(1).max(120);
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD').meta({ example: 'EUR' });
const timezone = z
  .string()
  .max(64)
  .refine((value) => TIME_ZONES.has(value), 'an IANA time zone such as Europe/Berlin')
  .meta({ example: 'Europe/Berlin' });

const workspaceSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    currency: z.string(),
    timezone: z.string(),
    requireMfa: z.boolean(),
    createdAt: z.iso.datetime(),
    role: roleSchema.meta({ description: 'Your role in this workspace' }),
  })
  .meta({ id: 'Workspace' });
const memberSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    email: z.string(),
    role: roleSchema,
    twoFactorEnabled: z.boolean(),
    joinedAt: z.iso.datetime(),
  })
  .meta({ id: 'WorkspaceMember' });
const invitationSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: z.enum(['admin', 'analyst', 'viewer']),
    invitedBy: z.uuid().nullable(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'Invitation' });
const summarySchema = z.object({ id: z.uuid(), name: z.string(), role: roleSchema }).meta({ id: 'WorkspaceSummary' });

const workspaceParams = z.object({ id: z.uuid() });
const memberParams = z.object({ id: z.uuid(), userId: z.uuid() });
const invitationParams = z.object({ id: z.uuid(), invitationId: z.uuid() });

const toWorkspace = (w: WorkspaceView) => ({ ...w, createdAt: w.createdAt.toISOString() });
const toMember = (m: MemberRow) => ({
  id: m.userId,
  name: m.name,
  email: m.email,
  role: m.role,
  twoFactorEnabled: m.twoFactorEnabled,
  joinedAt: m.joinedAt.toISOString(),
});
const toInvitation = (i: InvitationView) => ({ ...i, createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString() });

export function registerWorkspaceRoutes(app: FastifyInstance, deps: WorkspaceRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['workspaces'];
  const limit = (max: number) => ({ rateLimit: { max, timeWindow: '1 minute' } });

  routes.post(
    '/api/workspaces',
    {
      config: limit(10),
      schema: {
        tags,
        summary: 'Create a workspace; you become its owner',
        body: z.strictObject({ name, currency: currency.optional(), timezone: timezone.optional() }),
        response: { 201: workspaceSchema },
      },
    },
    async (request, reply) => {
      const principal = await requireUser(request, deps);
      const { name: workspaceName, currency: code, timezone: zone } = request.body;
      const created = await deps.workspaces.createWorkspace(
        { name: workspaceName, ownerUserId: principal.userId, ...(code === undefined ? {} : { currency: code }), ...(zone === undefined ? {} : { timezone: zone }) },
        auditContextOf(request, principal),
      );
      const view = await deps.workspaces.getWorkspace(await requireWorkspaceRole(request, deps, created.id, 'owner'));
      return reply.code(201).send(toWorkspace(view));
    },
  );

  routes.get(
    '/api/workspaces',
    { schema: { tags, summary: 'The workspaces you belong to, with your role', response: { 200: z.object({ workspaces: z.array(summarySchema) }) } } },
    async (request) => {
      const principal = await requireUser(request, deps);
      return { workspaces: await deps.workspaces.listWorkspacesOfUser(principal.userId) };
    },
  );

  routes.get(
    '/api/workspaces/:id',
    { schema: { tags, summary: 'One workspace (viewer and up)', params: workspaceParams, response: { 200: workspaceSchema } } },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'viewer');
      return toWorkspace(await deps.workspaces.getWorkspace(access));
    },
  );

  routes.patch(
    '/api/workspaces/:id',
    {
      config: limit(30),
      schema: {
        tags,
        summary: 'Change settings (admin and up; requireMfa: owner only)',
        params: workspaceParams,
        body: z
          .strictObject({
            name: name.optional(),
            currency: currency.optional(),
            timezone: timezone.optional(),
            requireMfa: z.boolean().optional().meta({ description: 'Members without a second factor are sent to set one up (owner only)' }),
          })
          .refine((body) => Object.values(body).some((v) => v !== undefined), 'name at least one setting to change'),
        response: { 200: workspaceSchema },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      const updated = await deps.workspaces.updateSettings(access, request.body, auditContextOf(request, access.principal));
      if ((request.body.currency !== undefined || request.body.timezone !== undefined) && deps.onReportingChanged !== undefined) {
        await deps.onReportingChanged(access.workspaceId);
      }
      return toWorkspace(updated);
    },
  );

  // --- members --------------------------------------------------------------------------------------
  routes.get(
    '/api/workspaces/:id/members',
    { schema: { tags, summary: 'Members and their roles (viewer and up)', params: workspaceParams, response: { 200: z.object({ members: z.array(memberSchema) }) } } },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'viewer');
      return { members: (await deps.workspaces.listMembers(access)).map(toMember) };
    },
  );

  routes.patch(
    '/api/workspaces/:id/members/:userId',
    {
      config: limit(30),
      schema: {
        tags,
        summary: "Change a member's role (admin and up; only an owner grants or removes owner; the last owner stays)",
        params: memberParams,
        body: z.strictObject({ role: roleSchema }),
        response: { 200: memberSchema },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      const member = await deps.workspaces.changeMemberRole(access, request.params.userId, request.body.role, auditContextOf(request, access.principal));
      return toMember(member);
    },
  );

  routes.delete(
    '/api/workspaces/:id/members/:userId',
    {
      config: limit(30),
      schema: {
        tags,
        summary: 'Remove a member (admin and up), or leave (your own id; the last owner cannot leave)',
        params: memberParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      // Leaving needs only membership; the service requires admin to remove anyone else.
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'viewer');
      await deps.workspaces.removeMember(access, request.params.userId, auditContextOf(request, access.principal));
      return reply.code(204).send(null);
    },
  );

  // --- invitations ----------------------------------------------------------------------------------
  routes.post(
    '/api/workspaces/:id/invitations',
    {
      // Each one sends an email to an address the caller chose.
      config: limit(20),
      schema: {
        tags,
        summary: 'Invite an email address (admin and up); the link is emailed, works once, for 7 days',
        params: workspaceParams,
        body: z.strictObject({ email: z.email().max(254), role: z.enum(['admin', 'analyst', 'viewer']) }),
        response: { 201: invitationSchema },
      },
    },
    async (request, reply) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      const invitation = await deps.invitations.invite(access, request.body, auditContextOf(request, access.principal));
      return reply.code(201).send(toInvitation(invitation));
    },
  );

  routes.get(
    '/api/workspaces/:id/invitations',
    { schema: { tags, summary: 'Pending invitations (admin and up)', params: workspaceParams, response: { 200: z.object({ invitations: z.array(invitationSchema) }) } } },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      return { invitations: (await deps.invitations.listPending(access)).map(toInvitation) };
    },
  );

  routes.delete(
    '/api/workspaces/:id/invitations/:invitationId',
    { config: limit(30), schema: { tags, summary: 'Revoke a pending invitation (admin and up)', params: invitationParams, response: { 204: z.null() } } },
    async (request, reply) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      await deps.invitations.revoke(access, request.params.invitationId, auditContextOf(request, access.principal));
      return reply.code(204).send(null);
    },
  );

  routes.post(
    '/api/invitations/accept',
    {
      config: limit(20),
      schema: {
        tags,
        summary: 'Accept an invitation as the signed-in user (their confirmed email must be the invited one)',
        body: z.strictObject({ token: z.string().min(40).max(200) }),
        response: { 200: z.object({ workspace: summarySchema }) },
      },
    },
    async (request) => {
      const principal = await requireUser(request, deps);
      return { workspace: await deps.invitations.accept(principal.userId, request.body.token, auditContextOf(request, principal)) };
    },
  );
}
