// The vault against a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): sealed values
// open only at their place and in their workspace, tampering and wrong keys fail, the database
// never holds a plaintext token or a KEK, and destroying a workspace's keys shreds its secrets.
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, queryAsOwnerWithoutRls, type TestDatabase } from '../../test/support/database.js';
import type { Database, WorkspaceTx } from '../db/index.js';
import { isCryptoError, type CryptoErrorCode } from './errors.js';
import { createIntegrationTokenStore } from './integration-tokens.js';
import { LocalKeyRing } from './key-ring.js';
import type { SecretPlace } from './sealed-value.js';
import { createVault, type Vault } from './vault.js';

let t: TestDatabase;
let db: Database;
let vault: Vault;
const kek = randomBytes(32);
const ring = new LocalKeyRing([{ id: 'k1', material: kek }], { source: 'environment' });
const wsA = randomUUID();
const wsB = randomUUID();
const ACCESS_A = `ya29.a0Af-ACCESS-${randomBytes(12).toString('hex')}`;
const REFRESH_A = `1//0g-REFRESH-${randomBytes(12).toString('hex')}`;
const ACCESS_B = `EAAB-meta-ACCESS-${randomBytes(12).toString('hex')}`;
const integrationA = randomUUID();
const integrationB = randomUUID();

const place = (workspaceId: string, rowId = 'row-1', column = 'access_token_sealed', table = 'integration_tokens'): SecretPlace => ({ table, column, rowId, workspaceId });

async function expectCode(promise: Promise<unknown>, code: CryptoErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(isCryptoError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true);
}

async function asOwner<R>(tables: readonly string[], text: string, params: unknown[] = []): Promise<R[]> {
  if (t === undefined) throw new Error('no database');
  return queryAsOwnerWithoutRls<R>(t.owner, tables, text, params);
}

function flip(value: string, partIndex: number): string {
  const parts = value.split('.');
  const bytes = Buffer.from(parts[partIndex] as string, 'base64url');
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
  parts[partIndex] = bytes.toString('base64url');
  return parts.join('.');
}

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  vault = createVault({ db, keys: ring });
  for (const [id, name] of [
    [wsA, 'Alpha'],
    [wsB, 'Bravo'],
  ] as const) {
    await db.withWorkspace(id, (tx) => tx.insertInto('workspaces').values({ id, name }).execute());
  }
  const tokens = createIntegrationTokenStore(vault);
  await db.withWorkspace(wsA, (tx) =>
    tokens.save(tx, wsA, { integrationId: integrationA, provider: 'google-ads', accessToken: ACCESS_A, refreshToken: REFRESH_A, scopes: ['adwords'], expiresAt: new Date('2030-01-01T00:00:00Z') }),
  );
  await db.withWorkspace(wsB, (tx) => tokens.save(tx, wsB, { integrationId: integrationB, provider: 'meta-ads', accessToken: ACCESS_B }));
});

afterAll(async () => {
  await t?.close();
});

describe(`vault (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('round-trips a secret and never stores the same ciphertext twice', async () => {
    const [a, b, opened] = await db.withWorkspace(wsA, async (tx) => {
      const one = await vault.sealSecret(tx, place(wsA), 'секрет-🔑');
      const two = await vault.sealSecret(tx, place(wsA), 'секрет-🔑');
      return [one, two, await vault.openSecret(tx, place(wsA), one)];
    });
    expect(opened).toBe('секрет-🔑');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^tlv1\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
  });

  it('gives each workspace its own data key', async () => {
    const dekOf = (ws: string) => db.withWorkspace(ws, async (tx) => (await vault.sealSecret(tx, place(ws), 'x')).split('.')[1]);
    expect(await dekOf(wsA)).not.toBe(await dekOf(wsB));
  });

  it('rejects a ciphertext moved to another row, column, table or workspace', async () => {
    const sealed = await db.withWorkspace(wsA, (tx) => vault.sealSecret(tx, place(wsA, 'row-1'), 'token'));
    await db.withWorkspace(wsA, async (tx) => {
      await expectCode(vault.openSecret(tx, place(wsA, 'row-2'), sealed), 'crypto.decrypt_failed');
      await expectCode(vault.openSecret(tx, place(wsA, 'row-1', 'refresh_token_sealed'), sealed), 'crypto.decrypt_failed');
      await expectCode(vault.openSecret(tx, place(wsA, 'row-1', 'access_token_sealed', 'other_secrets'), sealed), 'crypto.decrypt_failed');
    });
    // Pasted into workspace B, even claiming A's place: B's transaction cannot reach A's key.
    await db.withWorkspace(wsB, async (tx) => {
      await expectCode(vault.openSecret(tx, place(wsB, 'row-1'), sealed), 'crypto.key_unavailable');
      vault.forgetCachedKeys();
      await expectCode(vault.openSecret(tx, place(wsA, 'row-1'), sealed), 'crypto.key_unavailable');
    });
  });

  it('rejects a token row copied into another workspace through the store', async () => {
    const stolen = await db.withWorkspace(wsA, (tx) => tx.selectFrom('integration_tokens').selectAll().where('integration_id', '=', integrationA).executeTakeFirstOrThrow());
    const intoB = randomUUID();
    await asOwner(['integration_tokens'], 
      'INSERT INTO integration_tokens (integration_id, workspace_id, provider, access_token_sealed, refresh_token_sealed) VALUES ($1, $2, $3, $4, $5)',
      [intoB, wsB, 'google-ads', stolen.access_token_sealed, stolen.refresh_token_sealed],
    );
    const store = createIntegrationTokenStore(vault);
    await db.withWorkspace(wsB, (tx) => expectCode(store.find(tx, intoB), 'crypto.key_unavailable'));
    // Same workspace, another row: the row id in the AAD stops it.
    const sameWs = randomUUID();
    await asOwner(['integration_tokens'], 'INSERT INTO integration_tokens (integration_id, workspace_id, provider, access_token_sealed) VALUES ($1, $2, $3, $4)', [sameWs, wsA, 'google-ads', stolen.access_token_sealed]);
    await db.withWorkspace(wsA, (tx) => expectCode(store.find(tx, sameWs), 'crypto.decrypt_failed'));
    await asOwner(['integration_tokens'], 'DELETE FROM integration_tokens WHERE integration_id IN ($1, $2)', [intoB, sameWs]);
  });

  it('rejects tampered ciphertext, nonce, tag and key id, and malformed values', async () => {
    const sealed = await db.withWorkspace(wsA, (tx) => vault.sealSecret(tx, place(wsA), 'a fairly long access token value'));
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] as string, 'base64url');
    const firstByte = Buffer.from(body);
    firstByte[0] = (firstByte[0] as number) ^ 1;
    await vault.rotateWorkspaceDek(wsA);
    const otherDek = await db.withWorkspace(wsA, async (tx) => (await vault.sealSecret(tx, place(wsA), 'x')).split('.')[1] as string);
    await db.withWorkspace(wsA, async (tx) => {
      await expectCode(vault.openSecret(tx, place(wsA), [parts[0], parts[1], parts[2], firstByte.toString('base64url')].join('.')), 'crypto.decrypt_failed');
      await expectCode(vault.openSecret(tx, place(wsA), flip(sealed, 3)), 'crypto.decrypt_failed'); // last byte: the tag
      await expectCode(vault.openSecret(tx, place(wsA), flip(sealed, 2)), 'crypto.decrypt_failed'); // nonce
      await expectCode(vault.openSecret(tx, place(wsA), [parts[0], otherDek, parts[2], parts[3]].join('.')), 'crypto.decrypt_failed');
      await expectCode(vault.openSecret(tx, place(wsA), `tlv2.${parts.slice(1).join('.')}`), 'crypto.malformed');
      await expectCode(vault.openSecret(tx, place(wsA), 'ya29.plaintext-token'), 'crypto.malformed');
      await expectCode(vault.openSecret(tx, place(wsA), sealed.slice(0, sealed.length - 30)), 'crypto.decrypt_failed');
      expect(await vault.openSecret(tx, place(wsA), sealed)).toBe('a fairly long access token value');
    });
    await vault.reencryptWorkspaceSecrets(wsA);
  });

  it('cannot open anything with the wrong KEK, or with a wrapped key swapped between workspaces', async () => {
    const sealed = await db.withWorkspace(wsA, (tx) => vault.sealSecret(tx, place(wsA), 'token'));
    const impostor = createVault({ db, keys: new LocalKeyRing([{ id: 'k1', material: randomBytes(32) }], { source: 'environment' }) });
    await db.withWorkspace(wsA, (tx) => expectCode(impostor.openSecret(tx, place(wsA), sealed), 'crypto.decrypt_failed'));
    // An attacker with table access copies B's wrapped key over A's: the wrap's AAD names its owner.
    const dekId = sealed.split('.')[1] as string;
    const [original] = await asOwner<{ wrapped_dek: Uint8Array }>(['data_keys'], 'SELECT wrapped_dek FROM data_keys WHERE id = $1', [dekId]);
    await asOwner(['data_keys'], "UPDATE data_keys SET wrapped_dek = (SELECT wrapped_dek FROM data_keys WHERE workspace_id = $1 AND state = 'active') WHERE id = $2", [wsB, dekId]);
    vault.forgetCachedKeys();
    await db.withWorkspace(wsA, (tx) => expectCode(vault.openSecret(tx, place(wsA), sealed), 'crypto.decrypt_failed'));
    await asOwner(['data_keys'], 'UPDATE data_keys SET wrapped_dek = $1 WHERE id = $2', [original?.wrapped_dek, dekId]);
    expect(await db.withWorkspace(wsA, (tx) => vault.openSecret(tx, place(wsA), sealed))).toBe('token');
  });

  it('reads tokens back through the store, and shows another workspace none of them', async () => {
    const store = createIntegrationTokenStore(vault);
    const tokens = await db.withWorkspace(wsA, (tx) => store.find(tx, integrationA));
    expect(tokens).toEqual({
      integrationId: integrationA,
      provider: 'google-ads',
      accessToken: ACCESS_A,
      refreshToken: REFRESH_A,
      scopes: ['adwords'],
      expiresAt: new Date('2030-01-01T00:00:00Z'),
    });
    expect(await db.withWorkspace(wsB, (tx) => store.find(tx, integrationA))).toBeUndefined();
  });

  it('refuses a plaintext token written around the store', async () => {
    await expect(
      db.withWorkspace(wsA, (tx) =>
        tx.insertInto('integration_tokens').values({ integration_id: randomUUID(), workspace_id: wsA, provider: 'vk-ads', access_token_sealed: 'vk1.a.plaintext' }).execute(),
      ),
    ).rejects.toThrow(/check constraint/);
  });

  it('leaves no plaintext token and no KEK anywhere in a dump of the database', async () => {
    const tables = await t.owner.query<{ name: string }>("SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.map((r) => r.name)).toEqual(expect.arrayContaining(['integration_tokens', 'data_keys']));
    const names = tables.map((r) => r.name);
    let dump = '';
    for (const name of names) {
      const rows = await asOwner<{ row: string }>(names, `SELECT t::text AS row FROM ${name} t`);
      dump += `${name}\n${rows.map((r) => r.row).join('\n')}\n`;
    }
    expect(dump).toContain('tlv1.'); // the dump did capture the sealed columns
    for (const secret of [ACCESS_A, REFRESH_A, ACCESS_B, 'ACCESS-', 'REFRESH-', kek.toString('hex'), kek.toString('base64')]) expect(dump).not.toContain(secret);
  });

  it('seals platform secrets under the platform key, out of every workspace’s reach', async () => {
    const platformPlace = { table: 'signing_keys', column: 'private_jwk_sealed', rowId: 'sig-1' };
    const sealed = await db.unsafeAsSystem('test: seal a platform secret', (tx) => vault.sealPlatformSecret(tx, platformPlace, '{"kty":"OKP","d":"secret"}'));
    expect(await db.unsafeAsSystem('test: open a platform secret', (tx) => vault.openPlatformSecret(tx, platformPlace, sealed))).toBe('{"kty":"OKP","d":"secret"}');
    vault.forgetCachedKeys();
    await db.withWorkspace(wsA, (tx) => expectCode(vault.openSecret(tx, { ...platformPlace, workspaceId: wsA }, sealed), 'crypto.key_unavailable'));
    // A workspace transaction sees its own keys and the platform key's wrapped row (0005: user-level
    // platform secrets open in a user's transaction), never another workspace's.
    const visible = await db.withWorkspace(wsA, (tx) => tx.selectFrom('data_keys').select('workspace_id').execute());
    expect(visible.every((r) => r.workspace_id === wsA || r.workspace_id === null)).toBe(true);
    expect(visible.some((r) => r.workspace_id === wsA)).toBe(true);
  });

  it('creates one active data key when many first writers race in a new workspace', async () => {
    const ws = randomUUID();
    await db.withWorkspace(ws, (tx) => tx.insertInto('workspaces').values({ id: ws, name: 'Race' }).execute());
    const sealed = await Promise.all(Array.from({ length: 8 }, (_, i) => db.withWorkspace(ws, (tx) => vault.sealSecret(tx, place(ws, `r${i}`), `v${i}`))));
    expect(new Set(sealed.map((s) => s.split('.')[1])).size).toBe(1);
    const opened = await db.withWorkspace(ws, (tx: WorkspaceTx) => Promise.all(sealed.map((s, i) => vault.openSecret(tx, place(ws, `r${i}`), s))));
    expect(opened).toEqual(sealed.map((_, i) => `v${i}`));
  });

  it('shreds a workspace: after its keys are destroyed nothing of it opens, even from a copy, and other workspaces are untouched', async () => {
    const ws = randomUUID();
    const integration = randomUUID();
    const store = createIntegrationTokenStore(vault);
    await db.withWorkspace(ws, async (tx) => {
      await tx.insertInto('workspaces').values({ id: ws, name: 'Leaving' }).execute();
      await store.save(tx, ws, { integrationId: integration, provider: 'amocrm', accessToken: 'amo-secret' });
    });
    const backup = await asOwner<{ access_token_sealed: string }>(['integration_tokens'], 'SELECT access_token_sealed FROM integration_tokens WHERE integration_id = $1', [integration]);
    expect(await vault.destroyWorkspaceKeys(ws)).toBe(1);
    await db.withWorkspace(ws, (tx) => expectCode(store.find(tx, integration), 'crypto.key_unavailable'));
    // A restored backup still has the sealed value, but no key can open it any more.
    const fresh = createVault({ db, keys: ring });
    await db.withWorkspace(ws, (tx) => expectCode(fresh.openSecret(tx, { table: 'integration_tokens', column: 'access_token_sealed', rowId: integration, workspaceId: ws }, backup[0]?.access_token_sealed ?? ''), 'crypto.key_unavailable'));
    expect((await db.withWorkspace(wsA, (tx) => store.find(tx, integrationA)))?.accessToken).toBe(ACCESS_A);
    // Deleting a workspace cascades to its keys.
    const ws2 = randomUUID();
    await db.withWorkspace(ws2, async (tx) => {
      await tx.insertInto('workspaces').values({ id: ws2, name: 'Cascade' }).execute();
      await vault.sealSecret(tx, place(ws2), 'x');
      await tx.deleteFrom('workspaces').where('id', '=', ws2).execute();
    });
    expect(await asOwner(['data_keys'], 'SELECT 1 FROM data_keys WHERE workspace_id = $1', [ws2])).toEqual([]);
  });

  it('gives the system role wrapped keys only, never tenant secrets', async () => {
    await expect(db.unsafeAsSystem('test: read tokens', (tx) => tx.selectFrom('integration_tokens').selectAll().execute())).rejects.toThrow(/permission denied/);
    await expect(db.unsafeAsSystem('test: delete keys', (tx) => tx.deleteFrom('data_keys').execute())).rejects.toThrow(/permission denied/);
    await expect(
      db.unsafeAsSystem('test: insert a tenant key', (tx) =>
        sql`INSERT INTO data_keys (id, workspace_id, version, kek_id, wrapped_dek) VALUES (${randomUUID()}, ${wsA}, 99, 'k1', ${Buffer.alloc(60)})`.execute(tx),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(db.withAppRole((tx) => tx.selectFrom('key_encryption_keys').selectAll().execute())).rejects.toThrow(/permission denied/);
  });
});
