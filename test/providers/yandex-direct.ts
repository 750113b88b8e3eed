// A fake Yandex Direct API v5: Yandex OAuth (PKCE, form token endpoint, revoke_token), the JSON
// services Clients and Campaigns (answer 200 with `result`, or an `error` object; LimitedBy paging),
// and the Reports service: TSV with a header line, 201 (queued offline) then 202 (building) with the
// retryIn header before the 200, and the 400 error body with error_code.
import { installFakeOAuth, type FakeOAuth } from './oauth.js';
import { startFakeServer, type FakeRequest, type FakeResponse, type FakeServer } from './server.js';

export const YANDEX_CLIENT = { id: 'yandex-client', secret: 'yandex-secret' };

export interface FakeYandexDirect {
  server: FakeServer;
  oauth: FakeOAuth;
  login: string;
  campaigns: Array<{ Id: number; Name: string; State: string }>;
  /** Report rows: Date, CampaignId, Impressions, Clicks, Cost (micros), Conversions. */
  reportRows: string[][];
  /** How many times a report answers 201/202 before 200. */
  offlineRounds: number;
  retryInSeconds: number;
  errors: FakeResponse[];
  reportRequests: Array<{ headers: FakeRequest['headers']; body: unknown }>;
  close(): Promise<void>;
}

export function yandexError(code: number, text: string, status = 400): FakeResponse {
  return { status, body: { error: { request_id: '8695244274068608439', error_code: code, error_string: text, error_detail: '' } } };
}

export async function startFakeYandexDirect(): Promise<FakeYandexDirect> {
  const server = await startFakeServer();
  const oauth = installFakeOAuth(server, { clientId: YANDEX_CLIENT.id, clientSecret: YANDEX_CLIENT.secret, tokenPath: '/token', scopeField: 'none', accessTtlSeconds: 31_536_000 });
  const fake: FakeYandexDirect = {
    server,
    oauth,
    login: 'acme-direct',
    campaigns: [],
    reportRows: [],
    offlineRounds: 0,
    retryInSeconds: 1,
    errors: [],
    reportRequests: [],
    close: () => server.close(),
  };
  const reportRounds = new Map<string, number>();

  server.on('POST', /^\/revoke_token$/, (request) => {
    const p = request.form();
    if (p.get('client_id') !== YANDEX_CLIENT.id) return { status: 400, body: { error: 'invalid_client' } };
    oauth.revokeAll();
    return { body: { status: 'ok' } };
  });

  const guard = (request: FakeRequest): FakeResponse | undefined => {
    const queued = fake.errors.shift();
    if (queued !== undefined) return queued;
    if (!oauth.bearerOk(request)) return yandexError(53, 'Authorization error', 200);
    return undefined;
  };

  server.on('POST', /^\/json\/v5\/clients$/, (request) => guard(request) ?? { body: { result: { Clients: [{ ClientId: 777, Login: fake.login, Currency: 'RUB' }] } } });
  server.on('POST', /^\/json\/v5\/campaigns$/, (request) => {
    const denied = guard(request);
    if (denied !== undefined) return denied;
    const { params } = request.json() as { params: { Page: { Limit: number; Offset: number } } };
    const { Limit, Offset } = params.Page;
    const page = fake.campaigns.slice(Offset, Offset + Limit);
    return { body: { result: { Campaigns: page, ...(Offset + Limit < fake.campaigns.length ? { LimitedBy: Offset + Limit } : {}) } } };
  });
  server.on('POST', /^\/json\/v5\/reports$/, (request) => {
    const denied = guard(request);
    if (denied !== undefined) return { ...denied, status: denied.status === 200 ? 400 : denied.status };
    const body = request.json() as { params: { ReportName: string; FieldNames: string[]; Format: string } };
    fake.reportRequests.push({ headers: request.headers, body });
    if (body.params.Format !== 'TSV') return yandexError(8000, 'Invalid request');
    const rounds = reportRounds.get(body.params.ReportName) ?? 0;
    if (rounds < fake.offlineRounds) {
      reportRounds.set(body.params.ReportName, rounds + 1);
      return { status: rounds === 0 ? 201 : 202, headers: { retryIn: String(fake.retryInSeconds), reportsInQueue: '1' } };
    }
    const tsv = [body.params.FieldNames.join('\t'), ...fake.reportRows.map((r) => r.join('\t'))].join('\n') + '\n';
    return { status: 200, headers: { 'content-type': 'text/tab-separated-values', units: '10/20828/64000' }, body: tsv };
  });
  return fake;
}
