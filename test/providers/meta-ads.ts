// A fake Meta Graph API (Marketing API): Facebook Login token exchange (GET, then the long-lived
// fb_exchange_token), /me, /me/permissions, /me/adaccounts, /act_{id}/campaigns, /act_{id}/insights
// with `data` + `paging.cursors` + `paging.next`, async report runs (POST insights, poll the run,
// read its /insights), the usage headers, and Graph error objects (code 190, 17, 613, 80004).
import { installFakeOAuth, type FakeOAuth } from './oauth.js';
import { startFakeServer, type FakeRequest, type FakeResponse, type FakeServer } from './server.js';

export const META_CLIENT = { id: 'meta-app', secret: 'meta-secret' };
const V = '/v23.0';

export interface MetaInsightRow {
  account: string;
  campaign_id: string;
  campaign_name: string;
  date_start: string;
  spend: string;
  impressions: string;
  clicks: string;
  actions?: Array<{ action_type: string; value: string }>;
}

export interface FakeMeta {
  server: FakeServer;
  oauth: FakeOAuth;
  accounts: Array<{ id: string; name: string; currency: string; timezone_name: string }>;
  campaigns: Array<{ account: string; id: string; name: string; effective_status: string }>;
  insights: MetaInsightRow[];
  grantedPermissions: string[];
  /** Errors to answer the next Graph calls with (first in, first out). */
  errors: FakeResponse[];
  /** x-business-use-case-usage percentage to report on insights pages. */
  usagePercent: number;
  /** Polls a report run answers "Job Running" before "Job Completed". */
  runPollsBeforeDone: number;
  close(): Promise<void>;
}

export function graphError(code: number, message: string, subcode?: number, status = 400): FakeResponse {
  return { status, body: { error: { message, type: 'OAuthException', code, ...(subcode === undefined ? {} : { error_subcode: subcode }), fbtrace_id: 'AbCdEf123' } } };
}

export async function startFakeMeta(): Promise<FakeMeta> {
  const server = await startFakeServer();
  const oauth = installFakeOAuth(server, {
    clientId: META_CLIENT.id,
    clientSecret: META_CLIENT.secret,
    tokenPath: `${V}/oauth/access_token`,
    encoding: 'query',
    issueRefreshTokens: false,
    scopeField: 'none',
    accessTtlSeconds: 5_184_000,
  });
  const fake: FakeMeta = { server, oauth, accounts: [], campaigns: [], insights: [], grantedPermissions: ['ads_read'], errors: [], usagePercent: 5, runPollsBeforeDone: 1, close: () => server.close() };
  const runs = new Map<string, { account: string; since: string; until: string; polls: number }>();

  const guard = (request: FakeRequest): FakeResponse | undefined => {
    const queued = fake.errors.shift();
    if (queued !== undefined) return queued;
    if (!oauth.bearerOk(request)) return graphError(190, 'Error validating access token: Session has expired.', 463, 401);
    return undefined;
  };
  const usageHeaders = () => ({
    'x-app-usage': JSON.stringify({ call_count: 3, total_cputime: 2, total_time: 2 }),
    'x-business-use-case-usage': JSON.stringify({ '1234567890': [{ type: 'ads_insights', call_count: fake.usagePercent, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: fake.usagePercent >= 100 ? 7 : 0 }] }),
  });

  /** Graph-style cursor paging over a list. */
  function paged(request: FakeRequest, list: unknown[], path: string): FakeResponse {
    const limit = Number(request.query.get('limit') ?? 25);
    const after = request.query.get('after');
    const start = after === null ? 0 : Number(Buffer.from(after, 'base64url').toString());
    const page = list.slice(start, start + limit);
    const end = start + page.length;
    const query = new URLSearchParams(request.query);
    query.set('after', Buffer.from(String(end)).toString('base64url'));
    return {
      headers: usageHeaders(),
      body: {
        data: page,
        paging: {
          cursors: { before: Buffer.from(String(start)).toString('base64url'), after: Buffer.from(String(end)).toString('base64url') },
          ...(end < list.length ? { next: `${server.url}${path}?${query.toString()}` } : {}),
        },
      },
    };
  }

  server.on('GET', new RegExp(`^${V}/me$`), (request) => guard(request) ?? { body: { id: '10158000000000001', name: 'Ada Marketer' } });
  server.on('GET', new RegExp(`^${V}/me/permissions$`), (request) => guard(request) ?? { body: { data: fake.grantedPermissions.map((permission) => ({ permission, status: 'granted' })) } });
  server.on('DELETE', new RegExp(`^${V}/me/permissions$`), (request) => {
    const denied = guard(request);
    if (denied !== undefined) return denied;
    oauth.revokeAll();
    return { body: { success: true } };
  });
  server.on('GET', new RegExp(`^${V}/me/adaccounts$`), (request) => guard(request) ?? paged(request, fake.accounts.map((a) => ({ ...a, account_id: a.id.slice(4) })), request.path));
  server.on('GET', new RegExp(`^${V}/(act_\\d+)/campaigns$`), (request, match) => guard(request) ?? paged(request, fake.campaigns.filter((c) => c.account === match[1]).map(({ account: _a, ...c }) => c), request.path));

  const rowsFor = (account: string, since: string, until: string) =>
    fake.insights
      .filter((r) => r.account === account && r.date_start >= since && r.date_start <= until)
      .map(({ account: _a, ...r }) => ({ ...r, date_stop: r.date_start }));

  server.on('GET', new RegExp(`^${V}/(act_\\d+)/insights$`), (request, match) => {
    const denied = guard(request);
    if (denied !== undefined) return denied;
    if (request.query.get('level') !== 'campaign' || request.query.get('time_increment') !== '1') return graphError(100, 'Invalid parameter');
    const range = JSON.parse(request.query.get('time_range') ?? '{}') as { since: string; until: string };
    return paged(request, rowsFor(match[1] as string, range.since, range.until), request.path);
  });
  server.on('POST', new RegExp(`^${V}/(act_\\d+)/insights$`), (request, match) => {
    const denied = guard(request);
    if (denied !== undefined) return denied;
    const form = request.form();
    const range = JSON.parse(form.get('time_range') ?? '{}') as { since: string; until: string };
    const id = String(6_000_000_000_000 + runs.size);
    runs.set(id, { account: match[1] as string, since: range.since, until: range.until, polls: 0 });
    return { body: { report_run_id: id } };
  });
  server.on('GET', new RegExp(`^${V}/(\\d{13})$`), (request, match) => {
    const denied = guard(request);
    if (denied !== undefined) return denied;
    const run = runs.get(match[1] as string);
    if (run === undefined) return graphError(100, 'Unsupported get request');
    run.polls += 1;
    const done = run.polls > fake.runPollsBeforeDone;
    return { body: { id: match[1], async_status: done ? 'Job Completed' : 'Job Running', async_percent_completion: done ? 100 : 40 } };
  });
  server.on('GET', new RegExp(`^${V}/(\\d{13})/insights$`), (request, match) => {
    const denied = guard(request);
    if (denied !== undefined) return denied;
    const run = runs.get(match[1] as string);
    if (run === undefined) return graphError(100, 'Unsupported get request');
    return paged(request, rowsFor(run.account, run.since, run.until), request.path);
  });
  return fake;
}
