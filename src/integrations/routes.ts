// Integrations over HTTP. Routes validate, authorise (requireWorkspaceRole: 404 to non-members, 403
// below the route's role) and call the service, which checks the role again.
//
// The OAuth callback and SameSite=Strict: the provider sends the browser back with a cross-site
// top-level GET, on which browsers do not send our Strict session cookies. So the redirect URI
// (GET /api/integrations/oauth/callback) authenticates nobody and changes nothing: it moves `code`,
// `state` (and amoCRM's `referer`) into the fragment of a same-origin page,
// /integrations/oauth/complete, and that page, now same-site, POSTs them to
// /api/integrations/oauth/complete with the session cookies and the CSRF header pair. The fragment
// never reaches a server log or a Referer; the callback answers `no-store`.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContextOf, requireUser } from '../auth/index.js';
import { requireWorkspaceRole, type WorkspaceAccessDeps } from '../workspaces/index.js';
import type { CsvImportService } from './csv-service.js';
import { workspaceOfState, type IntegrationsService } from './service.js';
import type { IntegrationView } from './views.js';

export const OAUTH_CALLBACK_PATH = '/api/integrations/oauth/callback';
/** The web app's page that finishes a connection (it POSTs to /api/integrations/oauth/complete). */
export const OAUTH_COMPLETE_PAGE = '/integrations/oauth/complete';

export interface IntegrationRouteDeps extends WorkspaceAccessDeps {
  integrations: IntegrationsService;
  csv: CsvImportService;
}

/** A CSV file travels as a JSON string; the route's own body limit allows this much text. */
export const MAX_CSV_BYTES = 5 * 1024 * 1024;

const integrationSchema = z
  .object({
    id: z.uuid(),
    provider: z.string(),
    externalAccount: z.string().nullable(),
    displayName: z.string(),
    status: z.enum(['active', 'needs_reconnect', 'disconnected', 'error']),
    statusMessage: z.string().nullable().meta({ description: 'Plain words for the UI: why it needs reconnecting, what disconnecting could not do' }),
    grantedScopes: z.array(z.string()),
    settings: z.record(z.string(), z.unknown()),
    syncIntervalMinutes: z.number().int(),
    connectedBy: z.uuid().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Integration' });

const providerSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['ads', 'crm', 'analytics']),
    displayName: z.string(),
    availability: z.enum(['available', 'not_configured', 'planned']),
    scopes: z.array(z.object({ scope: z.string(), reason: z.string() })),
    pkce: z.boolean(),
    docsUrl: z.string(),
    configKeys: z.array(z.string()),
  })
  .meta({ id: 'IntegrationProvider' });

const toIntegration = (v: IntegrationView) => ({ ...v, createdAt: v.createdAt.toISOString(), updatedAt: v.updatedAt.toISOString() });

/** A provider's callback parameter: bounded, printable, never interpreted here. */
const callbackValue = z.string().max(4096).regex(/^[\x21-\x7e]*$/);

export function registerIntegrationRoutes(app: FastifyInstance, deps: IntegrationRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['integrations'];
  const limit = (max: number) => ({ rateLimit: { max, timeWindow: '1 minute' } });
  const workspaceParams = z.object({ id: z.uuid() });
  const integrationParams = z.object({ id: z.uuid(), integrationId: z.uuid() });

  routes.get(
    '/api/integrations/providers',
    { schema: { tags, summary: 'Every provider, whether this installation can connect it, and the scopes it asks for', response: { 200: z.object({ providers: z.array(providerSchema) }) } } },
    async (request) => {
      await requireUser(request, deps);
      return { providers: deps.integrations.listProviders() };
    },
  );

  routes.get(
    '/api/workspaces/:id/integrations',
    { schema: { tags, summary: 'The workspace\'s integrations and their status (viewer and up)', params: workspaceParams, response: { 200: z.object({ integrations: z.array(integrationSchema) }) } } },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'viewer');
      return { integrations: (await deps.integrations.listIntegrations(access)).map(toIntegration) };
    },
  );

  routes.post(
    '/api/workspaces/:id/integrations/:provider/connect',
    {
      config: limit(20),
      schema: {
        tags,
        summary: 'Start connecting a provider (owner or admin): returns the provider\'s consent page to send the browser to',
        params: z.object({ id: z.uuid(), provider: z.string().regex(/^[a-z0-9-]{1,40}$/) }),
        body: z.strictObject({}).optional(),
        response: { 200: z.object({ authorizeUrl: z.url(), expiresAt: z.iso.datetime() }) },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      const started = await deps.integrations.startConnect(access, request.params.provider);
      return { authorizeUrl: started.authorizeUrl, expiresAt: started.expiresAt.toISOString() };
    },
  );

  routes.get(
    OAUTH_CALLBACK_PATH,
    {
      config: limit(60),
      schema: {
        tags,
        summary: 'The OAuth redirect URI: hands code and state to the web app in the URL fragment (changes nothing itself)',
        // Providers add their own parameters (Google: scope, authuser; amoCRM: client_id, from_widget).
        querystring: z.object({
          code: callbackValue.optional(),
          state: callbackValue.optional(),
          referer: callbackValue.optional(),
          error: callbackValue.optional(),
          error_description: z.string().max(1000).optional(),
        }),
      },
    },
    async (request, reply) => {
      const q = request.query;
      const fragment = new URLSearchParams();
      if (q.error !== undefined || q.code === undefined) {
        // The person declined, or the provider failed: the page explains, nothing is attempted.
        fragment.set('error', q.error ?? 'missing_code');
      } else {
        fragment.set('code', q.code);
      }
      if (q.state !== undefined) fragment.set('state', q.state);
      if (q.referer !== undefined) fragment.set('referer', q.referer);
      // SECURITY: a fixed same-origin path; the provider's values only ever land in the fragment.
      return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(`${OAUTH_COMPLETE_PAGE}#${fragment.toString()}`, 303);
    },
  );

  routes.post(
    '/api/integrations/oauth/complete',
    {
      config: limit(20),
      schema: {
        tags,
        summary: 'Finish connecting: exchanges the code for the session that started the connection (owner or admin)',
        body: z.strictObject({
          code: z.string().min(1).max(4096),
          state: z.string().min(1).max(200),
          accountDomain: z.string().max(253).optional().meta({ description: 'amoCRM only: the `referer` from the callback' }),
        }),
        response: { 200: z.object({ workspaceId: z.uuid(), integration: integrationSchema }) },
      },
    },
    async (request) => {
      const principal = await requireUser(request, deps);
      const workspaceId = workspaceOfState(request.body.state);
      const access = await requireWorkspaceRole(request, deps, workspaceId, 'admin');
      const integration = await deps.integrations.completeConnect(access, request.body, auditContextOf(request, principal));
      return { workspaceId, integration: toIntegration(integration) };
    },
  );

  routes.patch(
    '/api/workspaces/:id/integrations/:integrationId',
    {
      config: limit(30),
      schema: {
        tags,
        summary: 'Choose accounts and the sync interval (owner or admin)',
        params: integrationParams,
        body: z.strictObject({
          settings: z.record(z.string(), z.unknown()).optional().meta({ description: 'Checked against the provider\'s own strict schema' }),
          syncIntervalMinutes: z.number().int().min(15).max(1440).optional(),
        }),
        response: { 200: integrationSchema },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      const principal = access.principal;
      return toIntegration(await deps.integrations.updateIntegration(access, request.params.integrationId, request.body, auditContextOf(request, principal)));
    },
  );

  const csvOptions = {
    kind: z.enum(['spend', 'deals']),
    content: z.string().min(1).max(MAX_CSV_BYTES).meta({ description: 'The CSV file\'s text (UTF-8); comma, semicolon or tab separated' }),
    mapping: z.record(z.string().max(40), z.string().max(200)).optional().meta({ description: 'Field -> column header; fields left out are suggested from the header' }),
    dateFormat: z.enum(['YYYY-MM-DD', 'DD.MM.YYYY', 'MM/DD/YYYY']).optional(),
    decimalSeparator: z.enum(['.', ',']).optional(),
    channel: z.enum(['meta-ads', 'google-ads', 'yandex-direct', 'vk-ads', 'tiktok-ads']).optional().meta({ description: 'Spend: the ad platform the rows belong to' }),
    currency: z.string().regex(/^[A-Z]{3}$/).optional().meta({ description: 'When the file has no currency column' }),
  };
  const rowError = z.object({ line: z.number().int(), field: z.string().nullable(), message: z.string() });

  routes.post(
    '/api/workspaces/:id/imports/csv/preview',
    {
      bodyLimit: MAX_CSV_BYTES + 64 * 1024,
      config: limit(30),
      schema: {
        tags,
        summary: 'Preview a CSV import (owner or admin): suggested column mapping, the first rows, every row error; writes nothing',
        params: workspaceParams,
        body: z.strictObject(csvOptions),
        response: {
          200: z.object({
            header: z.array(z.string()),
            delimiter: z.string(),
            mapping: z.record(z.string(), z.string()),
            fields: z.array(z.string()),
            rowCount: z.number().int(),
            validRows: z.number().int(),
            errors: z.array(rowError),
            sample: z.array(z.unknown()),
          }),
        },
      },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      const { content, ...options } = request.body;
      return deps.csv.preview(access, content, options);
    },
  );

  if (deps.csv.canImport) {
    routes.post(
      '/api/workspaces/:id/imports/csv',
      {
        bodyLimit: MAX_CSV_BYTES + 64 * 1024,
        config: limit(10),
        schema: {
          tags,
          summary: 'Import a CSV file (owner or admin): all rows or none',
          params: workspaceParams,
          body: z.strictObject({ ...csvOptions, source: z.string().trim().min(1).max(100).meta({ description: 'A name for where the data came from; re-importing the same source updates it' }) }),
          response: { 201: z.object({ integrationId: z.uuid(), rows: z.number().int() }) },
        },
      },
      async (request, reply) => {
        const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
        const { content, ...options } = request.body;
        return reply.code(201).send(await deps.csv.importFile(access, content, options, auditContextOf(request, access.principal)));
      },
    );
  }

  routes.delete(
    '/api/workspaces/:id/integrations/:integrationId',
    {
      config: limit(20),
      schema: { tags, summary: 'Disconnect: revoke at the provider where it can, delete the tokens (owner or admin)', params: integrationParams, response: { 200: integrationSchema } },
    },
    async (request) => {
      const access = await requireWorkspaceRole(request, deps, request.params.id, 'admin');
      return toIntegration(await deps.integrations.disconnect(access, request.params.integrationId, auditContextOf(request, access.principal)));
    },
  );
}
