// Opens the database (embedded PGlite or a PostgreSQL server) and hands out the only kinds of
// transaction request code may use. Guarantees: every transaction runs as the app role (no
// BYPASSRLS, owns nothing), and tenant rows are reachable only through withWorkspace().
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { applyMigrations, type MigrationReport, type OwnerSession } from './migrate.js';
import type { DB } from './types.js';

export const APP_ROLE = 'throughline_app';
export const SYSTEM_ROLE = 'throughline_system';
export const RETENTION_ROLE = 'throughline_retention';

/** Per-statement ceiling inside request transactions; a runaway query fails instead of piling up. */
const STATEMENT_TIMEOUT = '15s';

declare const appTxBrand: unique symbol;
declare const userTxBrand: unique symbol;
declare const workspaceTxBrand: unique symbol;
declare const challengeTxBrand: unique symbol;
declare const systemTxBrand: unique symbol;
declare const retentionTxBrand: unique symbol;

/** A transaction running as the app role with no tenant selected: tenant tables show no rows. */
export type AppTx = Transaction<DB> & { readonly [appTxBrand]: true };
/** An app-role transaction that may also read the memberships and workspaces of one user. */
export type UserTx = AppTx & { readonly [userTxBrand]: true };
/** An app-role transaction scoped by RLS to one workspace. Tenant queries take this first. */
export type WorkspaceTx = AppTx & { readonly [workspaceTxBrand]: true };
/** An app-role transaction that may also reach one anonymous WebAuthn sign-in challenge, by its id. */
export type ChallengeTx = AppTx & { readonly [challengeTxBrand]: true };

/** A transaction as the platform role: cross-tenant only where a policy names that role. */
export type SystemTx = Transaction<DB> & { readonly [systemTxBrand]: true };
/** A transaction as the retention role: the only role the audit log's append-only trigger lets delete. */
export type RetentionTx = Transaction<DB> & { readonly [retentionTxBrand]: true };

export type DatabaseKind = 'embedded' | 'postgres';

/**
 * What the job queue (src/jobs, pg-boss) connects with: the embedded PGlite itself, or the owner's
 * connection string. Either one skips the role switch, so nothing but the job queue may use it.
 */
export type JobQueueConnection = { kind: 'embedded'; pglite: PGlite } | { kind: 'postgres'; ownerUrl: string };

export interface Database {
  readonly kind: DatabaseKind;
  /** Runs fn in a transaction that can see and write only `workspaceId`'s tenant rows. */
  withWorkspace<T>(workspaceId: string, fn: (tx: WorkspaceTx) => Promise<T>): Promise<T>;
  /** Runs fn as the app role with the user's own memberships visible (and no tenant rows). */
  withUser<T>(userId: string, fn: (tx: UserTx) => Promise<T>): Promise<T>;
  /** Runs fn as the app role with no tenant and no user: platform tables only. */
  withAppRole<T>(fn: (tx: AppTx) => Promise<T>): Promise<T>;
  /**
   * Runs fn as the app role with one anonymous WebAuthn sign-in challenge reachable (policy
   * webauthn_challenges_anonymous in 0005_identity.sql), found by the random id the browser holds
   * in an HttpOnly cookie. No user and no tenant: nothing else becomes visible.
   */
  withChallenge<T>(challengeId: string, fn: (tx: ChallengeTx) => Promise<T>): Promise<T>;
  /**
   * Runs fn as the platform role for cross-tenant work (rotation, retention, verification).
   * Every call names its reason and is logged; grep `unsafeAsSystem` to review them all.
   */
  unsafeAsSystem<T>(reason: string, fn: (tx: SystemTx) => Promise<T>): Promise<T>;
  /**
   * Runs fn as the retention role, which may delete expired audit entries. Every call names its
   * reason and is logged like unsafeAsSystem; grep `unsafeAsRetention` to review them all.
   */
  unsafeAsRetention<T>(reason: string, fn: (tx: RetentionTx) => Promise<T>): Promise<T>;
  /**
   * For src/jobs only: the connection pg-boss runs its own schema on. Embedded: the PGlite instance
   * (whose only session is a superuser). PostgreSQL: DATABASE_OWNER_URL, because pg-boss creates and
   * migrates its schema itself and the app login must not be able to. Job handlers never use it:
   * they work through the transaction kinds above. grep `unsafeJobQueueConnection` to review.
   */
  unsafeJobQueueConnection(): JobQueueConnection;
  /** Applies pending migrations with the owner's connection. */
  migrate(): Promise<MigrationReport>;
  /** Throws unless a round trip to the database succeeds. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DatabaseSetupError extends Error {
  override name = 'DatabaseSetupError';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function assertUuid(value: string, what: string): void {
  // A malformed id would make the policy's ::uuid cast raise inside the query; refuse it early.
  if (!UUID.test(value)) throw new TypeError(`${what} must be a UUID`);
}

export interface DatabaseOptions {
  /** Absent: embedded PGlite under dataDir. */
  databaseUrl?: string | undefined;
  /** Connection used for migrations; defaults to databaseUrl. */
  ownerUrl?: string | undefined;
  dataDir: string;
  /** An already-open PGlite (tests load a migrated template into memory). */
  pglite?: PGlite;
  poolSize?: number;
  /** Told about every unsafeAsSystem call (the audit log, once wired; a logger meanwhile). */
  onSystemAccess?: (reason: string) => void;
  /** Told when the server drops an idle pooled connection (logged; the pool reconnects). */
  onPoolError?: (error: Error) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const onSystemAccess = options.onSystemAccess ?? (() => undefined);
  if (options.databaseUrl === undefined) return openEmbedded(options, onSystemAccess);
  return openServer(options.databaseUrl, options.ownerUrl ?? options.databaseUrl, options.poolSize ?? 10, onSystemAccess, options.onPoolError ?? (() => undefined));
}

type SystemAccessListener = (reason: string) => void;

async function openEmbedded(options: DatabaseOptions, onSystemAccess: SystemAccessListener): Promise<Database> {
  let pglite = options.pglite;
  if (pglite === undefined) {
    const dir = path.join(options.dataDir, 'pgdata');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    pglite = await PGlite.create(dir);
  }
  const embedded = pglite;
  // PGlite's only user is a superuser; the app role is switched to inside every transaction,
  // so RLS applies exactly as on a server. (The embedded database has no network listener.)
  const app = new Kysely<DB>({ dialect: new PGliteDialect({ pglite: embedded }) });
  const owner = pgliteOwnerSession(embedded);
  return buildDatabase('embedded', app, onSystemAccess, {
    jobQueue: { kind: 'embedded', pglite: embedded },
    migrate: () => applyMigrations(owner),
    close: async () => {
      if (!embedded.closed) await embedded.close();
    },
  });
}

/** The owner's session on an embedded database (its only user, a superuser). */
export function pgliteOwnerSession(pglite: PGlite): OwnerSession {
  return {
    exec: async (script) => void (await pglite.exec(script)),
    query: async <R>(text: string, params: unknown[] = []) => (await pglite.query<R>(text, params)).rows,
  };
}

/** The owner's session over one pg client (simple protocol for scripts, so DDL files run whole). */
export function pgOwnerSession(client: pg.Client): OwnerSession {
  return {
    exec: async (script) => void (await client.query(script)),
    query: async <R>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as R[],
  };
}

async function openServer(
  databaseUrl: string,
  ownerUrl: string,
  poolSize: number,
  onSystemAccess: SystemAccessListener,
  onPoolError: (error: Error) => void,
): Promise<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, types: { getTypeParser: parseTypes } });
  // An idle connection the server ends (restart, failover, idle_session_timeout) emits 'error' on
  // the pool; unhandled, that would crash the process. The pool replaces the client on next use.
  pool.on('error', (error) => onPoolError(error));
  const app = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  try {
    await assertSafeAppLogin(pool);
  } catch (error) {
    await app.destroy();
    throw error;
  }
  return buildDatabase('postgres', app, onSystemAccess, {
    jobQueue: { kind: 'postgres', ownerUrl },
    migrate: async () => {
      const client = new pg.Client({ connectionString: ownerUrl });
      await client.connect();
      try {
        return await applyMigrations(pgOwnerSession(client));
      } finally {
        await client.end();
      }
    },
    close: () => app.destroy(),
  });
}

const INT8_OID = 20;

// bigint (money in minor units, counts) as a JS number, as PGlite returns it: both drivers agree,
// and every value we store in bigint stays far below 2^53.
const parseTypes = ((oid: number, format?: 'text' | 'binary') =>
  oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;

/**
 * SECURITY: the login the app serves requests with must not be able to skip RLS. A superuser or
 * BYPASSRLS login would turn every policy into a no-op for any code path that forgot a role switch.
 */
async function assertSafeAppLogin(pool: pg.Pool): Promise<void> {
  let row: { rolsuper: boolean; rolbypassrls: boolean } | undefined;
  try {
    const result = await pool.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
      'SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user',
    );
    row = result.rows[0];
  } catch {
    throw new DatabaseSetupError('DATABASE_URL: cannot connect to the PostgreSQL server');
  }
  if (row === undefined || row.rolsuper || row.rolbypassrls) {
    throw new DatabaseSetupError(
      'DATABASE_URL must log in as a role that is neither superuser nor BYPASSRLS (see docs/operations/postgres.md); use DATABASE_OWNER_URL for migrations',
    );
  }
}

/** What a transaction may see besides platform tables; unset settings match no row. */
interface Scope {
  workspaceId?: string;
  userId?: string;
  challengeId?: string;
}

function buildDatabase(
  kind: DatabaseKind,
  app: Kysely<DB>,
  onSystemAccess: SystemAccessListener,
  lifecycle: { jobQueue: JobQueueConnection; migrate: () => Promise<MigrationReport>; close: () => Promise<void> },
): Database {
  // SECURITY: the only code that sets the role and tenant settings. set_config(..., true) is
  // transaction-local, so nothing survives into the next use of a pooled connection.
  async function inRole<T>(role: string, scope: Scope, fn: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return app.transaction().execute(async (trx) => {
      await sql`SELECT set_config('role', ${role}, true),
                       set_config('statement_timeout', ${STATEMENT_TIMEOUT}, true),
                       set_config('app.workspace_id', ${scope.workspaceId ?? ''}, true),
                       set_config('app.user_id', ${scope.userId ?? ''}, true),
                       set_config('app.challenge_id', ${scope.challengeId ?? ''}, true)`.execute(trx);
      return fn(trx);
    });
  }

  return {
    kind,
    async withWorkspace(workspaceId, fn) {
      assertUuid(workspaceId, 'workspaceId');
      return inRole(APP_ROLE, { workspaceId }, (trx) => fn(trx as WorkspaceTx));
    },
    async withUser(userId, fn) {
      assertUuid(userId, 'userId');
      return inRole(APP_ROLE, { userId }, (trx) => fn(trx as UserTx));
    },
    withAppRole(fn) {
      return inRole(APP_ROLE, {}, (trx) => fn(trx as AppTx));
    },
    async withChallenge(challengeId, fn) {
      assertUuid(challengeId, 'challengeId');
      return inRole(APP_ROLE, { challengeId }, (trx) => fn(trx as ChallengeTx));
    },
    async unsafeAsSystem(reason, fn) {
      if (reason.trim() === '') throw new TypeError('unsafeAsSystem needs a reason');
      onSystemAccess(reason);
      return inRole(SYSTEM_ROLE, {}, (trx) => fn(trx as SystemTx));
    },
    async unsafeAsRetention(reason, fn) {
      if (reason.trim() === '') throw new TypeError('unsafeAsRetention needs a reason');
      onSystemAccess(reason);
      return inRole(RETENTION_ROLE, {}, (trx) => fn(trx as RetentionTx));
    },
    unsafeJobQueueConnection: () => lifecycle.jobQueue,
    migrate: lifecycle.migrate,
    async ping() {
      await sql`SELECT 1`.execute(app);
    },
    close: lifecycle.close,
  };
}
