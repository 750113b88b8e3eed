// Meta Ads through the Graph API (Marketing API): ad accounts, campaigns, and campaign-level
// insights by day. Follows https://developers.facebook.com/docs/marketing-api/insights:
// `level=campaign&time_increment=1`, cursor paging (`paging.next`), asynchronous report runs for
// long ranges (POST /act_{id}/insights, poll the report run, then read its /insights), the usage
// headers (x-app-usage, x-business-use-case-usage, x-ad-account-usage) and the error codes:
// 190/102 token gone, 4/17/32/613/80000-80014 throttled.
import { ProviderError, type Connector, type ConnectorContext, type DailyAdStatRecord, type StreamName, type SyncBatch } from '../kit.js';
import { asArray, asRecord, callProvider, decimalToMicros, isoDate, nonNegativeInt, optionalString, readJsonBody, sameOriginNext, sleep } from '../wire.js';

export interface MetaAdsConnectorOptions {
  /** Ranges longer than this many days run as an asynchronous report. Meta suggests async for big reads. */
  asyncAboveDays?: number;
  /** How often a report run is polled, and for how long at most before the run is handed back. */
  pollIntervalMs?: number;
  maxPollMs?: number;
  pageSize?: number;
}

/** Usage percentage at which the connector stops after the current page and lets the engine back off. */
const USAGE_CEILING = 90;
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
const DEFAULT_CONVERSIONS = ['lead', 'purchase'];

const INSIGHT_FIELDS = ['campaign_id', 'campaign_name', 'spend', 'impressions', 'clicks', 'actions', 'date_start', 'date_stop'].join(',');

interface Page {
  data: unknown[];
  next: string | null;
  usage: UsageSignal;
}

interface UsageSignal {
  /** The highest usage percentage any header reported. */
  peakPercent: number;
  /** Meta's own estimate of when access is regained, when it gave one. */
  regainMs: number | undefined;
}

function parseJsonHeader(value: string | null): unknown {
  if (value === null) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

/** Reads x-app-usage, x-ad-account-usage and x-business-use-case-usage (percentages, minutes). */
export function readUsage(headers: Headers): UsageSignal {
  let peak = 0;
  let regainMinutes: number | undefined;
  const consider = (entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return;
    const e = entry as Record<string, unknown>;
    for (const key of ['call_count', 'total_cputime', 'total_time', 'acc_id_util_pct']) {
      const v = Number(e[key]);
      if (Number.isFinite(v)) peak = Math.max(peak, v);
    }
    const regain = Number(e['estimated_time_to_regain_access']);
    if (Number.isFinite(regain) && regain > 0) regainMinutes = Math.max(regainMinutes ?? 0, regain);
  };
  consider(parseJsonHeader(headers.get('x-app-usage')));
  consider(parseJsonHeader(headers.get('x-ad-account-usage')));
  const business = parseJsonHeader(headers.get('x-business-use-case-usage'));
  if (typeof business === 'object' && business !== null) {
    for (const list of Object.values(business as Record<string, unknown>)) if (Array.isArray(list)) list.forEach(consider);
  }
  return { peakPercent: peak, regainMs: regainMinutes === undefined ? undefined : regainMinutes * 60_000 };
}

/** Meta's error object as a ProviderError (https://developers.facebook.com/docs/graph-api/guides/error-handling). */
export function metaError(status: number, body: unknown, usage: UsageSignal): ProviderError {
  const error = typeof body === 'object' && body !== null ? ((body as Record<string, unknown>)['error'] as Record<string, unknown> | undefined) : undefined;
  const code = Number(error?.['code']);
  const subcode = Number(error?.['error_subcode']);
  if (code === 190 || code === 102) {
    // 463: the token expired; 460: password changed; 458: app removed. All need the person again.
    return new ProviderError('reauth_required', subcode === 463 ? 'Meta access has expired (Meta tokens last 60 days). Reconnect Meta Ads.' : 'Meta no longer accepts this connection. Reconnect Meta Ads.', { status });
  }
  if (RATE_LIMIT_CODES.has(code) || (code >= 80000 && code <= 80014)) {
    return new ProviderError('rate_limited', 'Meta is throttling requests for this ad account; the sync continues when Meta allows.', { status, retryAfterMs: usage.regainMs ?? 5 * 60_000 });
  }
  if (code === 10 || (code >= 200 && code <= 299)) {
    return new ProviderError('permanent', 'Meta refused access to this ad account: the connected person lacks permission to read its reports.', { status });
  }
  if (code === 1 || code === 2 || status >= 500) return new ProviderError('transient', 'Meta had a temporary problem; the sync will retry.', { status });
  return new ProviderError('permanent', 'Meta refused the request for this ad account.', { status });
}

async function graphGet(context: ConnectorContext, url: string, init: RequestInit = {}): Promise<{ body: Record<string, unknown>; usage: UsageSignal }> {
  const response = await callProvider(context.fetch, url, { ...init, headers: { authorization: `Bearer ${context.accessToken}`, accept: 'application/json', ...(init.headers as Record<string, string> | undefined) }, signal: context.signal }, 'Meta Ads');
  const usage = readUsage(response.headers);
  const body = await readJsonBody(response, 'Meta Ads');
  if (!response.ok || (typeof body === 'object' && body !== null && 'error' in body)) throw metaError(response.status, body, usage);
  return { body: asRecord(body, 'Meta Ads answer'), usage };
}

async function readPage(context: ConnectorContext, url: string): Promise<Page> {
  const { body, usage } = await graphGet(context, url);
  const paging = (body['paging'] ?? {}) as Record<string, unknown>;
  return { data: asArray(body['data'], 'Meta Ads data'), next: sameOriginNext(paging['next'], context.apiBaseUrl), usage };
}

/** When Meta reports heavy usage, stop after this page so the engine waits instead of being blocked. */
function throttleAfter(usage: UsageSignal): void {
  if (usage.peakPercent >= USAGE_CEILING) {
    throw new ProviderError('rate_limited', 'Meta reports this ad account close to its API limit; the sync pauses and resumes where it stopped.', {
      retryAfterMs: usage.regainMs ?? 5 * 60_000,
    });
  }
}

function accountIds(context: ConnectorContext): string[] | undefined {
  const ids = context.settings['adAccountIds'];
  return Array.isArray(ids) && ids.length > 0 ? ids.filter((id): id is string => typeof id === 'string' && /^act_\d{1,20}$/.test(id)) : undefined;
}

function url(context: ConnectorContext, path: string, params: Record<string, string>): string {
  const u = new URL(`${context.apiBaseUrl.replace(/\/$/, '')}/${path}`);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

interface AdStatsCursor {
  window: string;
  account: string;
  next: string | null;
}

function parseCursor(cursor: string | null, window: string): AdStatsCursor | undefined {
  if (cursor === null) return undefined;
  try {
    const c = JSON.parse(cursor) as AdStatsCursor;
    return c.window === window && typeof c.account === 'string' ? c : undefined;
  } catch {
    return undefined;
  }
}

function daysBetween(since: string, until: string): number {
  return Math.round((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${since}T00:00:00Z`)) / 86_400_000) + 1;
}

export function createMetaAdsConnector(options: MetaAdsConnectorOptions = {}): Connector {
  const asyncAboveDays = options.asyncAboveDays ?? 31;
  const pollIntervalMs = options.pollIntervalMs ?? 5_000;
  const maxPollMs = options.maxPollMs ?? 10 * 60_000;
  const pageSize = String(options.pageSize ?? 500);

  async function listAccounts(context: ConnectorContext): Promise<Array<{ id: string; name: string; currency: string; timezone: string | null }>> {
    const wanted = accountIds(context);
    const out: Array<{ id: string; name: string; currency: string; timezone: string | null }> = [];
    let next: string | null = url(context, 'me/adaccounts', { fields: 'id,account_id,name,currency,timezone_name', limit: '100' });
    while (next !== null) {
      const page = await readPage(context, next);
      for (const raw of page.data) {
        const a = asRecord(raw, 'Meta ad account');
        const id = optionalString(a['id']);
        if (id === null || !/^act_\d{1,20}$/.test(id)) throw new ProviderError('malformed', 'Meta returned an ad account without a valid id.');
        if (wanted !== undefined && !wanted.includes(id)) continue;
        const currency = optionalString(a['currency']);
        if (currency === null || !/^[A-Z]{3}$/.test(currency)) throw new ProviderError('malformed', 'Meta returned an ad account without a currency.');
        out.push({ id, name: optionalString(a['name']) ?? id, currency, timezone: optionalString(a['timezone_name']) });
      }
      next = page.next;
      if (next !== null) throttleAfter(page.usage);
    }
    return out;
  }

  function statFrom(raw: unknown, account: string, conversionTypes: readonly string[]): DailyAdStatRecord {
    const r = asRecord(raw, 'Meta insights row');
    const campaign = optionalString(r['campaign_id']);
    if (campaign === null || !/^\d{1,25}$/.test(campaign)) throw new ProviderError('malformed', 'Meta returned an insights row without a campaign id.');
    const actions = r['actions'] === undefined ? [] : asArray(r['actions'], 'Meta insights actions');
    let conversions = 0;
    for (const action of actions) {
      const a = asRecord(action, 'Meta insights action');
      if (typeof a['action_type'] === 'string' && conversionTypes.includes(a['action_type'])) conversions += Number(a['value']) || 0;
    }
    return {
      accountExternalId: account,
      campaignExternalId: campaign,
      date: isoDate(r['date_start'], 'Meta insights date'),
      // Meta reports spend as a decimal string in the ad account's currency.
      spendMicros: decimalToMicros(r['spend'] ?? '0', 'Meta spend'),
      impressions: nonNegativeInt(r['impressions'] ?? '0', 'Meta impressions'),
      clicks: nonNegativeInt(r['clicks'] ?? '0', 'Meta clicks'),
      platformConversions: conversions,
    };
  }

  /** Starts an async report run and waits for it; returns the URL of its first result page. */
  async function runAsyncReport(context: ConnectorContext, account: string, params: Record<string, string>): Promise<string> {
    const started = await graphGet(context, url(context, `${account}/insights`, {}), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
    const runId = optionalString(started.body['report_run_id']);
    if (runId === null || !/^\d{1,25}$/.test(runId)) throw new ProviderError('malformed', 'Meta did not return a report run id.');
    const deadline = Date.now() + maxPollMs;
    for (;;) {
      const { body } = await graphGet(context, url(context, runId, { fields: 'async_status,async_percent_completion' }));
      const status = body['async_status'];
      if (status === 'Job Completed') break;
      if (status === 'Job Failed' || status === 'Job Skipped') throw new ProviderError('transient', 'Meta could not build the report; the sync will retry.');
      if (Date.now() > deadline) throw new ProviderError('rate_limited', 'Meta is still building the report; the sync will continue later.', { retryAfterMs: 60_000 });
      await sleep(pollIntervalMs, context.signal);
    }
    return url(context, `${runId}/insights`, { limit: pageSize });
  }

  async function* adStats(context: ConnectorContext): AsyncGenerator<SyncBatch<'ad_stats'>> {
    const window = `${context.since}..${context.until}`;
    const conversionTypes = Array.isArray(context.settings['conversionActionTypes']) ? (context.settings['conversionActionTypes'] as string[]) : DEFAULT_CONVERSIONS;
    const accounts = (await listAccounts(context)).map((a) => a.id).sort();
    const resume = parseCursor(context.cursor, window);
    const startAt = resume === undefined ? 0 : Math.max(0, accounts.indexOf(resume.account));
    const params = {
      level: 'campaign',
      time_increment: '1',
      time_range: JSON.stringify({ since: context.since, until: context.until }),
      fields: INSIGHT_FIELDS,
      limit: pageSize,
    };
    for (let i = startAt; i < accounts.length; i += 1) {
      const account = accounts[i] as string;
      const resumeHere = resume !== undefined && i === startAt && resume.account === account ? resume.next : null;
      let next: string | null =
        resumeHere !== null
          ? sameOriginNext(resumeHere, context.apiBaseUrl)
          : daysBetween(context.since, context.until) > asyncAboveDays
            ? await runAsyncReport(context, account, params)
            : url(context, `${account}/insights`, params);
      while (next !== null) {
        const page: Page = await readPage(context, next);
        const records = page.data.map((row) => statFrom(row, account, conversionTypes));
        next = page.next;
        const nextAccount = accounts[i + 1];
        // Where to resume after this page: the rest of this account, the next account, or done.
        const cursor =
          next !== null
            ? JSON.stringify({ window, account, next } satisfies AdStatsCursor)
            : nextAccount !== undefined
              ? JSON.stringify({ window, account: nextAccount, next: null } satisfies AdStatsCursor)
              : null;
        yield { stream: 'ad_stats', records, cursor, progress: (i + (next === null ? 1 : 0.5)) / accounts.length };
        if (cursor !== null) throttleAfter(page.usage);
      }
    }
  }

  async function* adAccounts(context: ConnectorContext): AsyncGenerator<SyncBatch<'ad_accounts'>> {
    const accounts = await listAccounts(context);
    yield { stream: 'ad_accounts', records: accounts.map((a) => ({ externalId: a.id, name: a.name, currency: a.currency, timezone: a.timezone })), cursor: null, progress: 1 };
  }

  async function* campaigns(context: ConnectorContext): AsyncGenerator<SyncBatch<'campaigns'>> {
    const accounts = await listAccounts(context);
    for (const [i, account] of accounts.entries()) {
      let next: string | null = url(context, `${account.id}/campaigns`, { fields: 'id,name,effective_status', limit: '200' });
      while (next !== null) {
        const page: Page = await readPage(context, next);
        const records = page.data.map((raw) => {
          const c = asRecord(raw, 'Meta campaign');
          const id = optionalString(c['id']);
          if (id === null || !/^\d{1,25}$/.test(id)) throw new ProviderError('malformed', 'Meta returned a campaign without a valid id.');
          const status = String(c['effective_status'] ?? '');
          return {
            accountExternalId: account.id,
            externalId: id,
            name: optionalString(c['name']) ?? id,
            status: status === 'ARCHIVED' || status === 'DELETED' ? ('archived' as const) : status === 'PAUSED' || status === 'CAMPAIGN_PAUSED' ? ('paused' as const) : ('active' as const),
          };
        });
        next = page.next;
        yield { stream: 'campaigns', records, cursor: null, progress: (i + (next === null ? 1 : 0.5)) / accounts.length };
        if (next !== null || i < accounts.length - 1) throttleAfter(page.usage);
      }
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
          throw new ProviderError('permanent', `Meta Ads has no ${stream} stream.`);
      }
    },
  };
}
