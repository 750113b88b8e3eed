// Yandex Direct through API v5 (https://yandex.ru/dev/direct/doc/ru/): the Reports service for
// daily campaign statistics (TSV; 200 ready, 201 queued offline, 202 still building, with the
// `retryIn` header saying when to ask again, repeating the identical request), and the JSON
// services Clients and Campaigns. `Client-Login` selects an agency's client; `returnMoneyInMicros`
// makes Cost arrive as integer micros.
import { createHash } from 'node:crypto';
import { ProviderError, type Connector, type ConnectorContext, type StreamName, type SyncBatch } from '../kit.js';
import { asArray, asRecord, callProvider, isoDate, nonNegativeInt, nonNegativeNumber, optionalString, readJsonBody, sleep } from '../wire.js';

export interface YandexDirectConnectorOptions {
  /** The longest the connector waits for an offline report before handing the run back. */
  maxReportWaitMs?: number;
  /** Floor and ceiling on the provider's retryIn, in ms (tests shorten the wait). */
  minRetryMs?: number;
  rowsPerBatch?: number;
}

const REPORT_FIELDS = ['Date', 'CampaignId', 'Impressions', 'Clicks', 'Cost', 'Conversions'] as const;

/** API v5 error codes (https://yandex.ru/dev/direct/doc/ru/concepts/errors) as ProviderErrors. */
export function yandexError(status: number, body: unknown, retryInMs: number | undefined): ProviderError {
  const error = (typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['error'] : undefined) as Record<string, unknown> | undefined;
  const code = Number(error?.['error_code']);
  switch (code) {
    case 53: // Authorization error: the token is invalid or expired.
      return new ProviderError('token_expired', 'Yandex refused the access token.', { status });
    case 52: // Authorization server temporarily unavailable.
    case 1000:
    case 1001:
    case 1002:
      return new ProviderError('transient', 'Yandex Direct had a temporary problem; the sync will retry.', { status });
    case 56: // Request limit exceeded.
    case 506: // Limit of concurrent connections.
    case 9000: // Too many reports in the offline queue.
      return new ProviderError('rate_limited', 'Yandex Direct is throttling requests; the sync continues when it allows.', { status, retryAfterMs: retryInMs ?? 60_000 });
    case 152: // Not enough API units; they recover over the hour.
      return new ProviderError('rate_limited', 'This Yandex Direct account has used its API points for now; the sync resumes when they recover.', { status, retryAfterMs: 60 * 60_000 });
    case 58: // Incomplete registration of the app.
    case 513: // The login is not connected to Direct.
    case 54: // No rights.
      return new ProviderError('permanent', 'Yandex Direct refused access for this login (check the account and its API access).', { status });
    default:
      if (status >= 500) return new ProviderError('transient', 'Yandex Direct had a temporary problem; the sync will retry.', { status });
      return new ProviderError('permanent', 'Yandex Direct refused the request.', { status });
  }
}

function headersFor(context: ConnectorContext): Record<string, string> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${context.accessToken}`,
    'accept-language': 'en',
    'content-type': 'application/json; charset=utf-8',
  };
  const login = context.settings['clientLogin'];
  if (typeof login === 'string' && login !== '') headers['client-login'] = login;
  return headers;
}

function accountLogin(context: ConnectorContext): string {
  const login = context.settings['clientLogin'] ?? context.settings['login'];
  if (typeof login !== 'string' || login === '') throw new ProviderError('permanent', 'This Yandex Direct connection has no account login; reconnect it.');
  return login;
}

async function jsonService(context: ConnectorContext, service: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await callProvider(
    context.fetch,
    `${context.apiBaseUrl.replace(/\/$/, '')}/json/v5/${service}`,
    { method: 'POST', headers: headersFor(context), body: JSON.stringify({ method: 'get', params }), signal: context.signal },
    'Yandex Direct',
  );
  const body = await readJsonBody(response, 'Yandex Direct');
  // The JSON services answer 200 with an `error` object for most failures.
  if (!response.ok || (typeof body === 'object' && body !== null && 'error' in body)) throw yandexError(response.status, body, undefined);
  return asRecord(asRecord(body, 'Yandex Direct answer')['result'], 'Yandex Direct result');
}

/** Parses the report's TSV: a header line of the requested fields, then one row per line. */
export function parseReportTsv(tsv: string): Array<Record<(typeof REPORT_FIELDS)[number], string>> {
  const lines = tsv.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
  const [header, ...rows] = lines;
  if (header === undefined) return [];
  const columns = header.split('\t');
  if (columns.length !== REPORT_FIELDS.length || columns.some((c, i) => c !== REPORT_FIELDS[i])) {
    throw new ProviderError('malformed', 'The Yandex Direct report has unexpected columns.');
  }
  return rows.map((line) => {
    const cells = line.split('\t');
    if (cells.length !== REPORT_FIELDS.length) throw new ProviderError('malformed', 'A Yandex Direct report row has the wrong number of cells.');
    return Object.fromEntries(REPORT_FIELDS.map((f, i) => [f, cells[i] as string])) as Record<(typeof REPORT_FIELDS)[number], string>;
  });
}

export function createYandexDirectConnector(options: YandexDirectConnectorOptions = {}): Connector {
  const maxWaitMs = options.maxReportWaitMs ?? 10 * 60_000;
  const minRetryMs = options.minRetryMs ?? 1_000;
  const rowsPerBatch = options.rowsPerBatch ?? 5_000;

  async function fetchReport(context: ConnectorContext): Promise<string> {
    const params = {
      SelectionCriteria: { DateFrom: context.since, DateTo: context.until },
      FieldNames: [...REPORT_FIELDS],
      ReportType: 'CAMPAIGN_PERFORMANCE_REPORT',
      DateRangeType: 'CUSTOM_DATE',
      Format: 'TSV',
      IncludeVAT: 'NO',
    };
    // The offline flow repeats the identical request, report name included: the name is derived
    // from the parameters, so a retry (even from another run) picks up the report already queued.
    const reportName = `throughline-${createHash('sha256').update(JSON.stringify([accountLogin(context), params])).digest('hex').slice(0, 32)}`;
    const body = JSON.stringify({ params: { ...params, ReportName: reportName } });
    const headers = { ...headersFor(context), processingMode: 'auto', returnMoneyInMicros: 'true', skipReportHeader: 'true', skipReportSummary: 'true' };
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const response = await callProvider(context.fetch, `${context.apiBaseUrl.replace(/\/$/, '')}/json/v5/reports`, { method: 'POST', headers, body, signal: context.signal }, 'Yandex Direct');
      const retryIn = Number(response.headers.get('retryin'));
      const retryMs = Number.isFinite(retryIn) && retryIn > 0 ? retryIn * 1000 : undefined;
      if (response.status === 200) return response.text();
      if (response.status === 201 || response.status === 202) {
        await response.arrayBuffer();
        const wait = Math.max(minRetryMs, retryMs ?? 5_000);
        if (Date.now() + wait > deadline) {
          throw new ProviderError('rate_limited', 'Yandex Direct is still preparing the report; the sync continues when it is ready.', { status: response.status, retryAfterMs: wait });
        }
        await sleep(wait, context.signal);
        continue;
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        throw response.status >= 500 ? new ProviderError('transient', 'Yandex Direct failed to build the report; the sync will retry.', { status: response.status }) : new ProviderError('malformed', 'Yandex Direct answered with an unreadable error.', { status: response.status });
      }
      throw yandexError(response.status, parsed, retryMs);
    }
  }

  async function* adStats(context: ConnectorContext): AsyncGenerator<SyncBatch<'ad_stats'>> {
    const account = accountLogin(context);
    const rows = parseReportTsv(await fetchReport(context));
    if (rows.length === 0) {
      yield { stream: 'ad_stats', records: [], cursor: null, progress: 1 };
      return;
    }
    for (let i = 0; i < rows.length; i += rowsPerBatch) {
      const records = rows.slice(i, i + rowsPerBatch).map((r) => {
        if (!/^\d{1,20}$/.test(r.CampaignId)) throw new ProviderError('malformed', 'A Yandex Direct report row has no campaign id.');
        return {
          accountExternalId: account,
          campaignExternalId: r.CampaignId,
          date: isoDate(r.Date, 'Yandex Direct date'),
          // With returnMoneyInMicros, Cost is an integer in millionths of the account currency.
          spendMicros: nonNegativeInt(r.Cost, 'Yandex Direct cost'),
          impressions: nonNegativeInt(r.Impressions, 'Yandex Direct impressions'),
          clicks: nonNegativeInt(r.Clicks, 'Yandex Direct clicks'),
          // "--" means no goal data for the row.
          platformConversions: r.Conversions === '--' ? 0 : nonNegativeNumber(r.Conversions, 'Yandex Direct conversions'),
        };
      });
      yield { stream: 'ad_stats', records, cursor: null, progress: Math.min(1, (i + rowsPerBatch) / rows.length) };
    }
  }

  async function* adAccounts(context: ConnectorContext): AsyncGenerator<SyncBatch<'ad_accounts'>> {
    const result = await jsonService(context, 'clients', { FieldNames: ['ClientId', 'Login', 'Currency'] });
    const records = asArray(result['Clients'], 'Yandex Direct clients').map((raw) => {
      const c = asRecord(raw, 'Yandex Direct client');
      const login = optionalString(c['Login']);
      const currency = optionalString(c['Currency']);
      if (login === null || currency === null || !/^[A-Z]{3}$/.test(currency)) throw new ProviderError('malformed', 'Yandex Direct returned a client without a login or currency.');
      // Direct reports in the account's own day (Moscow time unless the account says otherwise).
      return { externalId: login, name: login, currency, timezone: 'Europe/Moscow' };
    });
    yield { stream: 'ad_accounts', records, cursor: null, progress: 1 };
  }

  async function* campaigns(context: ConnectorContext): AsyncGenerator<SyncBatch<'campaigns'>> {
    const account = accountLogin(context);
    let offset = 0;
    for (;;) {
      const result = await jsonService(context, 'campaigns', { SelectionCriteria: {}, FieldNames: ['Id', 'Name', 'State'], Page: { Limit: 1000, Offset: offset } });
      const list = result['Campaigns'] === undefined ? [] : asArray(result['Campaigns'], 'Yandex Direct campaigns');
      const records = list.map((raw) => {
        const c = asRecord(raw, 'Yandex Direct campaign');
        const id = optionalString(c['Id']);
        if (id === null || !/^\d{1,20}$/.test(id)) throw new ProviderError('malformed', 'Yandex Direct returned a campaign without an id.');
        const state = c['State'];
        return {
          accountExternalId: account,
          externalId: id,
          name: optionalString(c['Name']) ?? id,
          status: state === 'ON' ? ('active' as const) : state === 'OFF' || state === 'SUSPENDED' || state === 'UNKNOWN' ? ('paused' as const) : ('archived' as const),
        };
      });
      // LimitedBy is present when more remain: it is the offset of the next page.
      const limitedBy = result['LimitedBy'];
      const more = typeof limitedBy === 'number' && limitedBy > offset;
      yield { stream: 'campaigns', records, cursor: null, progress: more ? 0.5 : 1 };
      if (!more) return;
      offset = limitedBy;
    }
  }

  return {
    streams: ['ad_accounts', 'campaigns', 'ad_stats'],
    read<S extends StreamName>(stream: S, context: ConnectorContext): AsyncIterable<SyncBatch<S>> {
      switch (stream) {
        case 'ad_accounts':
          return adAccounts(context) as AsyncIterable<SyncBatch<S>>;
        case 'campaigns':
          return campaigns(context) as AsyncIterable<SyncBatch<S>>;
        case 'ad_stats':
          return adStats(context) as AsyncIterable<SyncBatch<S>>;
        default:
          throw new ProviderError('permanent', `Yandex Direct has no ${stream} stream.`);
      }
    },
  };
}
