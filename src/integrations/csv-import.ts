// CSV import for any other source: daily spend by campaign, or deals. A file is parsed, its columns
// mapped to fields (suggested from the header, overridable), every row validated, and the result
// either previewed (first rows and every error, nothing written) or turned into SyncBatch records
// for the sync engine's upsert path. Guarantees: one bad row refuses the whole file (per-row errors
// say which line, which column and why); money becomes integer micros or minor units exactly.
import type { AdChannel, ClickIds, DailyAdStatRecord, DealRecord, SyncBatch, Utm } from './contract.js';
import { decimalToMicros, decimalToMinor, minorDigits } from './providers/wire.js';
import { CsvSyntaxError, parseCsv, type ParsedCsv } from './csv-parse.js';

export type CsvKind = 'spend' | 'deals';
export type DateFormat = 'YYYY-MM-DD' | 'DD.MM.YYYY' | 'MM/DD/YYYY';

export const CSV_FIELDS = {
  spend: ['date', 'campaign', 'campaignId', 'spend', 'impressions', 'clicks', 'conversions', 'account', 'currency'],
  deals: ['dealId', 'status', 'amount', 'currency', 'createdAt', 'closedAt', 'contactId', 'utmSource', 'utmMedium', 'utmCampaign', 'utmContent', 'utmTerm', 'gclid', 'fbclid', 'yclid'],
} as const satisfies Record<CsvKind, readonly string[]>;

const REQUIRED: Record<CsvKind, readonly string[]> = {
  spend: ['date', 'campaign', 'spend'],
  deals: ['dealId', 'status', 'amount', 'createdAt'],
};

/** Header names (lower-cased, spaces and dashes as underscores) each field is recognised by. */
const SYNONYMS: Record<string, readonly string[]> = {
  date: ['date', 'day', 'дата', 'день'],
  campaign: ['campaign', 'campaign_name', 'кампания', 'название_кампании', 'utm_campaign'],
  campaignId: ['campaign_id', 'id_кампании'],
  spend: ['spend', 'cost', 'amount_spent', 'расход', 'затраты', 'стоимость'],
  impressions: ['impressions', 'показы'],
  clicks: ['clicks', 'клики'],
  conversions: ['conversions', 'конверсии', 'leads'],
  account: ['account', 'ad_account', 'аккаунт', 'кабинет'],
  currency: ['currency', 'валюта'],
  dealId: ['deal_id', 'id', 'deal', 'order_id', 'сделка', 'id_сделки'],
  status: ['status', 'stage', 'статус', 'этап'],
  amount: ['amount', 'revenue', 'value', 'сумма', 'бюджет', 'выручка'],
  createdAt: ['created_at', 'created', 'create_date', 'дата_создания'],
  closedAt: ['closed_at', 'closed', 'close_date', 'дата_закрытия'],
  contactId: ['contact_id', 'contact', 'email', 'контакт'],
  utmSource: ['utm_source'],
  utmMedium: ['utm_medium'],
  utmCampaign: ['utm_campaign'],
  utmContent: ['utm_content'],
  utmTerm: ['utm_term'],
  gclid: ['gclid'],
  fbclid: ['fbclid'],
  yclid: ['yclid'],
};

const WON = new Set(['won', 'closed won', 'closedwon', 'успешно', 'успешно реализовано', 'выиграна', 'paid', 'оплачено']);
const LOST = new Set(['lost', 'closed lost', 'closedlost', 'закрыто и не реализовано', 'проиграна', 'отказ', 'cancelled', 'canceled']);

export interface CsvOptions {
  kind: CsvKind;
  /** Field -> header name; fields left out are suggested from the header. */
  mapping?: Partial<Record<string, string>> | undefined;
  dateFormat?: DateFormat | undefined;
  decimalSeparator?: '.' | ',' | undefined;
  /** Spend: the ad platform these rows belong to. */
  channel?: AdChannel | undefined;
  /** The currency when the file has no currency column. */
  currency?: string | undefined;
}

export interface CsvRowError {
  /** The line in the file (the header is line 1). */
  line: number;
  field: string | null;
  message: string;
}

export interface CsvParseResult {
  header: string[];
  delimiter: ParsedCsv['delimiter'];
  /** Field -> header actually used. */
  mapping: Record<string, string>;
  rowCount: number;
  errors: CsvRowError[];
  spend: DailyAdStatRecord[];
  deals: DealRecord[];
  /** Spend: account external id -> currency, for the ad_accounts batch. */
  accounts: Map<string, string>;
  campaigns: Map<string, { account: string; name: string }>;
}

const normalise = (header: string) => header.trim().toLowerCase().replace(/[\s-]+/g, '_');

export function suggestMapping(kind: CsvKind, header: readonly string[]): Record<string, string> {
  const byName = new Map(header.map((h) => [normalise(h), h]));
  const mapping: Record<string, string> = {};
  for (const field of CSV_FIELDS[kind]) {
    const found = (SYNONYMS[field] ?? []).map((s) => byName.get(s)).find((h) => h !== undefined);
    if (found !== undefined) mapping[field] = found;
  }
  return mapping;
}

function parseDate(value: string, format: DateFormat): string | undefined {
  const v = value.trim();
  let y: string | undefined;
  let m: string | undefined;
  let d: string | undefined;
  if (format === 'YYYY-MM-DD') [, y, m, d] = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(v) ?? [];
  else if (format === 'DD.MM.YYYY') [, d, m, y] = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(v) ?? [];
  else [, m, d, y] = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(v) ?? [];
  if (y === undefined || m === undefined || d === undefined) return undefined;
  const iso = `${y}-${m}-${d}`;
  // Refuses 2026-02-30 and the like.
  const t = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(t.getTime()) || t.toISOString().slice(0, 10) !== iso ? undefined : iso;
}

function parseNumber(value: string, separator: '.' | ','): string | undefined {
  let v = value.trim().replace(/[\s\u00a0]/g, '');
  if (separator === ',') v = v.replace(/\./g, '').replace(',', '.');
  else v = v.replace(/,/g, '');
  return /^-?\d+(\.\d+)?$/.test(v) ? v : undefined;
}

/** Parses, maps and validates a whole file; collects every row's errors instead of stopping at one. */
export function readCsv(content: string, options: CsvOptions, maxErrors = 200): CsvParseResult {
  let parsed: ParsedCsv;
  const result: CsvParseResult = { header: [], delimiter: ',', mapping: {}, rowCount: 0, errors: [], spend: [], deals: [], accounts: new Map(), campaigns: new Map() };
  try {
    parsed = parseCsv(content);
  } catch (error) {
    if (error instanceof CsvSyntaxError) {
      result.errors.push({ line: error.line, field: null, message: `The file is not valid CSV: ${error.message}.` });
      return result;
    }
    throw error;
  }
  result.header = parsed.header;
  result.delimiter = parsed.delimiter;
  result.rowCount = parsed.rows.length;
  const suggested = suggestMapping(options.kind, parsed.header);
  const mapping: Record<string, string> = { ...suggested };
  for (const [field, column] of Object.entries(options.mapping ?? {})) {
    if (column === undefined || column === '') delete mapping[field];
    else mapping[field] = column;
  }
  result.mapping = mapping;
  const fail = (line: number, field: string | null, message: string) => {
    if (result.errors.length < maxErrors) result.errors.push({ line, field, message });
  };
  for (const [field, column] of Object.entries(mapping)) {
    if (!(CSV_FIELDS[options.kind] as readonly string[]).includes(field)) fail(1, field, `"${field}" is not a field of a ${options.kind} import.`);
    else if (!parsed.header.includes(column)) fail(1, field, `The file has no column "${column}".`);
  }
  for (const field of REQUIRED[options.kind]) if (mapping[field] === undefined) fail(1, field, `Map a column to "${field}"; it is required.`);
  if (options.kind === 'spend' && options.channel === undefined) fail(1, null, 'Say which ad platform this spend belongs to (channel).');
  if (result.errors.length > 0) return result;
  if (parsed.rows.length === 0) {
    fail(1, null, 'The file has a header but no rows.');
    return result;
  }

  const index = new Map(parsed.header.map((h, i) => [h, i]));
  const dateFormat = options.dateFormat ?? 'YYYY-MM-DD';
  const separator = options.decimalSeparator ?? '.';
  const seen = new Map<string, number>();

  for (const { line, cells } of parsed.rows) {
    if (cells.length !== parsed.header.length) {
      fail(line, null, `The row has ${cells.length} cells; the header has ${parsed.header.length}.`);
      continue;
    }
    const get = (field: string): string => {
      const column = mapping[field];
      return column === undefined ? '' : (cells[index.get(column) as number] ?? '').trim();
    };
    const before = result.errors.length;
    const currencyOf = (): string | undefined => {
      const c = (get('currency') || options.currency || '').toUpperCase();
      if (!/^[A-Z]{3}$/.test(c)) {
        fail(line, 'currency', c === '' ? 'No currency: add a currency column or choose one for the file.' : `"${c}" is not an ISO 4217 currency code.`);
        return undefined;
      }
      return c;
    };
    const money = (field: string, toValue: (decimal: string) => number): number | undefined => {
      const n = parseNumber(get(field), separator);
      if (n === undefined || n.startsWith('-')) {
        fail(line, field, `"${get(field)}" is not an amount (use ${separator} for decimals).`);
        return undefined;
      }
      return toValue(n);
    };
    const count = (field: string): number | undefined => {
      const raw = get(field);
      if (raw === '') return 0;
      const n = parseNumber(raw, separator);
      if (n === undefined || n.startsWith('-') || !/^\d+$/.test(n)) {
        fail(line, field, `"${raw}" is not a whole number.`);
        return undefined;
      }
      return Number(n);
    };

    if (options.kind === 'spend') {
      const date = parseDate(get('date'), dateFormat);
      if (date === undefined) fail(line, 'date', `"${get('date')}" is not a date in the form ${dateFormat}.`);
      const campaignName = get('campaign');
      if (campaignName === '' || campaignName.length > 300) fail(line, 'campaign', 'The campaign is empty or longer than 300 characters.');
      const campaignId = get('campaignId') || campaignName;
      const account = get('account') || 'csv';
      const currency = currencyOf();
      const spendMicros = money('spend', (d) => decimalToMicros(d, 'spend'));
      const impressions = count('impressions');
      const clicks = count('clicks');
      const conversionsRaw = get('conversions');
      const conversions = conversionsRaw === '' ? 0 : Number(parseNumber(conversionsRaw, separator));
      if (!Number.isFinite(conversions) || conversions < 0) fail(line, 'conversions', `"${conversionsRaw}" is not a number.`);
      const known = result.accounts.get(account);
      if (currency !== undefined && known !== undefined && known !== currency) fail(line, 'currency', `Account "${account}" appears with two currencies (${known} and ${currency}).`);
      const key = `${account}\u0000${campaignId}\u0000${date ?? ''}`;
      if (seen.has(key)) fail(line, null, `Duplicate of line ${seen.get(key)}: the same account, campaign and date.`);
      if (result.errors.length > before) continue;
      seen.set(key, line);
      result.accounts.set(account, currency as string);
      result.campaigns.set(`${account}\u0000${campaignId}`, { account, name: campaignName });
      result.spend.push({
        accountExternalId: account,
        campaignExternalId: campaignId,
        date: date as string,
        spendMicros: spendMicros as number,
        impressions: impressions as number,
        clicks: clicks as number,
        platformConversions: conversions,
      });
    } else {
      const id = get('dealId');
      if (id === '' || id.length > 200) fail(line, 'dealId', 'The deal id is empty or longer than 200 characters.');
      const statusRaw = get('status').toLowerCase();
      const status: DealRecord['status'] = WON.has(statusRaw) ? 'won' : LOST.has(statusRaw) ? 'lost' : 'open';
      const currency = currencyOf();
      const amountMinor = currency === undefined ? undefined : money('amount', (d) => decimalToMinor(d, 'amount', minorDigits(currency)));
      const created = parseDate(get('createdAt'), dateFormat);
      if (created === undefined) fail(line, 'createdAt', `"${get('createdAt')}" is not a date in the form ${dateFormat}.`);
      const closedRaw = get('closedAt');
      const closed = closedRaw === '' ? null : parseDate(closedRaw, dateFormat);
      if (closed === undefined) fail(line, 'closedAt', `"${closedRaw}" is not a date in the form ${dateFormat}.`);
      if (seen.has(id)) fail(line, 'dealId', `Deal "${id}" is also on line ${seen.get(id)}.`);
      if (result.errors.length > before) continue;
      seen.set(id, line);
      const tag = (field: string) => get(field) || null;
      const utm: Utm = { source: tag('utmSource'), medium: tag('utmMedium'), campaign: tag('utmCampaign'), content: tag('utmContent'), term: tag('utmTerm') };
      const clickIds: ClickIds = { gclid: tag('gclid'), fbclid: tag('fbclid'), yclid: tag('yclid') };
      result.deals.push({
        externalId: id,
        leadExternalId: null,
        contactExternalId: tag('contactId'),
        status,
        amountMinor: amountMinor as number,
        currency: currency as string,
        createdAt: `${created as string}T00:00:00.000Z`,
        closedAt: closed === null ? null : `${closed as string}T00:00:00.000Z`,
        utm,
        clickIds,
      });
    }
  }
  return result;
}

/** The records of a file that validated, as the batches the sync engine upserts (accounts first). */
export function csvBatches(result: CsvParseResult, options: CsvOptions): SyncBatch[] {
  if (result.errors.length > 0) throw new Error('csvBatches: the file has errors');
  if (options.kind === 'deals') return [{ stream: 'deals', records: result.deals, cursor: null, progress: 1 }];
  return [
    {
      stream: 'ad_accounts',
      records: [...result.accounts].map(([externalId, currency]) => ({ externalId, name: externalId === 'csv' ? 'CSV import' : externalId, currency, timezone: null, ...(options.channel === undefined ? {} : { channel: options.channel }) })),
      cursor: null,
      progress: 0.1,
    },
    {
      stream: 'campaigns',
      records: [...result.campaigns].map(([key, c]) => ({ accountExternalId: c.account, externalId: key.split('\u0000')[1] as string, name: c.name, status: 'active' as const })),
      cursor: null,
      progress: 0.2,
    },
    { stream: 'ad_stats', records: result.spend, cursor: null, progress: 1 },
  ];
}
