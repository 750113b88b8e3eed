// Checks every record a connector hands over before it reaches SQL, and turns it into the row it
// becomes. A connector is code that reads a foreign API: whatever it passes on is treated as
// untrusted input. Structural faults (a missing id, a negative amount, a date that is not a day)
// fail the run as `malformed`; free-text tags longer than their column are cut, not refused, since
// one odd lead must not stop a CRM's sync. Messages name the stream and field, never a value.
import { createHash } from 'node:crypto';
import type { AdChannel, CampaignRecord, DealRecord, StreamName } from '../integrations/index.js';
import { ProviderError } from '../integrations/index.js';
import { isIsoDate } from './window.js';

export const AD_CHANNELS: ReadonlySet<string> = new Set<AdChannel>(['meta-ads', 'google-ads', 'yandex-direct', 'vk-ads', 'tiktok-ads']);
const CURRENCY = /^[A-Z]{3}$/;
/** Above this a platform's count or amount is not a real value (and would lose precision). */
const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;
const MAX_CONVERSIONS = 1e13;

function malformed(stream: StreamName, field: string): ProviderError {
  return new ProviderError('malformed', `Could not read ${stream === 'ad_accounts' || stream === 'ad_stats' ? 'an' : 'a'} ${stream} record from the provider (${field}).`);
}

/** Postgres text cannot hold NUL; nothing legitimate sends one. */
function clean(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}

function requiredText(stream: StreamName, field: string, value: unknown, max: number): string {
  if (typeof value !== 'string') throw malformed(stream, field);
  const text = clean(value).trim();
  if (text.length === 0 || text.length > max) throw malformed(stream, field);
  return text;
}

/** Free text kept as sent (tags are normalised later, by analytics), cut to the column's size. */
function optionalText(stream: StreamName, field: string, value: unknown, max: number): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw malformed(stream, field);
  const text = clean(value);
  if (text.trim().length === 0) return null;
  return text.length > max ? text.slice(0, max) : text;
}

function count(stream: StreamName, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_AMOUNT) throw malformed(stream, field);
  return value;
}

function instant(stream: StreamName, field: string, value: unknown): Date {
  if (typeof value !== 'string' || value.length > 40) throw malformed(stream, field);
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw malformed(stream, field);
  return parsed;
}

function currency(stream: StreamName, value: unknown): string {
  if (typeof value !== 'string' || !CURRENCY.test(value)) throw malformed(stream, 'currency');
  return value;
}

function object(stream: StreamName, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(stream, 'record');
  return value as Record<string, unknown>;
}

/** SHA-256 of a contact detail, normalised so the same address always hashes the same. */
function detailHash(value: string | null, normalise: (s: string) => string): Buffer | null {
  if (value === null) return null;
  const normalised = normalise(value);
  return normalised.length === 0 ? null : createHash('sha256').update(normalised, 'utf8').digest();
}

export interface AdAccountRow {
  channel: AdChannel;
  external_id: string;
  name: string;
  currency: string;
  timezone: string | null;
}

/** `provider` is an ad platform itself, or the record must say which one it belongs to. */
export function adAccountRow(provider: string, input: unknown): AdAccountRow {
  const r = object('ad_accounts', input);
  const declared = r.channel;
  if (declared !== undefined && (typeof declared !== 'string' || !AD_CHANNELS.has(declared))) throw malformed('ad_accounts', 'channel');
  if (AD_CHANNELS.has(provider) && declared !== undefined && declared !== provider) throw malformed('ad_accounts', 'channel');
  const channel = (AD_CHANNELS.has(provider) ? provider : declared) as AdChannel | undefined;
  if (channel === undefined) throw malformed('ad_accounts', 'channel');
  return {
    channel,
    external_id: requiredText('ad_accounts', 'externalId', r.externalId, 128),
    name: optionalText('ad_accounts', 'name', r.name, 255)?.trim() || requiredText('ad_accounts', 'externalId', r.externalId, 128),
    currency: currency('ad_accounts', r.currency),
    timezone: optionalText('ad_accounts', 'timezone', r.timezone, 64),
  };
}

export interface CampaignInputRow {
  accountExternalId: string;
  external_id: string;
  name: string;
  status: CampaignRecord['status'];
}

const CAMPAIGN_STATUSES: ReadonlySet<string> = new Set(['active', 'paused', 'archived']);

export function campaignRow(input: unknown): CampaignInputRow {
  const r = object('campaigns', input);
  if (typeof r.status !== 'string' || !CAMPAIGN_STATUSES.has(r.status)) throw malformed('campaigns', 'status');
  const externalId = requiredText('campaigns', 'externalId', r.externalId, 128);
  return {
    accountExternalId: requiredText('campaigns', 'accountExternalId', r.accountExternalId, 128),
    external_id: externalId,
    name: optionalText('campaigns', 'name', r.name, 255)?.trim() || externalId,
    status: r.status as CampaignRecord['status'],
  };
}

export interface AdStatInputRow {
  accountExternalId: string;
  campaignExternalId: string;
  date: string;
  spend_micros: number;
  impressions: number;
  clicks: number;
  /** A decimal string for the numeric column (exact, never re-rounded through a float again). */
  platform_conversions: string;
}

export function adStatRow(input: unknown): AdStatInputRow {
  const r = object('ad_stats', input);
  if (typeof r.date !== 'string' || !isIsoDate(r.date)) throw malformed('ad_stats', 'date');
  const conversions = r.platformConversions;
  if (typeof conversions !== 'number' || !Number.isFinite(conversions) || conversions < 0 || conversions > MAX_CONVERSIONS) {
    throw malformed('ad_stats', 'platformConversions');
  }
  return {
    accountExternalId: requiredText('ad_stats', 'accountExternalId', r.accountExternalId, 128),
    campaignExternalId: requiredText('ad_stats', 'campaignExternalId', r.campaignExternalId, 128),
    date: r.date,
    spend_micros: count('ad_stats', 'spendMicros', r.spendMicros),
    impressions: count('ad_stats', 'impressions', r.impressions),
    clicks: count('ad_stats', 'clicks', r.clicks),
    // The column keeps 6 decimals; rounding here makes a re-sync compare equal.
    platform_conversions: Number(conversions.toFixed(6)).toString(),
  };
}

export interface ContactRow {
  external_id: string;
  email_sha256: Buffer | null;
  phone_sha256: Buffer | null;
  created_at: Date;
}

export function contactRow(input: unknown): ContactRow {
  const r = object('contacts', input);
  // SECURITY: data minimisation. The name, email and phone never reach the database; a hash of
  // the normalised email and phone is kept so a data-subject request can still find the rows.
  const email = optionalText('contacts', 'email', r.email, 320);
  const phone = optionalText('contacts', 'phone', r.phone, 64);
  return {
    external_id: requiredText('contacts', 'externalId', r.externalId, 128),
    email_sha256: detailHash(email, (s) => s.trim().toLowerCase()),
    phone_sha256: detailHash(phone, (s) => s.replace(/[^0-9]/g, '')),
    created_at: instant('contacts', 'createdAt', r.createdAt),
  };
}

interface TagColumns {
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_content: string | null;
  utm_term: string | null;
  gclid: string | null;
  fbclid: string | null;
  yclid: string | null;
}

function tagColumns(stream: StreamName, record: Record<string, unknown>): TagColumns {
  const utm = object(stream, record.utm ?? {});
  const clicks = object(stream, record.clickIds ?? {});
  return {
    utm_source: optionalText(stream, 'utm.source', utm.source, 1000),
    utm_medium: optionalText(stream, 'utm.medium', utm.medium, 1000),
    utm_campaign: optionalText(stream, 'utm.campaign', utm.campaign, 1000),
    utm_content: optionalText(stream, 'utm.content', utm.content, 1000),
    utm_term: optionalText(stream, 'utm.term', utm.term, 1000),
    gclid: optionalText(stream, 'clickIds.gclid', clicks.gclid, 500),
    fbclid: optionalText(stream, 'clickIds.fbclid', clicks.fbclid, 500),
    yclid: optionalText(stream, 'clickIds.yclid', clicks.yclid, 500),
  };
}

export interface LeadRow extends TagColumns {
  external_id: string;
  contact_external_id: string | null;
  status: string;
  pipeline: string | null;
  created_at: Date;
}

export function leadRow(input: unknown): LeadRow {
  const r = object('leads', input);
  const status = optionalText('leads', 'status', r.status, 100)?.trim();
  if (status === undefined || status === '') throw malformed('leads', 'status');
  return {
    external_id: requiredText('leads', 'externalId', r.externalId, 128),
    contact_external_id: r.contactExternalId == null ? null : requiredText('leads', 'contactExternalId', r.contactExternalId, 128),
    status,
    pipeline: optionalText('leads', 'pipeline', r.pipeline, 200),
    created_at: instant('leads', 'createdAt', r.createdAt),
    ...tagColumns('leads', r),
  };
}

export interface DealRow extends TagColumns {
  external_id: string;
  lead_external_id: string | null;
  contact_external_id: string | null;
  status: DealRecord['status'];
  amount_minor: number;
  currency: string;
  created_at: Date;
  closed_at: Date | null;
}

const DEAL_STATUSES: ReadonlySet<string> = new Set(['open', 'won', 'lost']);

export function dealRow(input: unknown): DealRow {
  const r = object('deals', input);
  if (typeof r.status !== 'string' || !DEAL_STATUSES.has(r.status)) throw malformed('deals', 'status');
  return {
    external_id: requiredText('deals', 'externalId', r.externalId, 128),
    lead_external_id: r.leadExternalId == null ? null : requiredText('deals', 'leadExternalId', r.leadExternalId, 128),
    contact_external_id: r.contactExternalId == null ? null : requiredText('deals', 'contactExternalId', r.contactExternalId, 128),
    status: r.status as DealRecord['status'],
    amount_minor: count('deals', 'amountMinor', r.amountMinor),
    currency: currency('deals', r.currency),
    created_at: instant('deals', 'createdAt', r.createdAt),
    closed_at: r.closedAt == null ? null : instant('deals', 'closedAt', r.closedAt),
    ...tagColumns('deals', r),
  };
}

/** Keeps the last record for each key: one INSERT ... ON CONFLICT may not touch a row twice. */
export function lastByKey<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    byKey.delete(k);
    byKey.set(k, row);
  }
  return [...byKey.values()];
}
