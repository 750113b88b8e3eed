// The checks behind the analytics settings forms, kept apart from React so they can be tested alone:
// channel rules as the editor holds them and as the server takes them, the server's complaints
// placed on the rule they are about, and currency rates typed in or pasted as CSV. The checks mirror
// the server's (src/analytics/channels.ts, routes.ts), which stays the judge.
import { ApiError } from '../api/client.js';
import {
  CONDITION_OPS,
  HALF_LIFE_RANGE,
  LTV_WINDOW_RANGE,
  MAX_CONDITION_LENGTH,
  MAX_RATES_PER_SAVE,
  RULE_FIELDS,
  type ChannelRule,
  type ConditionOp,
  type CurrencyRate,
  type RuleField,
} from '../api/analytics-settings.js';
import { t } from '../i18n/index.js';

export const CHANNEL_KEY = /^[a-z0-9][a-z0-9-]{0,39}$/;
const CURRENCY_CODE = /^[A-Z]{3}$/;
const RATE = /^\d{1,14}(\.\d{1,10})?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

// --- channel rules -----------------------------------------------------------------------------------

/** A rule in the editor: every condition has a box; an empty value means "not tested". */
export interface EditableRule {
  /** Stable across reordering, for React keys and focus. */
  id: string;
  channel: string;
  conditions: Record<RuleField, { op: ConditionOp; value: string }>;
}

let nextRuleId = 0;

export function newEditableRule(rule?: ChannelRule): EditableRule {
  nextRuleId += 1;
  const condition = (field: RuleField) => ({ op: rule?.[field]?.op ?? 'equals', value: rule?.[field]?.value ?? '' });
  return { id: `rule-${nextRuleId}`, channel: rule?.channel ?? '', conditions: { source: condition('source'), medium: condition('medium'), campaign: condition('campaign') } };
}

/** The rule as the server takes it: trimmed, with only the conditions that have a value. */
export function toChannelRule(rule: EditableRule): ChannelRule {
  const result: ChannelRule = { channel: rule.channel.trim() };
  for (const field of RULE_FIELDS) {
    const { op, value } = rule.conditions[field];
    if (value.trim() !== '') result[field] = { op, value: value.trim() };
  }
  return result;
}

export const isConditionOp = (value: string): value is ConditionOp => (CONDITION_OPS as readonly string[]).includes(value);

/** One rule's problems: the channel key, a condition's value, or the rule as a whole. */
export type RuleProblems = Partial<Record<'channel' | 'rule' | RuleField, string>>;

export const hasProblems = (problems: readonly RuleProblems[]) => problems.some((p) => Object.keys(p).length > 0);

/** The editor's problems, one entry per rule (empty when the rule is fine). */
export function checkRules(rules: readonly EditableRule[]): RuleProblems[] {
  return rules.map((rule) => {
    const problems: RuleProblems = {};
    const channel = rule.channel.trim();
    if (channel === '') problems.channel = t('analyticsSettings.rules.channelRequired');
    else if (!CHANNEL_KEY.test(channel)) problems.channel = t('analyticsSettings.rules.channelInvalid');
    let conditions = 0;
    for (const field of RULE_FIELDS) {
      const value = rule.conditions[field].value.trim();
      if (value === '') continue;
      conditions += 1;
      if (value.length > MAX_CONDITION_LENGTH) problems[field] = t('analyticsSettings.rules.valueTooLong', { max: MAX_CONDITION_LENGTH });
    }
    if (conditions === 0) problems.rule = t('analyticsSettings.rules.conditionRequired');
    return problems;
  });
}

const RULE_LOCATION = /^body\/channelRules\/(\d+)(?:\/(channel|source|medium|campaign)(?:\/.*)?)?$/;

/**
 * The server's 400 details (`body/channelRules/<i>/<field>...`) placed on the rules they name;
 * whatever names no rule stays in `other`.
 */
export function ruleProblemsFromServer(error: unknown, ruleCount: number): { rules: RuleProblems[]; other: string[] } {
  const rules: RuleProblems[] = Array.from({ length: ruleCount }, () => ({}));
  const other: string[] = [];
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return { rules, other };
  for (const entry of error.details as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { location, message } = entry as { location?: unknown; message?: unknown };
    if (typeof location !== 'string' || typeof message !== 'string') continue;
    const match = RULE_LOCATION.exec(location);
    const index = match === null ? -1 : Number(match[1]);
    const target = rules[index];
    if (match === null || target === undefined) {
      other.push(message);
      continue;
    }
    const field = (match[2] ?? 'rule') as keyof RuleProblems;
    target[field] ??= message;
  }
  return { rules, other };
}

// --- attribution -------------------------------------------------------------------------------------

/** A whole number of days within `range`, else the message to show. */
export function checkDays(value: string, range: { min: number; max: number }): { days: number } | { problem: string } {
  const trimmed = value.trim();
  const days = /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isInteger(days) || days < range.min || days > range.max) return { problem: t('analyticsSettings.attribution.daysRange', { min: range.min, max: range.max }) };
  return { days };
}

export const checkHalfLife = (value: string) => checkDays(value, HALF_LIFE_RANGE);
export const checkLtvWindow = (value: string) => checkDays(value, LTV_WINDOW_RANGE);

// --- currency rates ----------------------------------------------------------------------------------

/** A real calendar day as YYYY-MM-DD (2026-02-30 is not one). */
export function isCalendarDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** A stored rate as people write it: "0.9200000000" (the column's scale) reads "0.92", exactly. */
export function plainDecimal(value: string): string {
  if (!/^\d+\.\d+$/.test(value)) return value;
  return value.replace(/0+$/, '').replace(/\.$/, '');
}

export type RateProblems = Partial<Record<keyof CurrencyRate, string>>;

/**
 * One rate as typed: the currency code is upper-cased and a decimal comma accepted, then each part
 * is checked as the server would. `quote` is the reporting currency (a rate into itself is refused).
 */
export function checkRate(input: CurrencyRate, quote: string): { rate: CurrencyRate; problems: RateProblems } {
  const rate: CurrencyRate = { date: input.date.trim(), base: input.base.trim().toUpperCase(), rate: input.rate.trim().replace(',', '.') };
  const problems: RateProblems = {};
  if (!isCalendarDay(rate.date)) problems.date = t('analyticsSettings.rates.dateInvalid');
  if (!CURRENCY_CODE.test(rate.base)) problems.base = t('analyticsSettings.rates.baseInvalid');
  else if (rate.base === quote) problems.base = t('analyticsSettings.rates.baseIsQuote', { quote });
  if (!RATE.test(rate.rate)) problems.rate = t('analyticsSettings.rates.rateInvalid');
  else if (!/[1-9]/.test(rate.rate)) problems.rate = t('analyticsSettings.rates.rateZero');
  return { rate, problems };
}

export interface CsvLineProblem {
  /** 1-based line number in the pasted text. */
  line: number;
  message: string;
}

const HEADER = /^\s*"?date"?\s*[,;\t]\s*"?base/i;

function cellsOf(line: string, delimiter: string): string[] {
  return line.split(delimiter).map((cell) => cell.trim().replace(/^"(.*)"$/, '$1').trim());
}

/**
 * Pasted rates, one `date,base,rate` per line (`;` or tab also separate; a header line and blank
 * lines are skipped). Returns every line's problems; `rates` is only meant to be sent when there are none.
 */
export function parseRatesCsv(text: string, quote: string): { rates: CurrencyRate[]; problems: CsvLineProblem[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const delimiter = lines.some((line) => line.includes('\t')) ? '\t' : lines.some((line) => line.includes(';')) ? ';' : ',';
  const rates: CurrencyRate[] = [];
  const problems: CsvLineProblem[] = [];
  // The server stores one rate per date and currency; a paste naming one twice is a mistake.
  const seen = new Map<string, number>();
  let headerChecked = false;
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (!headerChecked) {
      headerChecked = true;
      if (HEADER.test(raw)) return;
    }
    const cells = cellsOf(raw, delimiter);
    if (cells.length !== 3) {
      problems.push({ line, message: t('analyticsSettings.csv.columns', { found: cells.length }) });
      return;
    }
    const [date = '', base = '', value = ''] = cells;
    // With ',' separating the cells a decimal comma cannot occur; elsewhere checkRate accepts it.
    const { rate, problems: found } = checkRate({ date, base, rate: value }, quote);
    const messages = [found.date, found.base, found.rate].filter((m): m is string => m !== undefined);
    const key = `${rate.date} ${rate.base}`;
    const earlier = seen.get(key);
    if (messages.length === 0 && earlier !== undefined) messages.push(t('analyticsSettings.csv.duplicate', { line: earlier }));
    if (messages.length > 0) {
      problems.push({ line, message: messages.join(' ') });
      return;
    }
    seen.set(key, line);
    rates.push(rate);
  });
  if (problems.length === 0 && rates.length === 0) problems.push({ line: 1, message: t('analyticsSettings.csv.empty') });
  if (rates.length > MAX_RATES_PER_SAVE) problems.push({ line: lines.length, message: t('analyticsSettings.csv.tooMany', { max: MAX_RATES_PER_SAVE }) });
  return { rates, problems };
}
