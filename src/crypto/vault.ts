// Envelope encryption for secret columns: one data-encryption key (DEK) per workspace and one for
// the platform, stored wrapped by the active KEK in data_keys. Guarantees: values are AES-256-GCM
// under a random nonce with AAD naming their place; a workspace's DEK is reachable only inside its
// own withWorkspace() transaction (RLS); re-wrapping and re-encryption run in small committed
// batches, so a crash loses nothing and a rerun finishes the job.
import { createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Database, DB, SystemTx, UserTx, WorkspaceTx } from '../db/index.js';
import { gcmOpen, gcmSeal, KEY_BYTES } from './aes-gcm.js';
import { CryptoError } from './errors.js';
import type { KeyProvider } from './key-ring.js';
import { WORKSPACE_SECRET_COLUMNS, type SecretColumn } from './secret-columns.js';
import { dekWrapAad, formatSealed, parseSealed, sealedPrefixOf, valueAad, type PlatformSecretPlace, type SecretPlace } from './sealed-value.js';

const DAY_MS = 86_400_000;

export interface VaultOptions {
  db: Database;
  keys: KeyProvider;
  /** A new KEK is due this many days after the active one became active (KEK_ROTATION_DAYS). */
  rotationDays?: number;
  secretColumns?: readonly SecretColumn[];
  /**
   * How long an unwrapped DEK stays in this process's memory. Bounds how long a destroyed key
   * (crypto-shredding) remains usable by *another* process that had it cached.
   */
  dekCacheMs?: number;
  dekCacheSize?: number;
  /** Monotonic milliseconds for the cache; tests replace it. */
  monotonicNow?: () => number;
}

export interface BatchOptions<P> {
  batchSize?: number;
  /** Called after each committed batch; a throw here stops the run (the next run resumes). */
  onProgress?: (progress: P) => void | Promise<void>;
  now?: Date;
}

export interface RewrapProgress {
  rewrapped: number;
  remaining: number;
}

export interface RewrapReport extends RewrapProgress {
  activeKekId: string;
  /** KEKs recorded as retired by this run: nothing references them any more. */
  retiredKekIds: string[];
}

export interface ReencryptProgress {
  workspaceId: string;
  column: string;
  reencrypted: number;
  remaining: number;
}

export interface ReencryptReport {
  workspaceId: string;
  reencrypted: number;
  /** Retired DEKs deleted because no value referenced them any more. */
  deletedDataKeys: number;
}

export type KekRotation =
  | { rotated: true; activeKekId: string; previousKekId: string; nextRotationAt: Date }
  | { rotated: false; due: boolean; activeKekId: string; nextRotationAt: Date; needsOperatorKey: boolean };

export interface KekStatus {
  id: string;
  active: boolean;
  /** false: referenced by data keys but absent from the key ring (those keys cannot be opened). */
  inRing: boolean;
  activatedAt: Date | null;
  ageDays: number | null;
  retiredAt: Date | null;
  /** Data keys wrapped under this KEK. */
  dataKeys: number;
  /** Not active and nothing references it: may leave ENCRYPTION_KEYS once older backups expire. */
  removable: boolean;
}

export interface KeysStatus {
  source: string;
  activeKekId: string;
  rotationDays: number;
  nextRotationAt: Date;
  rotationDue: boolean;
  keks: KekStatus[];
  rewrap: { dataKeys: number; underActiveKek: number; remaining: number };
  reencryption: { retiredDataKeys: number; workspacesPending: number };
}

export interface Vault {
  /** Seals a workspace secret for its place; returns the value to store. */
  sealSecret(tx: WorkspaceTx, place: SecretPlace, plaintext: string): Promise<string>;
  /** Opens a value stored at `place`. @throws CryptoError (malformed, decrypt_failed, key_unavailable) */
  openSecret(tx: WorkspaceTx, place: SecretPlace, sealed: string): Promise<string>;
  sealPlatformSecret(tx: SystemTx, place: PlatformSecretPlace, plaintext: string): Promise<string>;
  openPlatformSecret(tx: SystemTx, place: PlatformSecretPlace, sealed: string): Promise<string>;
  /**
   * A user's own platform-level secret (a TOTP seed), sealed under the platform data key inside the
   * user's transaction. The platform key must exist (the system role creates it at start-up).
   */
  sealUserSecret(tx: UserTx, place: PlatformSecretPlace, plaintext: string): Promise<string>;
  openUserSecret(tx: UserTx, place: PlatformSecretPlace, sealed: string): Promise<string>;
  /** Records the active KEK's first use (for its age); idempotent. Call at start-up. */
  registerActiveKek(now?: Date): Promise<void>;
  /** Adds a KEK when the active one is older than rotationDays (or `force`); re-wrap follows. */
  rotateKek(now?: Date, options?: { force?: boolean }): Promise<KekRotation>;
  /** Re-wraps every DEK not under the active KEK, in batches; resumable and idempotent. */
  rewrapDataKeys(options?: BatchOptions<RewrapProgress>): Promise<RewrapReport>;
  /** Retires the workspace's DEK and makes a new one; reencryptWorkspaceSecrets then moves values. */
  rotateWorkspaceDek(workspaceId: string, now?: Date): Promise<{ dekId: string; retiredDekId: string | undefined }>;
  reencryptWorkspaceSecrets(workspaceId: string, options?: BatchOptions<ReencryptProgress>): Promise<ReencryptReport>;
  /** Finishes every workspace's pending re-encryption (after a crash or a DEK rotation). */
  reencryptPendingWorkspaces(options?: BatchOptions<ReencryptProgress>): Promise<ReencryptReport[]>;
  /** Crypto-shredding: deletes the workspace's DEKs; its sealed values can never be opened again. */
  destroyWorkspaceKeys(workspaceId: string): Promise<number>;
  keysStatus(now?: Date): Promise<KeysStatus>;
  /** Drops every unwrapped DEK from memory (as a restart would). */
  forgetCachedKeys(): void;
}

interface Dek {
  id: string;
  workspaceId: string | null;
  key: KeyObject;
}

interface DataKeyRow {
  id: string;
  workspace_id: string | null;
  kek_id: string;
  wrapped_dek: Uint8Array;
}

type KeyTx = Transaction<DB>;

export function createVault(options: VaultOptions): Vault {
  const { db, keys } = options;
  const rotationDays = options.rotationDays ?? 180;
  const secretColumns = options.secretColumns ?? WORKSPACE_SECRET_COLUMNS;
  const cacheMs = options.dekCacheMs ?? 60_000;
  const cacheSize = options.dekCacheSize ?? 10_000;
  const monotonicNow = options.monotonicNow ?? (() => performance.now());
  const cache = new Map<string, Dek & { expiresAt: number }>();

  function remember(dek: Dek): Dek {
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
    cache.set(dek.id, { ...dek, expiresAt: monotonicNow() + cacheMs });
    return dek;
  }

  async function unwrapRow(row: DataKeyRow): Promise<Dek> {
    const material = await keys.unwrapDataKey(row.kek_id, Buffer.from(row.wrapped_dek), dekWrapAad(row.id, row.workspace_id, row.kek_id));
    try {
      return remember({ id: row.id, workspaceId: row.workspace_id, key: createSecretKey(material) });
    } finally {
      material.fill(0);
    }
  }

  /** The cached key, without touching the database: the hot path of every read. */
  function cachedKeyForOpen(dekId: string, workspaceId: string | null): KeyObject | undefined {
    const cached = cache.get(dekId);
    if (cached === undefined || cached.expiresAt <= monotonicNow()) return undefined;
    // SECURITY: the cache must not become a path around RLS: a DEK opens only its own owner's values.
    if (cached.workspaceId !== workspaceId) throw new CryptoError('crypto.key_unavailable');
    return cached.key;
  }

  async function dekForOpen(tx: KeyTx, dekId: string, workspaceId: string | null): Promise<KeyObject> {
    cache.delete(dekId);
    // RLS limits this to the transaction's workspace (or, for the system role, any key).
    const row = await tx.selectFrom('data_keys').select(['id', 'workspace_id', 'kek_id', 'wrapped_dek']).where('id', '=', dekId).executeTakeFirst();
    if (row === undefined || row.workspace_id !== workspaceId) throw new CryptoError('crypto.key_unavailable');
    return (await unwrapRow(row)).key;
  }

  function ownerFilter(workspaceId: string | null) {
    return workspaceId === null ? sql<boolean>`workspace_id IS NULL` : sql<boolean>`workspace_id = ${workspaceId}`;
  }

  async function createDek(tx: KeyTx, workspaceId: string | null): Promise<void> {
    const { next } = await tx
      .selectFrom('data_keys')
      .select(sql<number>`coalesce(max(version), 0) + 1`.as('next'))
      .where(ownerFilter(workspaceId))
      .executeTakeFirstOrThrow();
    const id = randomUUID();
    const material = randomBytes(KEY_BYTES);
    try {
      const { kekId, wrapped } = await keys.wrapDataKey(material, (kek) => dekWrapAad(id, workspaceId, kek));
      // Two first writers in one workspace race here; the unique indexes keep one key, and the
      // loser reads the winner's key in its next statement.
      await tx
        .insertInto('data_keys')
        .values({ id, workspace_id: workspaceId, version: Number(next), kek_id: kekId, wrapped_dek: wrapped, state: 'active' })
        .onConflict((oc) => oc.doNothing())
        .execute();
    } finally {
      material.fill(0);
    }
  }

  /**
   * The owner's active DEK, created on first use. FOR SHARE: a DEK rotation (which updates this
   * row) waits for writers still sealing under the old key, so re-encryption cannot miss a value.
   */
  async function activeDek(tx: KeyTx, workspaceId: string | null): Promise<Dek> {
    const select = () =>
      tx
        .selectFrom('data_keys')
        .select(['id', 'workspace_id', 'kek_id', 'wrapped_dek'])
        .where(ownerFilter(workspaceId))
        .where('state', '=', 'active')
        .forShare()
        .executeTakeFirst();
    let row = await select();
    if (row === undefined) {
      await createDek(tx, workspaceId);
      row = await select();
    }
    if (row === undefined) throw new CryptoError('crypto.key_unavailable');
    const cached = cache.get(row.id);
    if (cached !== undefined && cached.expiresAt > monotonicNow()) return cached;
    return unwrapRow(row);
  }

  function sealWith(dek: Dek, place: SecretPlace | (PlatformSecretPlace & { workspaceId: null }), plaintext: string): string {
    const sealed = gcmSeal(dek.key, Buffer.from(plaintext, 'utf8'), valueAad(dek.id, place));
    return formatSealed(dek.id, sealed.nonce, sealed.body);
  }

  async function openAt(tx: KeyTx, place: SecretPlace | (PlatformSecretPlace & { workspaceId: null }), sealed: string): Promise<string> {
    const parsed = parseSealed(sealed);
    const key = cachedKeyForOpen(parsed.dekId, place.workspaceId) ?? (await dekForOpen(tx, parsed.dekId, place.workspaceId));
    return gcmOpen(key, parsed.nonce, parsed.body, valueAad(parsed.dekId, place)).toString('utf8');
  }

  async function registerActive(tx: SystemTx, now: Date): Promise<Date> {
    const id = keys.activeKekId();
    await tx
      .insertInto('key_encryption_keys')
      .values({ id, activated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ retired_at: null }).where('key_encryption_keys.retired_at', 'is not', null))
      .execute();
    const row = await tx.selectFrom('key_encryption_keys').select('activated_at').where('id', '=', id).executeTakeFirstOrThrow();
    return new Date(row.activated_at);
  }

  async function retireUnreferencedKeks(tx: SystemTx, now: Date): Promise<string[]> {
    const rows = await tx
      .updateTable('key_encryption_keys')
      .set({ retired_at: now })
      .where('id', '<>', keys.activeKekId())
      .where('retired_at', 'is', null)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('data_keys').select('data_keys.id').whereRef('data_keys.kek_id', '=', 'key_encryption_keys.id'))))
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async function countNotUnderActive(tx: SystemTx): Promise<number> {
    const { n } = await tx.selectFrom('data_keys').select(sql<number>`count(*)::int`.as('n')).where('kek_id', '<>', keys.activeKekId()).executeTakeFirstOrThrow();
    return n;
  }

  const vault: Vault = {
    async sealSecret(tx, place, plaintext) {
      return sealWith(await activeDek(tx, place.workspaceId), place, plaintext);
    },
    openSecret(tx, place, sealed) {
      return openAt(tx, place, sealed);
    },
    async sealPlatformSecret(tx, place, plaintext) {
      return sealWith(await activeDek(tx, null), { ...place, workspaceId: null }, plaintext);
    },
    openPlatformSecret(tx, place, sealed) {
      return openAt(tx, { ...place, workspaceId: null }, sealed);
    },
    async sealUserSecret(tx, place, plaintext) {
      // No FOR SHARE here: the app role may read the platform key row but never lock or write it.
      const row = await tx
        .selectFrom('data_keys')
        .select(['id', 'workspace_id', 'kek_id', 'wrapped_dek'])
        .where('workspace_id', 'is', null)
        .where('state', '=', 'active')
        .executeTakeFirst();
      if (row === undefined) throw new CryptoError('crypto.key_unavailable');
      const cached = cache.get(row.id);
      const dek = cached !== undefined && cached.expiresAt > monotonicNow() ? cached : await unwrapRow(row);
      return sealWith(dek, { ...place, workspaceId: null }, plaintext);
    },
    openUserSecret(tx, place, sealed) {
      return openAt(tx, { ...place, workspaceId: null }, sealed);
    },

    async registerActiveKek(now = new Date()) {
      await db.unsafeAsSystem('crypto: record the active KEK', (tx) => registerActive(tx, now));
    },

    async rotateKek(now = new Date(), { force = false } = {}) {
      const previousKekId = keys.activeKekId();
      const activatedAt = await db.unsafeAsSystem('crypto: check KEK age', (tx) => registerActive(tx, now));
      const nextRotationAt = new Date(activatedAt.getTime() + rotationDays * DAY_MS);
      const due = force || now.getTime() >= nextRotationAt.getTime();
      if (!due) return { rotated: false, due, activeKekId: previousKekId, nextRotationAt, needsOperatorKey: false };
      if (keys.addKek === undefined) return { rotated: false, due, activeKekId: previousKekId, nextRotationAt, needsOperatorKey: true };
      const activeKekId = await keys.addKek();
      await db.unsafeAsSystem('crypto: record the new KEK', (tx) => registerActive(tx, now));
      return { rotated: true, activeKekId, previousKekId, nextRotationAt: new Date(now.getTime() + rotationDays * DAY_MS) };
    },

    async rewrapDataKeys({ batchSize = 100, onProgress, now = new Date() } = {}) {
      let rewrapped = 0;
      let remaining = 0;
      for (;;) {
        // Each batch commits on its own: a crash keeps every finished batch and rolls back only
        // the current one, whose keys still open under their old KEK.
        const step = await db.unsafeAsSystem('crypto: re-wrap data keys under the active KEK', async (tx) => {
          const rows = await tx
            .selectFrom('data_keys')
            .select(['id', 'workspace_id', 'kek_id', 'wrapped_dek'])
            .where('kek_id', '<>', keys.activeKekId())
            .orderBy('id')
            .limit(batchSize)
            .forUpdate()
            .skipLocked()
            .execute();
          for (const row of rows) {
            const material = await keys.unwrapDataKey(row.kek_id, Buffer.from(row.wrapped_dek), dekWrapAad(row.id, row.workspace_id, row.kek_id));
            try {
              const { kekId, wrapped } = await keys.wrapDataKey(material, (kek) => dekWrapAad(row.id, row.workspace_id, kek));
              await tx.updateTable('data_keys').set({ kek_id: kekId, wrapped_dek: wrapped, rewrapped_at: now }).where('id', '=', row.id).execute();
            } finally {
              material.fill(0);
            }
          }
          return { count: rows.length, remaining: await countNotUnderActive(tx) };
        });
        rewrapped += step.count;
        remaining = step.remaining;
        // Nothing picked: done, or the rest is locked by a concurrent run that will finish it.
        if (step.count === 0) break;
        await onProgress?.({ rewrapped, remaining });
      }
      const retiredKekIds = await db.unsafeAsSystem('crypto: retire unreferenced KEKs', async (tx) => {
        await registerActive(tx, now);
        return retireUnreferencedKeks(tx, now);
      });
      return { rewrapped, remaining, activeKekId: keys.activeKekId(), retiredKekIds };
    },

    async rotateWorkspaceDek(workspaceId, now = new Date()) {
      return db.withWorkspace(workspaceId, async (tx) => {
        const current = await tx
          .selectFrom('data_keys')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('state', '=', 'active')
          .forUpdate()
          .executeTakeFirst();
        if (current !== undefined) await tx.updateTable('data_keys').set({ state: 'retired', retired_at: now }).where('id', '=', current.id).execute();
        await createDek(tx, workspaceId);
        const created = await activeDek(tx, workspaceId);
        return { dekId: created.id, retiredDekId: current?.id };
      });
    },

    async reencryptWorkspaceSecrets(workspaceId, { batchSize = 100, onProgress } = {}) {
      let reencrypted = 0;
      for (const col of secretColumns) {
        const name = `${col.table}.${col.column}`;
        const table = sql.table(col.table);
        const rowId = sql.ref(col.rowIdColumn);
        const value = sql.ref(col.column);
        const staleUnder = (dekId: string) => sql<boolean>`${value} IS NOT NULL AND ${value} NOT LIKE ${`${sealedPrefixOf(dekId)}%`}`;
        // Counted once per column, not per batch: a rotated DEK gets no new values (activeDek's FOR
        // SHARE), so what is left is this count less what the batches moved.
        const total = await db.withWorkspace(workspaceId, async (tx) => {
          const dek = await activeDek(tx, workspaceId);
          const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${table} WHERE ${staleUnder(dek.id)}`.execute(tx);
          return rows[0]?.n ?? 0;
        });
        let done = 0;
        // Keyset over the row id (its index): each batch reads only the rows after the last one.
        let after: string | null = null;
        for (;;) {
          const from: string | null = after;
          const step: { count: number; last: string | null } = await db.withWorkspace(workspaceId, async (tx) => {
            const dek = await activeDek(tx, workspaceId);
            const { rows } = await sql<{ row_id: string; value: string }>`
              SELECT ${rowId}::text AS row_id, ${value} AS value
              FROM ${table} WHERE ${staleUnder(dek.id)} ${from === null ? sql`` : sql`AND ${rowId} > ${from}`}
              ORDER BY ${rowId} LIMIT ${batchSize} FOR UPDATE`.execute(tx);
            const first = rows[0];
            const last = rows.at(-1);
            if (first === undefined || last === undefined) return { count: 0, last: from };
            const resealed = [];
            for (const row of rows) {
              const place: SecretPlace = { table: col.table, column: col.column, rowId: row.row_id, workspaceId };
              resealed.push(sql`(${row.row_id}, ${sealWith(dek, place, await openAt(tx, place, row.value))})`);
            }
            // One statement per batch. The id range keeps it on the index; the text match picks
            // exactly the rows read above (locked by FOR UPDATE since).
            const updated = await sql`UPDATE ${table} SET ${value} = v.value FROM (VALUES ${sql.join(resealed)}) AS v(row_id, value)
                      WHERE ${rowId} >= ${first.row_id} AND ${rowId} <= ${last.row_id} AND ${rowId}::text = v.row_id`.execute(tx);
            if (Number(updated.numAffectedRows ?? -1) !== rows.length) throw new Error(`re-encryption of ${name} updated ${String(updated.numAffectedRows)} of ${rows.length} rows`);
            return { count: rows.length, last: last.row_id };
          });
          if (step.count === 0) break;
          after = step.last;
          reencrypted += step.count;
          done += step.count;
          await onProgress?.({ workspaceId, column: name, reencrypted, remaining: Math.max(0, total - done) });
        }
      }
      // SECURITY: a retired DEK is deleted only when no value anywhere still names it.
      const deletedDataKeys = await db.withWorkspace(workspaceId, async (tx) => {
        const retired = await tx.selectFrom('data_keys').select('id').where('workspace_id', '=', workspaceId).where('state', '=', 'retired').forUpdate().execute();
        let deleted = 0;
        for (const { id } of retired) {
          let referenced = false;
          for (const col of secretColumns) {
            const hit = await sql`SELECT 1 FROM ${sql.table(col.table)} WHERE ${sql.ref(col.column)} LIKE ${`${sealedPrefixOf(id)}%`} LIMIT 1`.execute(tx);
            if (hit.rows.length > 0) referenced = true;
          }
          if (referenced) continue;
          await tx.deleteFrom('data_keys').where('id', '=', id).execute();
          cache.delete(id);
          deleted += 1;
        }
        return deleted;
      });
      return { workspaceId, reencrypted, deletedDataKeys };
    },

    async reencryptPendingWorkspaces(batch = {}) {
      const pending = await db.unsafeAsSystem('crypto: list workspaces with retired data keys', (tx) =>
        tx.selectFrom('data_keys').select('workspace_id').distinct().where('state', '=', 'retired').where('workspace_id', 'is not', null).execute(),
      );
      const reports: ReencryptReport[] = [];
      for (const { workspace_id } of pending) reports.push(await vault.reencryptWorkspaceSecrets(workspace_id as string, batch));
      return reports;
    },

    async destroyWorkspaceKeys(workspaceId) {
      const deleted = await db.withWorkspace(workspaceId, (tx) => tx.deleteFrom('data_keys').where('workspace_id', '=', workspaceId).returning('id').execute());
      for (const [id, dek] of cache) if (dek.workspaceId === workspaceId) cache.delete(id);
      for (const { id } of deleted) cache.delete(id);
      return deleted.length;
    },

    async keysStatus(now = new Date()) {
      return db.unsafeAsSystem('crypto: key status', async (tx) => {
        const activeKekId = keys.activeKekId();
        const activatedAt = await registerActive(tx, now);
        const registry = await tx.selectFrom('key_encryption_keys').selectAll().execute();
        const usage = await tx.selectFrom('data_keys').select(['kek_id', sql<number>`count(*)::int`.as('n')]).groupBy('kek_id').execute();
        const totals = await tx
          .selectFrom('data_keys')
          .select([
            sql<number>`count(*)::int`.as('total'),
            sql<number>`(count(*) FILTER (WHERE kek_id = ${activeKekId}))::int`.as('under'),
            sql<number>`(count(*) FILTER (WHERE state = 'retired'))::int`.as('retired'),
            sql<number>`(count(DISTINCT workspace_id) FILTER (WHERE state = 'retired'))::int`.as('pending'),
          ])
          .executeTakeFirstOrThrow();
        const ring = new Set(keys.kekIds());
        const ids = [...new Set([...keys.kekIds(), ...usage.map((u) => u.kek_id)])];
        const keks = ids.map((id): KekStatus => {
          const reg = registry.find((r) => r.id === id);
          const dataKeys = usage.find((u) => u.kek_id === id)?.n ?? 0;
          const since = reg === undefined ? null : new Date(reg.activated_at);
          return {
            id,
            active: id === activeKekId,
            inRing: ring.has(id),
            activatedAt: since,
            ageDays: since === null ? null : Math.floor((now.getTime() - since.getTime()) / DAY_MS),
            retiredAt: reg?.retired_at == null ? null : new Date(reg.retired_at),
            dataKeys,
            removable: id !== activeKekId && dataKeys === 0,
          };
        });
        const nextRotationAt = new Date(activatedAt.getTime() + rotationDays * DAY_MS);
        return {
          source: keys.source,
          activeKekId,
          rotationDays,
          nextRotationAt,
          rotationDue: now.getTime() >= nextRotationAt.getTime(),
          keks,
          rewrap: { dataKeys: totals.total, underActiveKek: totals.under, remaining: totals.total - totals.under },
          reencryption: { retiredDataKeys: totals.retired, workspacesPending: totals.pending },
        };
      });
    },

    forgetCachedKeys() {
      cache.clear();
    },
  };
  return vault;
}
