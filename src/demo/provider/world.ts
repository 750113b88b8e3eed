// The demo world: what Northwind Outdoor's ad accounts and CRM would report for any day. Each
// value is a pure function of the seed and the day (random.ts), so a window of any size, read in
// any order or again after a crash, gives the same records. What depends on `now` is what does in
// real life: today is still filling up, the last three days' platform conversions are revised
// upwards as late ones arrive, deals close, lead statuses move on.
import type { AdChannel, ClickIds, ContactRecord, DailyAdStatRecord, DealRecord, LeadRecord, Utm } from '../../integrations/index.js';
import { CHANNEL_TAGS, DEMO_CAMPAIGNS, type DemoCampaign, type DemoSeason } from './catalogue.js';
import { seededDraw, type Draw } from './random.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Leads a day beyond the campaigns' (SEO, e-mail, direct). */
const ORGANIC_LEADS_PER_DAY = 4;
/** Share of leads from people who came before (repeat customers: LTV). */
const RETURNING_SHARE = 0.22;
/**
 * Leads per click, on top of each campaign's own rate: keeps the demo at about 60 leads a day,
 * a year of which the embedded database takes in within seconds at start-up.
 */
const LEAD_SCALE = 0.45;
/** A deal is created up to this long after its lead, and closes up to this long after that. */
const DEAL_CREATION_MAX_DAYS = 5;
const DEAL_CLOSE_MAX_DAYS = 30;
/** Leads whose deal may still change are this many days older than a window at most. */
export const CRM_LOOKBEHIND_DAYS = DEAL_CREATION_MAX_DAYS + DEAL_CLOSE_MAX_DAYS + 1;
const LEAD_SETTLES_DAYS = 3;
/** Share of platform conversions already reported, by a day's age: late conversions arrive later. */
const REPORTED_BY_AGE = [0.55, 0.8, 0.93];

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DIGITS = '0123456789';
const FIRST_NAMES = ['Alex', 'Maria', 'Jordan', 'Olga', 'Sam', 'Dmitry', 'Priya', 'Lena', 'Chris', 'Anna', 'Mateo', 'Irina', 'Noah', 'Sofia', 'Ivan', 'Emma'];
const LAST_NAMES = ['Smith', 'Ivanova', 'Garcia', 'Petrov', 'Chen', 'Kuznetsova', 'Brown', 'Novak', 'Müller', 'Sokolov', 'Rossi', 'Kim'];
const CONTENT = ['ad_a', 'ad_b', 'video_v2', 'carousel_3', 'static_1', 'ugc_tent', 'banner_728', 'text_ad_1'];

export const dayNumber = (day: string): number => Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
export const dayOf = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);
export const todayOf = (now: Date): string => now.toISOString().slice(0, 10);

function monthDay(day: string): number {
  return Number(day.slice(5, 7)) * 100 + Number(day.slice(8, 10));
}

export function inSeason(season: DemoSeason, day: string): boolean {
  const md = monthDay(day);
  switch (season) {
    case 'always':
      return true;
    case 'summer':
      return md >= 415 && md <= 915;
    case 'winter':
      return md >= 1101 || md <= 301;
    case 'spring':
      return md >= 301 && md <= 601;
    case 'black-friday':
      return md >= 1120 && md <= 1202;
  }
}

/** Search converts on weekdays; social scrolls at the weekend (Monday first). */
const WEEKDAY_SEARCH = [1.08, 1.1, 1.07, 1.03, 0.95, 0.84, 0.9];
const WEEKDAY_SOCIAL = [0.92, 0.94, 0.97, 1.0, 1.06, 1.13, 1.1];

interface DayDemand {
  spendUsd: number;
  clicks: number;
  impressions: number;
  /** All the day's conversions, once every late one has arrived. */
  conversions: number;
}

export interface DemoLead {
  /** Numeric, as CRMs number them. */
  externalId: string;
  seq: number;
  day: string;
  campaign: DemoCampaign | null;
  createdAt: Date;
  contactExternalId: string;
  newContact: boolean;
  pipeline: string;
  utm: Utm;
  clickIds: ClickIds;
}

export interface DemoWorld {
  readonly seed: string;
  readonly campaigns: readonly DemoCampaign[];
  /** A campaign's whole day (null when it did not run). */
  demand(campaign: DemoCampaign, day: string): DayDemand | null;
  /** What the platform reports for that day as seen at `now` (null: nothing to report yet, or it did not run). */
  adStat(campaign: DemoCampaign, day: string, now: Date): DailyAdStatRecord | null;
  campaignStatus(campaign: DemoCampaign, now: Date): 'active' | 'paused';
  /** Every lead created that day (also later in the day than `now`; callers filter). */
  leadsOfDay(day: string): DemoLead[];
  contactOf(lead: DemoLead): ContactRecord;
  /** The lead's CRM record as seen at `now`, with when it last changed. */
  leadAt(lead: DemoLead, now: Date): { record: LeadRecord; changedAt: Date };
  /** The lead's deal as seen at `now`, if it has one by then. */
  dealAt(lead: DemoLead, now: Date): { record: DealRecord; changedAt: Date } | null;
}

export function createDemoWorld(seed: string): DemoWorld {
  const draw: Draw = seededDraw(seed);
  const demandCache = new Map<string, DayDemand | null>();
  const leadsCache = new Map<string, DemoLead[]>();

  function demand(campaign: DemoCampaign, day: string): DayDemand | null {
    const cacheKey = `${campaign.externalId}|${day}`;
    const cached = demandCache.get(cacheKey);
    if (cached !== undefined) return cached;
    const result = computeDemand(campaign, day);
    if (demandCache.size > 50_000) demandCache.clear();
    demandCache.set(cacheKey, result);
    return result;
  }

  function computeDemand(campaign: DemoCampaign, day: string): DayDemand | null {
    if (!inSeason(campaign.season, day)) return null;
    const n = dayNumber(day);
    const key = `${campaign.externalId}|${day}`;
    const weekday = (new Date(n * DAY_MS).getUTCDay() + 6) % 7;
    const search = CHANNEL_TAGS[campaign.channel as keyof typeof CHANNEL_TAGS].search;
    const week = (search ? WEEKDAY_SEARCH : WEEKDAY_SOCIAL)[weekday] ?? 1;
    // Outdoor demand peaks in early summer; winter campaigns ride the opposite wave.
    const dayOfYear = (n - dayNumber(`${day.slice(0, 4)}-01-01`)) / 365.25;
    const wave = Math.sin(2 * Math.PI * (dayOfYear - 80 / 365.25));
    const annual = 1 + 0.3 * (campaign.season === 'winter' ? -wave : wave);
    // A slow drift per campaign (some grow, some fade over the year) and day-to-day noise.
    const phase = draw.unit(`${campaign.externalId}|phase`) * 2 * Math.PI;
    const trend = 1 + 0.2 * Math.sin((2 * Math.PI * n) / 540 + phase);
    const noise = Math.exp(0.13 * draw.normal(`${key}|spend`));
    const scale = 0.8 + 0.4 * draw.unit('budget-scale');
    const budget = campaign.dailyBudgetUsd * scale;
    const spendUsd = Math.min(budget * 1.3, budget * week * annual * trend * noise);
    const cpc = campaign.cpcUsd * Math.exp(0.08 * draw.normal(`${key}|cpc`));
    const clicks = Math.max(0, Math.round(spendUsd / cpc));
    const ctr = campaign.ctr * Math.exp(0.1 * draw.normal(`${key}|ctr`));
    const impressions = clicks === 0 ? Math.round(spendUsd * 40) : Math.round(clicks / ctr);
    // Platforms credit themselves generously: more conversions than the CRM will see as leads.
    const conversions = clicks * campaign.leadRate * LEAD_SCALE * 1.35 * Math.exp(0.2 * draw.normal(`${key}|conv`));
    return { spendUsd, clicks, impressions, conversions };
  }

  function adStat(campaign: DemoCampaign, day: string, now: Date): DailyAdStatRecord | null {
    const today = todayOf(now);
    if (day > today) return null;
    const full = demand(campaign, day);
    if (full === null) return null;
    // Today is still filling up; recent days' conversions are still arriving.
    const share = day === today ? (now.getTime() - Date.parse(`${day}T00:00:00Z`)) / DAY_MS : 1;
    const age = dayNumber(today) - dayNumber(day);
    const reported = (REPORTED_BY_AGE[age] ?? 1) * share;
    const conversions = full.conversions * reported;
    return {
      accountExternalId: campaign.accountExternalId,
      campaignExternalId: campaign.externalId,
      date: day,
      // Platforms bill in cents: micros are whole cents.
      spendMicros: Math.round(full.spendUsd * share * 100) * 10_000,
      impressions: Math.round(full.impressions * share),
      clicks: Math.round(full.clicks * share),
      // Google's data-driven attribution reports fractions; the others whole conversions.
      platformConversions: campaign.channel === 'google-ads' ? Math.round(conversions * 100) / 100 : Math.round(conversions),
    };
  }

  function campaignStatus(campaign: DemoCampaign, now: Date): 'active' | 'paused' {
    return inSeason(campaign.season, todayOf(now)) ? 'active' : 'paused';
  }

  /** How many leads a campaign brings that day (from its whole day's clicks). */
  function leadCount(campaign: DemoCampaign, day: string): number {
    const d = demand(campaign, day);
    return d === null ? 0 : draw.poisson(`${campaign.externalId}|${day}|leads`, d.clicks * campaign.leadRate * LEAD_SCALE);
  }

  const leadNumber = (day: string, seq: number) => dayNumber(day) * 1000 + seq;
  const contactIdOf = (leadNum: number) => String(700_000_000_000 + leadNum);

  /** The first lead of a day always brings a new contact: what a returning lead can point back to. */
  function firstLeadOf(day: string): number | null {
    for (const campaign of DEMO_CAMPAIGNS) if (leadCount(campaign, day) > 0) return leadNumber(day, 0);
    return draw.poisson(`organic|${day}`, ORGANIC_LEADS_PER_DAY) > 0 ? leadNumber(day, 0) : null;
  }

  function leadsOfDay(day: string): DemoLead[] {
    const cached = leadsCache.get(day);
    if (cached !== undefined) return cached;
    const leads: DemoLead[] = [];
    const sources: Array<{ campaign: DemoCampaign | null; count: number }> = DEMO_CAMPAIGNS.map((campaign) => ({ campaign, count: leadCount(campaign, day) }));
    sources.push({ campaign: null, count: draw.poisson(`organic|${day}`, ORGANIC_LEADS_PER_DAY) });
    for (const { campaign, count } of sources) {
      for (let i = 0; i < count && leads.length < 1000; i += 1) leads.push(makeLead(day, leads.length, campaign));
    }
    if (leadsCache.size > 2_000) leadsCache.clear();
    leadsCache.set(day, leads);
    return leads;
  }

  function makeLead(day: string, seq: number, campaign: DemoCampaign | null): DemoLead {
    const num = leadNumber(day, seq);
    const key = `lead|${num}`;
    // Searchers convert in office hours, scrollers in the evening: close enough with a skew.
    const hour = Math.min(23.99, 24 * Math.pow(draw.unit(`${key}|hour`), 0.8));
    const createdAt = new Date(Date.parse(`${day}T00:00:00Z`) + hour * HOUR_MS);
    let contactExternalId = contactIdOf(num);
    let newContact = true;
    if (seq > 0 && draw.unit(`${key}|returning`) < RETURNING_SHARE) {
      const earlier = firstLeadOf(dayOf(dayNumber(day) - draw.int(`${key}|back`, 7, 180)));
      if (earlier !== null) {
        contactExternalId = contactIdOf(earlier);
        newContact = false;
      }
    }
    return {
      externalId: String(num),
      seq,
      day,
      campaign,
      createdAt,
      contactExternalId,
      newContact,
      pipeline: draw.unit(`${key}|pipeline`) < 0.08 ? 'Wholesale' : 'Online store',
      utm: campaign === null ? organicUtm(key) : paidUtm(key, campaign),
      clickIds: campaign === null ? { gclid: null, fbclid: null, yclid: null } : clickIds(key, campaign.channel),
    };
  }

  function organicUtm(key: string): Utm {
    const kind = draw.unit(`${key}|organic`);
    if (kind < 0.5) return { source: null, medium: null, campaign: null, content: null, term: null };
    if (kind < 0.8) return { source: draw.pick(`${key}|seo`, ['google', 'yandex', 'bing']), medium: 'organic', campaign: null, content: null, term: null };
    return { source: draw.pick(`${key}|mail`, ['newsletter', 'Newsletter', 'mailchimp']), medium: 'email', campaign: draw.pick(`${key}|issue`, ['weekly_digest', 'spring_launch', 'gear_guide']), content: null, term: null };
  }

  /** How people really tag links: mostly right, sometimes in other case, padded, encoded or aliased. */
  function paidUtm(key: string, campaign: DemoCampaign): Utm {
    const tags = CHANNEL_TAGS[campaign.channel as keyof typeof CHANNEL_TAGS];
    const mess = draw.unit(`${key}|mess`);
    let tag: string | null = campaign.utmCampaign;
    if (mess < 0.06) tag = tag.toUpperCase();
    else if (mess < 0.12) tag = tag.replace(/(^|_)([a-z])/g, (_m, sep: string, ch: string) => `${sep}${ch.toUpperCase()}`);
    else if (mess < 0.16) tag = ` ${tag} `;
    else if (mess < 0.2) tag = encodeURIComponent(tag.replaceAll('_', ' '));
    else if (mess < 0.23) tag = tag.replaceAll('_', '-');
    // ValueTrack / Yandex substitutions: some links carry the platform's campaign id instead.
    else if (mess < 0.28 && campaign.channel !== 'meta-ads') tag = campaign.externalId;
    else if (mess < 0.31) tag = null;
    return {
      source: draw.pick(`${key}|source`, tags.source),
      medium: draw.pick(`${key}|medium`, tags.medium),
      campaign: tag,
      content: draw.unit(`${key}|has-content`) < 0.6 ? draw.pick(`${key}|content`, CONTENT) : null,
      term: tags.search && campaign.keywords.length > 0 && draw.unit(`${key}|has-term`) < 0.8 ? draw.pick(`${key}|term`, campaign.keywords) : null,
    };
  }

  function clickIds(key: string, channel: AdChannel): ClickIds {
    const present = draw.unit(`${key}|clickid`);
    return {
      gclid: channel === 'google-ads' && present < 0.8 ? `Cj0KCQ${draw.token(`${key}|gclid`, 80, BASE64URL)}` : null,
      fbclid: channel === 'meta-ads' && present < 0.7 ? `IwAR${draw.token(`${key}|fbclid`, 58, BASE64URL)}` : null,
      yclid: channel === 'yandex-direct' && present < 0.75 ? `${draw.int(`${key}|yclid-lead`, 1, 9)}${draw.token(`${key}|yclid`, 18, DIGITS)}` : null,
    };
  }

  function contactOf(lead: DemoLead): ContactRecord {
    const key = `contact|${lead.contactExternalId}`;
    const first = draw.pick(`${key}|first`, FIRST_NAMES);
    const last = draw.pick(`${key}|last`, LAST_NAMES);
    return {
      externalId: lead.contactExternalId,
      name: `${first} ${last}`,
      // Reserved example domains and the 555-01xx fictional range: never a real person.
      email: draw.unit(`${key}|has-email`) < 0.85 ? `${first}.${last}${draw.int(`${key}|n`, 1, 999)}@example.com`.toLowerCase() : null,
      phone: draw.unit(`${key}|has-phone`) < 0.7 ? `+1 555 01${draw.token(`${key}|phone`, 2, DIGITS)} ${draw.token(`${key}|phone2`, 4, DIGITS)}` : null,
      createdAt: lead.createdAt.toISOString(),
    };
  }

  interface DealPlan {
    createdAt: Date;
    outcome: 'won' | 'lost' | 'open';
    closesAt: Date;
    amountMinor: number;
    dropsTags: boolean;
  }

  function dealPlan(lead: DemoLead): DealPlan | null {
    const key = `deal|${lead.externalId}`;
    const rate = lead.campaign?.dealRate ?? 0.3;
    if (draw.unit(`${key}|exists`) >= rate) return null;
    const createdAt = new Date(lead.createdAt.getTime() + draw.unit(`${key}|created`) * DEAL_CREATION_MAX_DAYS * DAY_MS);
    const roll = draw.unit(`${key}|outcome`);
    const outcome = roll < 0.56 ? 'won' : roll < 0.87 ? 'lost' : 'open';
    const closesAt = new Date(createdAt.getTime() + (0.5 + draw.unit(`${key}|closes`) * (DEAL_CLOSE_MAX_DAYS - 0.5)) * DAY_MS);
    const order = (lead.campaign?.orderUsd ?? 180) * Math.exp(0.55 * draw.normal(`${key}|amount`));
    // Shop prices: whole dollars or .99, at least $19.
    const dollars = Math.max(19, Math.round(order));
    const amountMinor = draw.unit(`${key}|cents`) < 0.6 ? dollars * 100 - 1 : dollars * 100;
    return { createdAt, outcome, closesAt, amountMinor, dropsTags: draw.unit(`${key}|drops-tags`) < 0.07 };
  }

  function leadAt(lead: DemoLead, now: Date): { record: LeadRecord; changedAt: Date } {
    const plan = dealPlan(lead);
    let status = 'new';
    let changedAt = lead.createdAt;
    if (plan !== null && plan.createdAt <= now) {
      status = 'converted';
      changedAt = plan.createdAt;
    } else {
      const settles = new Date(lead.createdAt.getTime() + LEAD_SETTLES_DAYS * DAY_MS);
      if (settles <= now && (plan === null || plan.createdAt > settles)) {
        status = draw.unit(`lead|${lead.externalId}|verdict`) < 0.7 ? 'unqualified' : 'qualified';
        changedAt = settles;
      }
    }
    return {
      record: {
        externalId: lead.externalId,
        contactExternalId: lead.contactExternalId,
        createdAt: lead.createdAt.toISOString(),
        status,
        pipeline: lead.pipeline,
        utm: lead.utm,
        clickIds: lead.clickIds,
      },
      changedAt,
    };
  }

  function dealAt(lead: DemoLead, now: Date): { record: DealRecord; changedAt: Date } | null {
    const plan = dealPlan(lead);
    if (plan === null || plan.createdAt > now) return null;
    const closed = plan.outcome !== 'open' && plan.closesAt <= now;
    const none = { source: null, medium: null, campaign: null, content: null, term: null };
    return {
      record: {
        externalId: String(500_000_000_000 + Number(lead.externalId)),
        leadExternalId: lead.externalId,
        contactExternalId: lead.contactExternalId,
        status: closed ? (plan.outcome as 'won' | 'lost') : 'open',
        amountMinor: plan.amountMinor,
        currency: 'USD',
        createdAt: plan.createdAt.toISOString(),
        closedAt: closed ? plan.closesAt.toISOString() : null,
        utm: plan.dropsTags ? none : lead.utm,
        clickIds: plan.dropsTags ? { gclid: null, fbclid: null, yclid: null } : lead.clickIds,
      },
      changedAt: closed ? plan.closesAt : plan.createdAt,
    };
  }

  return { seed, campaigns: DEMO_CAMPAIGNS, demand, adStat, campaignStatus, leadsOfDay, contactOf, leadAt, dealAt };
}
