// CSV import: RFC 4180 parsing, the suggested mapping, per-row errors that refuse the whole file,
// exact money, and the batches handed to the sync engine; the preview route writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { addMember, createPeople, createWorkspace } from '../../test/support/accounts.js';
import { queryAsOwnerWithoutRls } from '../../test/support/database.js';
import { findDueIntegrations } from '../sync/queries.js';
import { csvBatches, readCsv, suggestMapping } from './csv-import.js';
import { CsvSyntaxError, parseCsv } from './csv-parse.js';

describe('parsing', () => {
  it('reads quoted fields, doubled quotes, embedded separators and line breaks, CRLF and a BOM', () => {
    const parsed = parseCsv('\ufeffDate,Campaign,Spend\r\n2026-01-01,"Spring, ""EU""\nwave",12.50\r\n\r\n2026-01-02,Plain,3\n');
    expect(parsed.header).toEqual(['Date', 'Campaign', 'Spend']);
    expect(parsed.rows).toEqual([
      { line: 2, cells: ['2026-01-01', 'Spring, "EU"\nwave', '12.50'] },
      { line: 5, cells: ['2026-01-02', 'Plain', '3'] },
    ]);
  });

  it('guesses a semicolon or tab delimiter from the header', () => {
    expect(parseCsv('Дата;Кампания;Расход\n01.01.2026;Весна;1 234,50\n').delimiter).toBe(';');
    expect(parseCsv('a\tb\n1\t2\n').delimiter).toBe('\t');
  });

  it('refuses an unterminated quote instead of swallowing the rest of the file', () => {
    expect(() => parseCsv('a,b\n"open,2\n3,4\n')).toThrow(CsvSyntaxError);
  });
});

const SPEND = ['Date,Campaign,Spend,Impressions,Clicks,Currency', '2026-01-01,Spring,12.34,1000,31,EUR', '2026-01-02,Spring,0.5,20,1,EUR', '2026-01-02,Autumn,100,0,0,EUR'].join('\n');

describe('spend', () => {
  it('suggests the mapping from the header (English and Russian)', () => {
    expect(suggestMapping('spend', ['Date', 'Campaign', 'Spend', 'Clicks'])).toEqual({ date: 'Date', campaign: 'Campaign', spend: 'Spend', clicks: 'Clicks' });
    expect(suggestMapping('spend', ['Дата', 'Кампания', 'Расход'])).toEqual({ date: 'Дата', campaign: 'Кампания', spend: 'Расход' });
  });

  it('turns a valid file into ad account, campaign and daily stat batches with exact micros', () => {
    const result = readCsv(SPEND, { kind: 'spend', channel: 'tiktok-ads' });
    expect(result.errors).toEqual([]);
    const batches = csvBatches(result, { kind: 'spend', channel: 'tiktok-ads' });
    expect(batches.map((b) => b.stream)).toEqual(['ad_accounts', 'campaigns', 'ad_stats']);
    expect(batches[0]?.records).toEqual([{ externalId: 'csv', name: 'CSV import', currency: 'EUR', timezone: null, channel: 'tiktok-ads' }]);
    expect(batches[2]?.records[0]).toEqual({ accountExternalId: 'csv', campaignExternalId: 'Spring', date: '2026-01-01', spendMicros: 12_340_000, impressions: 1000, clicks: 31, platformConversions: 0 });
  });

  it('reads day-first dates and comma decimals when told', () => {
    const result = readCsv('Дата;Кампания;Расход\n31.01.2026;Весна;1 234,50\n', { kind: 'spend', channel: 'vk-ads', currency: 'RUB', dateFormat: 'DD.MM.YYYY', decimalSeparator: ',' });
    expect(result.errors).toEqual([]);
    expect(result.spend[0]).toMatchObject({ date: '2026-01-31', spendMicros: 1_234_500_000 });
  });

  it('reports every bad row with its line, field and reason, and yields nothing to write', () => {
    const bad = ['Date,Campaign,Spend,Currency', '2026-02-30,Spring,1,EUR', '2026-01-02,,2,EUR', '2026-01-03,Spring,-5,EUR', '2026-01-04,Spring,abc,EURO', '2026-01-05,Spring', '2026-01-06,Spring,1,EUR', '2026-01-06,Spring,2,EUR'].join('\n');
    const result = readCsv(bad, { kind: 'spend', channel: 'vk-ads' });
    expect(result.errors.map((e) => [e.line, e.field])).toEqual([
      [2, 'date'],
      [3, 'campaign'],
      [4, 'spend'],
      [5, 'currency'],
      [5, 'spend'],
      [6, null],
      [8, null],
    ]);
    expect(() => csvBatches(result, { kind: 'spend' })).toThrow();
  });

  it('refuses a mapping to a missing column, a missing required field, or no channel', () => {
    expect(readCsv(SPEND, { kind: 'spend', channel: 'vk-ads', mapping: { spend: 'Cost' } }).errors[0]).toMatchObject({ line: 1, field: 'spend', message: expect.stringMatching(/no column "Cost"/) });
    expect(readCsv('Day,Name\n2026-01-01,x\n', { kind: 'spend', channel: 'vk-ads' }).errors.map((e) => e.field)).toEqual(['campaign', 'spend']);
    expect(readCsv(SPEND, { kind: 'spend' }).errors[0]?.message).toMatch(/channel/);
  });
});

describe('deals', () => {
  it('reads status, amounts in the currency\'s minor units, dates and UTM tags', () => {
    const file = ['deal_id,status,amount,currency,created_at,closed_at,utm_source,utm_campaign,gclid', 'D-1,Won,1500.5,USD,2026-01-01,2026-01-09,google,spring,Cj0', 'D-2,in progress,120000,JPY,2026-01-02,,,,', 'D-3,Lost,10,EUR,2026-01-03,2026-01-04,,,'].join('\n');
    const result = readCsv(file, { kind: 'deals' });
    expect(result.errors).toEqual([]);
    expect(result.deals.map((d) => [d.externalId, d.status, d.amountMinor, d.currency, d.closedAt])).toEqual([
      ['D-1', 'won', 150_050, 'USD', '2026-01-09T00:00:00.000Z'],
      ['D-2', 'open', 120_000, 'JPY', null],
      ['D-3', 'lost', 1_000, 'EUR', '2026-01-04T00:00:00.000Z'],
    ]);
    expect(result.deals[0]).toMatchObject({ utm: { source: 'google', campaign: 'spring' }, clickIds: { gclid: 'Cj0' } });
  });

  it('refuses a duplicated deal id', () => {
    const result = readCsv('deal_id,status,amount,currency,created_at\nA,won,1,USD,2026-01-01\nA,won,2,USD,2026-01-01\n', { kind: 'deals' });
    expect(result.errors).toEqual([{ line: 3, field: 'dealId', message: 'Deal "A" is also on line 2.' }]);
  });
});

describe('the preview route', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows the mapping, the first rows and every error to an admin, writes nothing, and refuses analysts', async () => {
    const people = createPeople(t, 63);
    const owner = await people.signUp('csv-owner@example.test');
    const workspaceId = await createWorkspace(owner, 'CSV Co');
    const url = `/api/workspaces/${workspaceId}/imports/csv/preview`;
    const ok = await owner.client.post(url, { kind: 'spend', channel: 'vk-ads', content: SPEND });
    expect(ok.statusCode, ok.body).toBe(200);
    const preview = ok.json() as { mapping: Record<string, string>; rowCount: number; validRows: number; errors: unknown[]; sample: Array<{ spendMicros: number }> };
    expect(preview).toMatchObject({ rowCount: 3, validRows: 3, errors: [] });
    expect(preview.mapping).toMatchObject({ date: 'Date', campaign: 'Campaign', spend: 'Spend' });
    expect(preview.sample[0]?.spendMicros).toBe(12_340_000);
    const bad = (await owner.client.post(url, { kind: 'spend', channel: 'vk-ads', content: 'Date,Campaign,Spend,Currency\nnope,x,1,EUR\n' })).json() as { errors: Array<{ line: number }> };
    expect(bad.errors[0]?.line).toBe(2);
    const strict = await owner.client.post(url, { kind: 'spend', content: SPEND, extra: true });
    expect(strict.statusCode).toBe(400);
    const analyst = await people.signUp('csv-analyst@example.test');
    await addMember(t, owner, workspaceId, analyst, 'analyst');
    expect((await analyst.client.post(url, { kind: 'spend', content: SPEND })).statusCode).toBe(403);
    const rows = await queryAsOwnerWithoutRls<{ n: number }>(t.database.owner, ['integrations'], 'SELECT count(*)::int AS n FROM integrations WHERE workspace_id = $1', [workspaceId]);
    expect(rows[0]?.n).toBe(0);
  });

  it('imports every row through the sync upserts, updates on re-import, and writes nothing from a bad file', async () => {
    const people = createPeople(t, 64);
    const owner = await people.signUp('csv-import@example.test');
    const workspaceId = await createWorkspace(owner, 'CSV Import Co');
    const url = `/api/workspaces/${workspaceId}/imports/csv`;
    const stats = async () =>
      queryAsOwnerWithoutRls<{ date: string; spend: string }>(
        t.database.owner,
        ['daily_ad_stats'],
        `SELECT to_char(date, 'YYYY-MM-DD') AS date, spend_micros::text AS spend FROM daily_ad_stats WHERE workspace_id = $1 ORDER BY date, spend_micros`,
        [workspaceId],
      );
    const first = await owner.client.post(url, { kind: 'spend', channel: 'vk-ads', source: 'agency sheet', content: SPEND });
    expect(first.statusCode, first.body).toBe(201);
    const { integrationId, rows } = first.json() as { integrationId: string; rows: number };
    expect(rows, 'the file\'s rows, not every table written').toBe(3);
    // A file has nothing to pull: no schedule, and "sync now" says why.
    const syncNow = await owner.client.post(`/api/workspaces/${workspaceId}/integrations/${integrationId}/sync`);
    expect(syncNow.statusCode).toBe(409);
    expect(syncNow.json()).toMatchObject({ error: { code: 'integration.not_syncable' } });
    const status = (await owner.client.get(`/api/workspaces/${workspaceId}/integrations/sync-status`)).json() as { integrations: Array<{ id: string; nextRunAt: string | null }> };
    expect(status.integrations.find((i) => i.id === integrationId)?.nextRunAt).toBeNull();
    const due = await t.database.db.unsafeAsSystem('test: due integrations', (tx) => findDueIntegrations(tx, 100));
    expect(due.map((d) => d.integrationId)).not.toContain(integrationId);
    expect(await stats()).toEqual([
      { date: '2026-01-01', spend: '12340000' },
      { date: '2026-01-02', spend: '500000' },
      { date: '2026-01-02', spend: '100000000' },
    ]);

    // The same source again, one day revised: updated in place, no duplicate rows.
    const revised = SPEND.replace('2026-01-01,Spring,12.34', '2026-01-01,Spring,20.00');
    const again = await owner.client.post(url, { kind: 'spend', channel: 'vk-ads', source: 'agency sheet', content: revised });
    expect(again.statusCode, again.body).toBe(201);
    expect((again.json() as { integrationId: string }).integrationId).toBe(integrationId);
    expect((await stats()).map((r) => r.spend)).toEqual(['20000000', '500000', '100000000']);

    // One bad row: 400 naming it, and what was stored is untouched.
    const broken = `${revised}\n2026-01-03,Spring,not-money,1,1,EUR`;
    const refused = await owner.client.post(url, { kind: 'spend', channel: 'vk-ads', source: 'agency sheet', content: broken });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: { code: 'integration.csv_invalid' } });
    expect((await stats()).map((r) => r.spend)).toEqual(['20000000', '500000', '100000000']);
    const audit = await queryAsOwnerWithoutRls<{ n: number }>(
      t.database.owner,
      ['audit_log'],
      `SELECT count(*)::int AS n FROM audit_log WHERE workspace_id = $1 AND action = 'integration.csv.imported'`,
      [workspaceId],
    );
    expect(audit[0]?.n).toBe(2);
  });
});
