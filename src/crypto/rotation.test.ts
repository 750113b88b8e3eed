// Rotation under a fake clock, on PGlite or PostgreSQL: a new KEK every KEK_ROTATION_DAYS, DEKs
// re-wrapped in resumable batches (crashes included), old KEKs retired only when unreferenced,
// and DEK rotation with re-encryption of the values that name the old key.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, queryAsOwnerWithoutRls, type TestDatabase } from '../../test/support/database.js';
import { createIntegrationTokenStore } from './integration-tokens.js';
import { KEY_FILE_NAME, LocalKeyRing, createKeyRing, type KeyProvider } from './key-ring.js';
import { parseKeySpec } from './key-spec.js';
import { runKeysCommand } from './keys-command.js';
import { createVault, type Vault } from './vault.js';

const DAY = 86_400_000;
const day0 = new Date('2025-01-01T00:00:00Z');
const at = (days: number) => new Date(day0.getTime() + days * DAY);

let t: TestDatabase | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Workspaces, each with one integration whose tokens are sealed; returns what was stored. */
async function seedTokens(vault: Vault, count: number): Promise<Array<{ ws: string; integration: string; token: string }>> {
  if (t === undefined) throw new Error('no database');
  const db = t.db;
  const store = createIntegrationTokenStore(vault);
  const seeded = [];
  for (let i = 0; i < count; i += 1) {
    const ws = randomUUID();
    const integration = randomUUID();
    const token = `token-${i}-${randomBytes(8).toString('hex')}`;
    await db.withWorkspace(ws, async (tx) => {
      await tx.insertInto('workspaces').values({ id: ws, name: `W${i}` }).execute();
      await store.save(tx, ws, { integrationId: integration, provider: 'google-ads', accessToken: token, refreshToken: `r-${token}` });
    });
    seeded.push({ ws, integration, token });
  }
  return seeded;
}

async function expectAllReadable(vault: Vault, seeded: Array<{ ws: string; integration: string; token: string }>): Promise<void> {
  if (t === undefined) throw new Error('no database');
  const store = createIntegrationTokenStore(vault);
  for (const s of seeded) {
    const tokens = await t.db.withWorkspace(s.ws, (tx) => store.find(tx, s.integration));
    expect(tokens?.accessToken).toBe(s.token);
    expect(tokens?.refreshToken).toBe(`r-${s.token}`);
  }
}

async function asOwner<R>(tables: readonly string[], text: string, params: unknown[] = []): Promise<R[]> {
  if (t === undefined) throw new Error('no database');
  return queryAsOwnerWithoutRls<R>(t.owner, tables, text, params);
}

const kekCounts = async () => (await asOwner<{ kek_id: string; n: number }>(['data_keys'], 'SELECT kek_id, count(*)::int AS n FROM data_keys GROUP BY kek_id ORDER BY kek_id'));

describe(`KEK rotation (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('rotates a generated KEK when due: new keys use it, old data reads, re-wrap completes, the old KEK retires and can be removed', async () => {
    t = await createTestDatabase();
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tl-rotate-'));
    const { ring } = await createKeyRing({ NODE_ENV: 'test', DATA_DIR: dataDir });
    const vault = createVault({ db: t.db, keys: ring, rotationDays: 180 });
    await vault.registerActiveKek(day0);
    const seeded = await seedTokens(vault, 3);

    expect(await vault.rotateKek(at(179))).toMatchObject({ rotated: false, due: false, activeKekId: 'k1', nextRotationAt: at(180) });
    expect(await vault.rotateKek(at(181))).toMatchObject({ rotated: true, activeKekId: 'k2', previousKekId: 'k1', nextRotationAt: at(361) });
    expect((await stat(path.join(dataDir, KEY_FILE_NAME))).mode & 0o777).toBe(0o600);

    // New writes: a new workspace's key is wrapped under k2. Old data still reads (through k1).
    const later = await seedTokens(vault, 1);
    expect(await kekCounts()).toEqual([
      { kek_id: 'k1', n: 3 },
      { kek_id: 'k2', n: 1 },
    ]);
    vault.forgetCachedKeys();
    await expectAllReadable(vault, [...seeded, ...later]);
    const before = await vault.keysStatus(at(181));
    expect(before.rewrap).toEqual({ dataKeys: 4, underActiveKek: 1, remaining: 3 });
    expect(before.keks.find((k) => k.id === 'k1')).toMatchObject({ active: false, dataKeys: 3, removable: false, ageDays: 181 });

    const progress: number[] = [];
    const report = await vault.rewrapDataKeys({ batchSize: 2, now: at(182), onProgress: (p) => void progress.push(p.remaining) });
    expect(report).toMatchObject({ rewrapped: 3, remaining: 0, activeKekId: 'k2', retiredKekIds: ['k1'] });
    expect(progress).toEqual([1, 0]);
    expect(await kekCounts()).toEqual([{ kek_id: 'k2', n: 4 }]);
    const after = await vault.keysStatus(at(182));
    expect(after.keks.find((k) => k.id === 'k1')).toMatchObject({ dataKeys: 0, removable: true, retiredAt: at(182) });
    expect(after.keks.find((k) => k.id === 'k2')).toMatchObject({ active: true, ageDays: 1 });
    expect(after.nextRotationAt).toEqual(at(361));
    // Idempotent: a second run has nothing to do.
    expect(await vault.rewrapDataKeys({ now: at(183) })).toMatchObject({ rewrapped: 0, remaining: 0 });

    // k1 is unused: a ring without it reads everything; a ring with only k1 reads nothing.
    const keys = parseKeySpec(await readFile(path.join(dataDir, KEY_FILE_NAME), 'utf8'));
    const withoutK1 = createVault({ db: t.db, keys: new LocalKeyRing(keys.filter((k) => k.id !== 'k1'), { source: 'environment' }) });
    await expectAllReadable(withoutK1, [...seeded, ...later]);
    const onlyK1 = createVault({ db: t.db, keys: new LocalKeyRing(keys.filter((k) => k.id === 'k1'), { source: 'environment' }) });
    const store = createIntegrationTokenStore(onlyK1);
    await expect(t.db.withWorkspace(seeded[0]?.ws ?? '', (tx) => store.find(tx, seeded[0]?.integration ?? ''))).rejects.toMatchObject({ code: 'crypto.key_unavailable' });
  });

  it('with operator keys, reports a due rotation and re-wraps once the operator puts a new key first', async () => {
    t = await createTestDatabase();
    const k1 = { id: 'k1', material: randomBytes(32) };
    const v1 = createVault({ db: t.db, keys: new LocalKeyRing([k1], { source: 'environment' }), rotationDays: 30 });
    await v1.registerActiveKek(day0);
    const seeded = await seedTokens(v1, 2);
    expect(await v1.rotateKek(at(31))).toMatchObject({ rotated: false, due: true, needsOperatorKey: true, activeKekId: 'k1' });
    expect((await v1.keysStatus(at(31))).rotationDue).toBe(true);

    // The operator deploys ENCRYPTION_KEYS=k2:...,k1:... and restarts.
    const v2 = createVault({ db: t.db, keys: new LocalKeyRing([{ id: 'k2', material: randomBytes(32) }, k1], { source: 'environment' }), rotationDays: 30 });
    await v2.registerActiveKek(at(32));
    expect(await v2.rewrapDataKeys({ now: at(32) })).toMatchObject({ rewrapped: 2, remaining: 0, retiredKekIds: ['k1'] });
    const status = await v2.keysStatus(at(32));
    expect(status).toMatchObject({ activeKekId: 'k2', rotationDue: false, nextRotationAt: at(62), rewrap: { remaining: 0 } });
    await expectAllReadable(v2, seeded);
  });

  it('resumes an interrupted re-wrap, between batches or in the middle of one, and loses nothing', async () => {
    t = await createTestDatabase();
    const k1 = { id: 'k1', material: randomBytes(32) };
    const k2 = { id: 'k2', material: randomBytes(32) };
    const seeded = await seedTokens(createVault({ db: t.db, keys: new LocalKeyRing([k1], { source: 'environment' }) }), 12);
    const ring = new LocalKeyRing([k2, k1], { source: 'environment' });

    // Crash 1: the worker dies after its first committed batch.
    const vault = createVault({ db: t.db, keys: ring });
    await expect(
      vault.rewrapDataKeys({
        batchSize: 5,
        onProgress: () => {
          throw new Error('worker killed');
        },
      }),
    ).rejects.toThrow('worker killed');
    expect((await vault.keysStatus()).rewrap.remaining).toBe(7);

    // Crash 2: the process dies inside a batch (the third wrap fails): that batch rolls back whole.
    let wraps = 0;
    const dying: KeyProvider = {
      source: 'environment',
      activeKekId: () => ring.activeKekId(),
      kekIds: () => ring.kekIds(),
      unwrapDataKey: (id, wrapped, context) => ring.unwrapDataKey(id, wrapped, context),
      wrapDataKey: async (dek, context) => {
        wraps += 1;
        if (wraps === 3) throw new Error('power cut');
        return ring.wrapDataKey(dek, context);
      },
    };
    await expect(createVault({ db: t.db, keys: dying }).rewrapDataKeys({ batchSize: 5 })).rejects.toThrow('power cut');
    expect(await kekCounts()).toEqual([
      { kek_id: 'k1', n: 7 },
      { kek_id: 'k2', n: 5 },
    ]);

    // The rerun finishes, and every token still opens (after a "restart": no cached keys).
    const rerun = createVault({ db: t.db, keys: ring });
    expect(await rerun.rewrapDataKeys({ batchSize: 5 })).toMatchObject({ rewrapped: 7, remaining: 0 });
    expect(await kekCounts()).toEqual([{ kek_id: 'k2', n: 12 }]);
    await expectAllReadable(rerun, seeded);
  });
});

describe(`DEK rotation (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('re-encrypts every value under the new DEK in resumable batches, then deletes the old DEK', async () => {
    t = await createTestDatabase();
    const db = t.db;
    const vault = createVault({ db, keys: new LocalKeyRing([{ id: 'k1', material: randomBytes(32) }], { source: 'environment' }) });
    const ws = randomUUID();
    const store = createIntegrationTokenStore(vault);
    const tokens = Array.from({ length: 25 }, (_, i) => ({ integrationId: randomUUID(), provider: 'hubspot', accessToken: `hs-${i}`, refreshToken: i % 2 === 0 ? `hr-${i}` : null }));
    await db.withWorkspace(ws, async (tx) => {
      await tx.insertInto('workspaces').values({ id: ws, name: 'Rotating' }).execute();
      for (const tok of tokens) await store.save(tx, ws, tok);
    });
    const other = await seedTokens(vault, 1);

    const { dekId, retiredDekId } = await vault.rotateWorkspaceDek(ws, at(10));
    expect(retiredDekId).toBeDefined();
    // New writes use the new DEK at once; old values still open while re-encryption is pending.
    const fresh = randomUUID();
    await db.withWorkspace(ws, (tx) => store.save(tx, ws, { integrationId: fresh, provider: 'hubspot', accessToken: 'new' }));
    const [freshRow] = await asOwner<{ access_token_sealed: string }>(['integration_tokens'], 'SELECT access_token_sealed FROM integration_tokens WHERE integration_id = $1', [fresh]);
    expect(freshRow?.access_token_sealed.split('.')[1]).toBe(dekId);
    expect((await vault.keysStatus()).reencryption).toEqual({ retiredDataKeys: 1, workspacesPending: 1 });

    await expect(
      vault.reencryptWorkspaceSecrets(ws, {
        batchSize: 10,
        onProgress: () => {
          throw new Error('worker killed');
        },
      }),
    ).rejects.toThrow('worker killed');
    const stale = async () =>
      (await asOwner<{ access: number; refresh: number }>(
        ['integration_tokens'],
        `SELECT count(*) FILTER (WHERE access_token_sealed NOT LIKE $2)::int AS access,
                count(*) FILTER (WHERE refresh_token_sealed NOT LIKE $2)::int AS refresh
         FROM integration_tokens WHERE workspace_id = $1`,
        [ws, `tlv1.${dekId}.%`],
      ))?.[0];
    // The access-token column goes first, in batches of 10: one batch committed, then the crash.
    expect(await stale()).toEqual({ access: 15, refresh: 13 });

    const reports = await vault.reencryptPendingWorkspaces({ batchSize: 10 });
    expect(reports).toEqual([{ workspaceId: ws, reencrypted: 15 + 13, deletedDataKeys: 1 }]);
    expect(await stale()).toEqual({ access: 0, refresh: 0 });
    expect(await asOwner(['data_keys'], 'SELECT id FROM data_keys WHERE id = $1', [retiredDekId])).toEqual([]);
    expect((await vault.keysStatus()).reencryption).toEqual({ retiredDataKeys: 0, workspacesPending: 0 });
    vault.forgetCachedKeys();
    const read = await db.withWorkspace(ws, (tx) => Promise.all(tokens.map((tok) => store.find(tx, tok.integrationId))));
    expect(read.map((r) => [r?.accessToken, r?.refreshToken])).toEqual(tokens.map((tok) => [tok.accessToken, tok.refreshToken]));
    await expectAllReadable(vault, other);
  });
});

describe('throughline keys', () => {
  it('prints status and rotates a generated key file without ever printing key material', async () => {
    t = await createTestDatabase();
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tl-keys-cmd-'));
    const { ring } = await createKeyRing({ NODE_ENV: 'test', DATA_DIR: dataDir });
    const vault = createVault({ db: t.db, keys: ring });
    await seedTokens(vault, 2);
    const out: string[] = [];
    const err: string[] = [];
    expect(await runKeysCommand('status', { vault, out: (l) => out.push(l), err: (l) => err.push(l), now: day0 })).toBe(0);
    expect(out.join('\n')).toMatch(/Active KEK: k1; rotation every 180 days; next 2025-06-30/);
    expect(await runKeysCommand('rotate', { vault, out: (l) => out.push(l), err: (l) => err.push(l), now: at(1) })).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/New KEK k2 is active \(was k1\)/);
    expect(text).toMatch(/Re-wrap complete: 2 data keys/);
    expect(text).toMatch(/Re-wrap: 2\/2 data keys under the active KEK \(0 remaining\)/);
    for (const key of parseKeySpec(await readFile(path.join(dataDir, KEY_FILE_NAME), 'utf8'))) {
      expect(text).not.toContain(key.material.toString('base64'));
    }
    expect(err).toEqual([]);
  });
});
