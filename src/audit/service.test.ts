// The audit service as other modules use it: what an entry stores (device, scrubbed details,
// normalised address), commit-with-the-action semantics, listing, and safe, audited exports.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { csvCell } from '../http/csv.js';
import { auditActionSchema, auditSystemAccess, createAuditService, verifyAuditChains, type AuditService } from './index.js';

const CHROME_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const SAFARI_ON_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

let t: TestDatabase;
let audit: AuditService;
const user = { actor: { kind: 'user' as const, id: 'user-7' } };

beforeAll(async () => {
  t = await createTestDatabase();
  audit = createAuditService({ db: t.db });
});

afterAll(async () => {
  await t?.close();
});

async function onlyEntry(workspaceId: string) {
  const page = await audit.list(workspaceId);
  expect(page.entries).toHaveLength(1);
  return page.entries[0]!;
}

describe(`audit service (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('stores the parsed device of a real Chrome user agent, the address and the request id', async () => {
    const ws = randomUUID();
    const before = Date.now();
    await audit.record(
      { action: 'auth.login.succeeded', workspaceId: ws },
      { ...user, ip: '2001:DB8:0:0::1', userAgent: CHROME_ON_WINDOWS, requestId: 'req-42' },
    );
    const entry = await onlyEntry(ws);
    // The database's clock, to the millisecond (the test runs on the same machine).
    expect(Math.abs(entry.occurredAt.getTime() - before)).toBeLessThan(5_000);
    expect(entry).toMatchObject({
      device: { browser: 'Chrome', browserVersion: '126', os: 'Windows', osVersion: '10', type: 'desktop' },
      userAgent: CHROME_ON_WINDOWS,
      ip: '2001:db8::1',
      requestId: 'req-42',
    });
    await audit.record({ action: 'auth.logout', workspaceId: ws }, { ...user, userAgent: SAFARI_ON_IPHONE });
    const [latest] = (await audit.list(ws)).entries;
    expect(latest?.device).toMatchObject({ browser: 'Mobile Safari', os: 'iOS', type: 'mobile' });
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toMatchObject({ ok: true, entries: 2 });
  });

  it('stores text as hashed so odd input cannot fake a broken chain: upper-case ids, lone surrogates, NUL', async () => {
    const ws = randomUUID();
    await audit.record(
      { action: 'workspace.member.added', workspaceId: ws.toUpperCase(), target: { type: 'user', id: 'a\uD800b' }, details: { name: 'x\uDC00\u0000y' } },
      { ...user, userAgent: 'agent\u0000\uD83D', requestId: 'r\uDBFF' },
    );
    expect(await onlyEntry(ws)).toMatchObject({ workspaceId: ws, targetId: 'a\uFFFDb', details: { name: 'x\uFFFDy' }, userAgent: 'agent\uFFFD' });
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toMatchObject({ ok: true, entries: 1 });
  });

  it('drops an address that is not an IP instead of failing the action', async () => {
    const ws = randomUUID();
    await audit.record({ action: 'auth.login.failed', workspaceId: ws, result: 'failure' }, { ...user, ip: "1.2.3.4'; DROP TABLE audit_log; --" });
    expect((await onlyEntry(ws)).ip).toBeNull();
  });

  it('scrubs secret-looking keys from details at any depth before storing them', async () => {
    const ws = randomUUID();
    await audit.record(
      {
        action: 'integration.connected',
        workspaceId: ws,
        details: {
          provider: 'google-ads',
          password: 'hunter2',
          refreshToken: '1//0gAbc',
          oauth: { client_secret: 's3cr3t', code: '4/0Adeu', scopes: ['ads'] },
          accounts: [{ id: 'acc-1', api_key: 'AIza-xyz' }],
          totp_code: '123456',
        },
      },
      user,
    );
    const entry = await onlyEntry(ws);
    expect(entry.details).toEqual({
      provider: 'google-ads',
      password: '[REDACTED]',
      refreshToken: '[REDACTED]',
      oauth: { client_secret: '[REDACTED]', code: '[REDACTED]', scopes: ['ads'] },
      accounts: [{ id: 'acc-1', api_key: '[REDACTED]' }],
      totp_code: '[REDACTED]',
    });
    const raw = await t.owner.query<{ details: unknown }>(`SELECT details::text AS details FROM audit_log WHERE workspace_id = $1`, [ws]);
    expect(JSON.stringify(raw)).not.toMatch(/hunter2|1\/\/0gAbc|s3cr3t|4\/0Adeu|AIza|123456/);
  });

  it('commits an entry recorded in the caller’s transaction with it, and rolls it back with it', async () => {
    const ws = randomUUID();
    await t.db.withWorkspace(ws, (tx) => audit.record({ action: 'workspace.member.removed', workspaceId: ws }, user, tx));
    await expect(
      t.db.withWorkspace(ws, async (tx) => {
        await audit.record({ action: 'workspace.member.role_changed', workspaceId: ws }, user, tx);
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');
    const page = await audit.list(ws);
    expect(page.entries.map((e) => e.action)).toEqual(['workspace.member.removed']);
    // The head rolled back too: the next entry continues the chain at seq 2.
    await audit.record({ action: 'auth.logout', workspaceId: ws }, user);
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toEqual({ ok: true, entries: 2, chains: 1 });
  });

  it('rejects an action outside the catalogue', async () => {
    await expect(audit.record({ action: 'auth.everything' as never, workspaceId: randomUUID() }, user)).rejects.toThrow();
    expect(auditActionSchema.safeParse('audit.exported').success).toBe(true);
  });

  it('records platform events on the platform chain, visible to platform listing only', async () => {
    await audit.record({ action: 'admin.accessed', details: { reason: 'support ticket 12' } }, { actor: { kind: 'system' } });
    const platform = await audit.list(null);
    expect(platform.entries.map((e) => [e.workspaceId, e.action])).toContainEqual([null, 'admin.accessed']);
    const asTenant = await t.db.withWorkspace(randomUUID(), (tx) => tx.selectFrom('audit_log').select('id').where('workspace_id', 'is', null).execute());
    expect(asTenant).toEqual([]);
  });

  it('does not audit its own system access when wired as onSystemAccess, but audits others', async () => {
    const recorded: string[] = [];
    const listener = auditSystemAccess({ record: async (e) => (recorded.push(e.action), { id: 1, seq: 1, hash: '' }) }, () => undefined);
    listener('audit: append to the platform chain');
    listener('keys: rotate KEK');
    expect(recorded).toEqual(['admin.accessed']);
  });

  it('pages through a chain newest first with a keyset cursor and filters', async () => {
    const ws = randomUUID();
    for (let i = 0; i < 7; i += 1) {
      await audit.record({ action: i % 2 === 0 ? 'auth.login.succeeded' : 'auth.login.failed', workspaceId: ws, result: i % 2 === 0 ? 'success' : 'failure' }, user);
    }
    const seqs: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await audit.list(ws, { limit: 3, cursor });
      seqs.push(...page.entries.map((e) => e.seq));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seqs).toEqual([7, 6, 5, 4, 3, 2, 1]);
    const failed = await audit.list(ws, { action: 'auth.login.failed', result: 'failure' });
    expect(failed.entries.map((e) => e.seq)).toEqual([6, 4, 2]);
    expect((await audit.list(ws, { actorId: 'someone-else' })).entries).toEqual([]);
    await expect(audit.list(ws, { limit: 201 })).rejects.toThrow();
    await expect(audit.list(ws, { cursor: '1 OR 1=1' })).rejects.toThrow();
  });
});

describe('audit exports', () => {
  it('neutralises spreadsheet formulas in CSV cells and quotes separators', () => {
    expect(csvCell('=HYPERLINK("http://evil.test","x")')).toBe(`"'=HYPERLINK(""http://evil.test"",""x"")"`);
    expect(['+1', '-2+3', '@SUM(A1)', '\tx', '\rx'].map(csvCell)).toEqual(["'+1", "'-2+3", "'@SUM(A1)", "'\tx", `"'\rx"`]);
    expect(csvCell('plain, with comma')).toBe('"plain, with comma"');
    expect(csvCell(null)).toBe('');
  });

  it('exports CSV with neutralised cells and records the export itself', async () => {
    const ws = randomUUID();
    await audit.record({ action: 'data.exported', workspaceId: ws, target: { type: 'report', id: '=cmd|"/c calc"!A1' } }, user);
    const csv = await audit.exportCsv(ws, {}, { ...user, requestId: 'req-export' });
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,workspace_id,seq,occurred_at,actor_kind,actor_id,action,target_type,target_id,result,ip,user_agent,device,request_id,details,prev_hash,hash');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=cmd|""/c calc""!A1"`);
    const [latest] = (await audit.list(ws)).entries;
    expect(latest).toMatchObject({ action: 'audit.exported', requestId: 'req-export', details: { format: 'csv', entries: 1 } });
  });

  it('exports JSONL, one parseable entry per line, and records the export', async () => {
    const ws = randomUUID();
    await audit.record({ action: 'auth.2fa.enabled', workspaceId: ws, details: { note: 'line\nbreak' } }, user);
    await audit.record({ action: 'auth.2fa.disabled', workspaceId: ws }, user);
    const jsonl = await audit.exportJsonl(ws, { action: 'auth.2fa.enabled' }, user);
    const parsed = jsonl.trimEnd().split('\n').map((l) => JSON.parse(l) as { action: string; details: unknown });
    expect(parsed.map((p) => p.action)).toEqual(['auth.2fa.enabled']);
    expect(parsed[0]?.details).toEqual({ note: 'line\nbreak' });
    expect((await audit.list(ws, { action: 'audit.exported' })).entries).toHaveLength(1);
    expect(await verifyAuditChains(t.db, { workspaceId: ws })).toMatchObject({ ok: true, entries: 3 });
  });
});
