// Keeps docs/analytics.md true: the fixture below is the worked example's. The test checks that
// the page's input tables say what the fixture says, runs the engine on the fixture, and compares
// every cell of the page's result tables (credits, by model, the report) with what it computes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTION_MODELS, attributeCredit, type AttributionModel } from './attribution.js';
import { isDirect } from './channels.js';
import { addSums, computeMetrics, emptySums, type MetricSums, type Metrics } from './metrics.js';
import { CREDIT_SCALE, formatMicros, parseDecimalToMicros, splitByCredit } from './money.js';

const DAY_MS = 86_400_000;
const noon = (day: string) => new Date(`${day}T12:00:00Z`);

const CHANNELS = ['google-ads', 'meta-ads', 'email', 'direct'] as const;
type Channel = (typeof CHANNELS)[number];

const INPUTS: Record<Channel, { spendMicros: bigint; impressions: bigint; clicks: bigint; leads: bigint }> = {
  'google-ads': { spendMicros: 500_000_000n, impressions: 10_000n, clicks: 400n, leads: 10n },
  'meta-ads': { spendMicros: 300_000_000n, impressions: 30_000n, clicks: 300n, leads: 6n },
  email: { spendMicros: 40_000_000n, impressions: 0n, clicks: 80n, leads: 4n },
  direct: { spendMicros: 0n, impressions: 0n, clicks: 0n, leads: 2n },
};

interface Deal {
  id: string;
  status: 'won' | 'lost';
  amountMicros: bigint;
  converted: string;
  touches: [Channel, string][];
}

const DEALS: Deal[] = [
  { id: 'D1', status: 'won', amountMicros: 600_000_000n, converted: '2026-01-15', touches: [['meta-ads', '2026-01-01'], ['google-ads', '2026-01-08'], ['direct', '2026-01-15']] },
  { id: 'D2', status: 'won', amountMicros: 300_000_000n, converted: '2026-01-17', touches: [['google-ads', '2026-01-10'], ['email', '2026-01-17']] },
  { id: 'D3', status: 'lost', amountMicros: 0n, converted: '2026-01-20', touches: [['email', '2026-01-20']] },
  {
    id: 'D4',
    status: 'won',
    amountMicros: 1_000_000_000n,
    converted: '2026-01-23',
    touches: [['google-ads', '2026-01-02'], ['meta-ads', '2026-01-09'], ['email', '2026-01-16'], ['google-ads', '2026-01-23']],
  },
];

// --- the page -------------------------------------------------------------------------------------

const page = readFileSync(new URL('../../docs/analytics.md', import.meta.url), 'utf8');

/** The markdown table after `<!-- worked-example:<name> -->`, as rows keyed by header. */
function docTable(name: string): Record<string, string>[] {
  const lines = page.split('\n');
  const start = lines.indexOf(`<!-- worked-example:${name} -->`);
  if (start === -1) throw new Error(`docs/analytics.md has no table marked ${name}`);
  const rows: string[][] = [];
  for (let i = start + 1; i < lines.length && (lines[i] as string).startsWith('|'); i += 1) {
    rows.push((lines[i] as string).split('|').slice(1, -1).map((cell) => cell.trim().replaceAll('`', '')));
  }
  const [header, separator, ...body] = rows;
  if (header === undefined || separator === undefined || !separator.every((cell) => /^-+$/.test(cell))) throw new Error(`table ${name} is malformed`);
  return body.map((cells) => {
    expect(cells, `a row of ${name}`).toHaveLength(header.length);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] as string]));
  });
}

/** A report cell: '—' is null; money stays a string; anything else is a number. */
function cellValue(cell: string, expected: string | number | null): string | number | null {
  if (cell === '—') return null;
  return typeof expected === 'string' ? cell : Number(cell);
}

// --- the engine on the fixture ---------------------------------------------------------------------

function creditsOf(model: AttributionModel, deal: Deal): bigint[] {
  return attributeCredit(
    model,
    deal.touches.map(([channel, day]) => ({ at: noon(day), direct: isDirect(channel) })),
    noon(deal.converted),
  );
}

/** Per-channel sums under one model; customers and LTV as the page says (each won deal a customer). */
function sumsByChannel(model: AttributionModel): Map<Channel, MetricSums> {
  const byChannel = new Map<Channel, MetricSums>(CHANNELS.map((c) => [c, { ...emptySums(), ...INPUTS[c] }]));
  for (const deal of DEALS) {
    const credits = creditsOf(model, deal);
    const won = deal.status === 'won';
    const revenue = splitByCredit(won ? deal.amountMicros : 0n, credits);
    deal.touches.forEach(([channel], i) => {
      const credit = credits[i] as bigint;
      const s = byChannel.get(channel) as MetricSums;
      s.dealCredits += credit;
      if (won) {
        s.wonCredits += credit;
        s.revenueMicros += revenue[i] as bigint;
        // Whole customers: the page reports LTV under last non-direct, where credit is all or nothing.
        if (model === 'last_non_direct' && credit === CREDIT_SCALE) {
          s.customers += 1n;
          s.ltvRevenueMicros += deal.amountMicros;
        }
      }
    });
  }
  return byChannel;
}

const total = (byChannel: Map<Channel, MetricSums>) => [...byChannel.values()].reduce(addSums, emptySums());

describe('the worked example in docs/analytics.md', () => {
  it('shows the fixture’s spend and leads', () => {
    const rows = docTable('inputs');
    expect(rows.map((r) => r['Channel'])).toEqual([...CHANNELS]);
    for (const row of rows) {
      const input = INPUTS[row['Channel'] as Channel];
      expect(parseDecimalToMicros(row['Spend'] as string)).toBe(input.spendMicros);
      expect(BigInt(row['Impressions'] as string)).toBe(input.impressions);
      expect(BigInt(row['Clicks'] as string)).toBe(input.clicks);
      expect(BigInt(row['Leads'] as string)).toBe(input.leads);
    }
  });

  it('shows the fixture’s deals and touches', () => {
    const rows = docTable('deals');
    expect(rows).toEqual(
      DEALS.map((d) => ({
        Deal: d.id,
        Status: d.status,
        Amount: formatMicros(d.amountMicros),
        Converted: d.converted,
        Touches: d.touches.map(([channel, day]) => `${channel} ${day}`).join(', '),
      })),
    );
  });

  it('prints the credit the engine gives each touch under every model', () => {
    const rows = docTable('credits');
    expect(rows).toHaveLength(DEALS.reduce((n, d) => n + d.touches.length, 0));
    for (const deal of DEALS) {
      const credits = new Map(ATTRIBUTION_MODELS.map((m) => [m, creditsOf(m, deal)]));
      deal.touches.forEach(([channel, day], i) => {
        const row = rows.find((r) => r['Deal'] === deal.id && r['Touch'] === String(i + 1));
        expect(row, `${deal.id} touch ${i + 1}`).toBeDefined();
        expect(row?.['Channel']).toBe(channel);
        expect(Number(row?.['Age (days)'])).toBe((noon(deal.converted).getTime() - noon(day).getTime()) / DAY_MS);
        for (const model of ATTRIBUTION_MODELS) {
          expect(parseDecimalToMicros(row?.[model] as string), `${deal.id} touch ${i + 1} ${model}`).toBe(credits.get(model)?.[i]);
        }
      });
    }
  });

  it('prints each model’s deals, won deals, revenue, ROMI and ROAS by channel, and totals that add up', () => {
    const rows = docTable('by-model');
    expect(rows).toHaveLength(ATTRIBUTION_MODELS.length * (CHANNELS.length + 1));
    for (const model of ATTRIBUTION_MODELS) {
      const byChannel = sumsByChannel(model);
      const all = total(byChannel);
      expect(all.dealCredits).toBe(4n * CREDIT_SCALE);
      expect(all.wonCredits).toBe(3n * CREDIT_SCALE);
      expect(all.revenueMicros).toBe(1_900_000_000n);
      for (const [channel, s] of [...byChannel.entries(), ['Total', all] as const]) {
        const row = rows.find((r) => r['Model'] === model && r['Channel'] === channel);
        const where = `${model} ${channel}`;
        expect(row, where).toBeDefined();
        expect(parseDecimalToMicros(row?.['Deals'] as string), where).toBe(s.dealCredits);
        expect(parseDecimalToMicros(row?.['Won'] as string), where).toBe(s.wonCredits);
        expect(parseDecimalToMicros(row?.['Revenue'] as string), where).toBe(s.revenueMicros);
        const m = computeMetrics(s);
        expect(cellValue(row?.['ROMI'] as string, m.romi), where).toBe(m.romi);
        expect(cellValue(row?.['ROAS'] as string, m.roas), where).toBe(m.roas);
      }
    }
  });

  it('prints the last non-direct report exactly as computeMetrics computes it', () => {
    const columns: Record<string, keyof Metrics> = {
      Spend: 'spend',
      Impressions: 'impressions',
      Clicks: 'clicks',
      CTR: 'ctr',
      CPC: 'cpc',
      Leads: 'leads',
      CPL: 'cpl',
      Deals: 'deals',
      Won: 'wonDeals',
      'Lead → deal': 'leadToDealRate',
      'Win rate': 'dealWinRate',
      Revenue: 'revenue',
      CAC: 'cac',
      ROMI: 'romi',
      ROAS: 'roas',
      LTV: 'ltv',
    };
    const rows = docTable('metrics');
    const byChannel = sumsByChannel('last_non_direct');
    const expected = [...byChannel.entries(), ['Total', total(byChannel)] as const];
    expect(rows.map((r) => r['Channel'])).toEqual(expected.map(([channel]) => channel));
    for (const [channel, s] of expected) {
      const row = rows.find((r) => r['Channel'] === channel) as Record<string, string>;
      expect(Object.keys(row)).toEqual(['Channel', ...Object.keys(columns)]);
      const metrics = computeMetrics(s);
      for (const [header, key] of Object.entries(columns)) {
        expect(cellValue(row[header] as string, metrics[key]), `${channel} ${header}`).toBe(metrics[key]);
      }
    }
  });
});
