// Google Ads through the REST interface's `customers/{id}/googleAds:searchStream` with GAQL
// (https://developers.google.com/google-ads/api/docs/reporting/streaming). Every call carries the
// `developer-token` header and, when the customer is reached through a manager account,
// `login-customer-id`. Money is `metrics.cost_micros` (already micros); int64 fields arrive as
// strings. Errors follow google.rpc.Status with GoogleAdsFailure details; RESOURCE_EXHAUSTED carries
// a `retryDelay` the connector hands to the engine.
import { ProviderError, type Connector, type ConnectorContext, type StreamName, type SyncBatch } from '../kit.js';
import { asArray, asRecord, callProvider, isoDate, nonNegativeInt, nonNegativeNumber, optionalString, readJsonBody } from '../wire.js';

export interface GoogleAdsConnectorOptions {
  developerToken: string;
}

const CUSTOMER_ID = /^\d{10}$/;

/** "30s" or "1.5s" (google.protobuf.Duration in JSON) to milliseconds. */
function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value);
  return match === null ? undefined : Math.round(Number(match[1]) * 1000);
}

function failureDetails(error: Record<string, unknown>): Array<Record<string, unknown>> {
  const details = Array.isArray(error['details']) ? (error['details'] as unknown[]) : [];
  const out: Array<Record<string, unknown>> = [];
  for (const d of details) {
    if (typeof d !== 'object' || d === null) continue;
    const errors = (d as Record<string, unknown>)['errors'];
    if (Array.isArray(errors)) for (const e of errors) if (typeof e === 'object' && e !== null) out.push(e as Record<string, unknown>);
  }
  return out;
}

/** A google.rpc.Status (possibly inside searchStream's array) as a ProviderError. */
export function googleAdsError(status: number, body: unknown): ProviderError {
  const first = Array.isArray(body) ? body[0] : body;
  const error = (typeof first === 'object' && first !== null ? (first as Record<string, unknown>)['error'] : undefined) as Record<string, unknown> | undefined;
  const rpcStatus = typeof error?.['status'] === 'string' ? error['status'] : '';
  const failures = error === undefined ? [] : failureDetails(error);
  const codes = failures.map((f) => JSON.stringify(f['errorCode'] ?? {}));
  if (rpcStatus === 'RESOURCE_EXHAUSTED' || status === 429) {
    let retry: number | undefined;
    for (const f of failures) {
      const quota = ((f['details'] as Record<string, unknown> | undefined)?.['quotaErrorDetails'] ?? {}) as Record<string, unknown>;
      retry = durationMs(quota['retryDelay']) ?? retry;
    }
    return new ProviderError('rate_limited', 'Google Ads is throttling this account; the sync continues when Google allows.', { status, retryAfterMs: retry ?? 60_000 });
  }
  if (rpcStatus === 'UNAUTHENTICATED' || status === 401) {
    if (codes.some((c) => c.includes('OAUTH_TOKEN_REVOKED') || c.includes('OAUTH_TOKEN_DISABLED'))) {
      return new ProviderError('reauth_required', 'Google no longer accepts this connection (access was revoked). Reconnect Google Ads.', { status });
    }
    return new ProviderError('token_expired', 'The Google access token was refused.', { status });
  }
  if (codes.some((c) => c.includes('DEVELOPER_TOKEN'))) {
    return new ProviderError('permanent', 'Google refused this installation\'s developer token; an operator must check GOOGLE_ADS_DEVELOPER_TOKEN.', { status });
  }
  if (rpcStatus === 'PERMISSION_DENIED' || status === 403) {
    return new ProviderError('permanent', 'Google refused access to this customer account: the connected person lacks permission, or a manager account id is needed.', { status });
  }
  if (rpcStatus === 'UNAVAILABLE' || rpcStatus === 'INTERNAL' || rpcStatus === 'DEADLINE_EXCEEDED' || status >= 500) {
    return new ProviderError('transient', 'Google Ads had a temporary problem; the sync will retry.', { status });
  }
  return new ProviderError('permanent', 'Google Ads refused the report request.', { status });
}

export function customerIdsOf(settings: Readonly<Record<string, unknown>>): string[] {
  const chosen = settings['customerIds'];
  const accessible = settings['accessibleCustomerIds'];
  const list = Array.isArray(chosen) && chosen.length > 0 ? chosen : Array.isArray(accessible) ? accessible : [];
  return list.filter((id): id is string => typeof id === 'string' && CUSTOMER_ID.test(id));
}

export function createGoogleAdsConnector(options: GoogleAdsConnectorOptions): Connector {
  /** One searchStream call: an array of result batches (each up to 10,000 rows). */
  async function searchStream(context: ConnectorContext, customerId: string, query: string): Promise<Array<Array<Record<string, unknown>>>> {
    if (!CUSTOMER_ID.test(customerId)) throw new ProviderError('permanent', 'A Google Ads customer id must be ten digits.');
    const headers: Record<string, string> = {
      authorization: `Bearer ${context.accessToken}`,
      'developer-token': options.developerToken,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    const login = context.settings['loginCustomerId'];
    if (typeof login === 'string' && CUSTOMER_ID.test(login)) headers['login-customer-id'] = login;
    const response = await callProvider(
      context.fetch,
      `${context.apiBaseUrl.replace(/\/$/, '')}/customers/${customerId}/googleAds:searchStream`,
      { method: 'POST', headers, body: JSON.stringify({ query }), signal: context.signal },
      'Google Ads',
    );
    const body = await readJsonBody(response, 'Google Ads');
    if (!response.ok) throw googleAdsError(response.status, body);
    const chunks = asArray(body, 'Google Ads searchStream answer');
    return chunks.map((chunk) => {
      const c = asRecord(chunk, 'Google Ads result batch');
      // An error can also arrive as the stream's last element after some results.
      if ('error' in c) throw googleAdsError(response.status, [c]);
      return c['results'] === undefined ? [] : asArray(c['results'], 'Google Ads results').map((r) => asRecord(r, 'Google Ads row'));
    });
  }

  function field(row: Record<string, unknown>, resource: string, name: string): unknown {
    const r = row[resource];
    return typeof r === 'object' && r !== null ? (r as Record<string, unknown>)[name] : undefined;
  }

  async function* adAccounts(context: ConnectorContext): AsyncGenerator<SyncBatch<'ad_accounts'>> {
    const customers = customerIdsOf(context.settings);
    for (const [i, customer] of customers.entries()) {
      const chunks = await searchStream(context, customer, 'SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone, customer.manager FROM customer');
      const records = chunks.flat().flatMap((row) => {
        // A manager account has no spend of its own.
        if (field(row, 'customer', 'manager') === true) return [];
        const currency = optionalString(field(row, 'customer', 'currencyCode'));
        if (currency === null || !/^[A-Z]{3}$/.test(currency)) throw new ProviderError('malformed', 'Google Ads returned a customer without a currency.');
        return [{ externalId: customer, name: optionalString(field(row, 'customer', 'descriptiveName')) ?? customer, currency, timezone: optionalString(field(row, 'customer', 'timeZone')) }];
      });
      yield { stream: 'ad_accounts', records, cursor: null, progress: (i + 1) / customers.length };
    }
  }

  async function* campaigns(context: ConnectorContext): AsyncGenerator<SyncBatch<'campaigns'>> {
    const customers = customerIdsOf(context.settings);
    for (const [i, customer] of customers.entries()) {
      const chunks = await searchStream(context, customer, 'SELECT campaign.id, campaign.name, campaign.status FROM campaign');
      for (const rows of chunks) {
        const records = rows.map((row) => {
          const id = optionalString(field(row, 'campaign', 'id'));
          if (id === null || !/^\d{1,20}$/.test(id)) throw new ProviderError('malformed', 'Google Ads returned a campaign without an id.');
          const status = field(row, 'campaign', 'status');
          return {
            accountExternalId: customer,
            externalId: id,
            name: optionalString(field(row, 'campaign', 'name')) ?? id,
            status: status === 'ENABLED' ? ('active' as const) : status === 'PAUSED' ? ('paused' as const) : ('archived' as const),
          };
        });
        yield { stream: 'campaigns', records, cursor: null, progress: (i + 1) / customers.length };
      }
    }
  }

  async function* adStats(context: ConnectorContext): AsyncGenerator<SyncBatch<'ad_stats'>> {
    const customers = customerIdsOf(context.settings);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(context.since) || !/^\d{4}-\d{2}-\d{2}$/.test(context.until)) throw new ProviderError('permanent', 'The sync window is not a pair of dates.');
    // Dates were just checked to be YYYY-MM-DD, so they are safe inside the GAQL literal.
    const query =
      'SELECT campaign.id, segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions ' +
      `FROM campaign WHERE segments.date BETWEEN '${context.since}' AND '${context.until}'`;
    for (const [i, customer] of customers.entries()) {
      const chunks = await searchStream(context, customer, query);
      for (const rows of chunks) {
        const records = rows.map((row) => {
          const campaign = optionalString(field(row, 'campaign', 'id'));
          if (campaign === null || !/^\d{1,20}$/.test(campaign)) throw new ProviderError('malformed', 'Google Ads returned a row without a campaign id.');
          return {
            accountExternalId: customer,
            campaignExternalId: campaign,
            date: isoDate(field(row, 'segments', 'date'), 'Google Ads date'),
            // Absent metrics are zero in proto3 JSON.
            spendMicros: nonNegativeInt(field(row, 'metrics', 'costMicros') ?? '0', 'Google Ads cost_micros'),
            impressions: nonNegativeInt(field(row, 'metrics', 'impressions') ?? '0', 'Google Ads impressions'),
            clicks: nonNegativeInt(field(row, 'metrics', 'clicks') ?? '0', 'Google Ads clicks'),
            platformConversions: nonNegativeNumber(field(row, 'metrics', 'conversions') ?? 0, 'Google Ads conversions'),
          };
        });
        yield { stream: 'ad_stats', records, cursor: null, progress: (i + 1) / customers.length };
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
          throw new ProviderError('permanent', `Google Ads has no ${stream} stream.`);
      }
    },
  };
}
