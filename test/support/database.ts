// A private, migrated database for one test suite: PGlite in memory, or a fresh copy of the
// template database on a PostgreSQL server. `owner` runs SQL as the owner/superuser connection,
// for assertions about the schema and for attacks that need more power than the app has.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, pgOwnerSession, pgliteOwnerSession, type Database, type OwnerSession } from '../../src/db/index.js';
import { appUrl, ownerUrl, withDatabaseName } from './urls.js';

export interface TestDatabase {
  db: Database;
  kind: Database['kind'];
  owner: OwnerSession;
  /** Connection strings of this suite's database for the app and owner logins (postgres only). */
  urls?: { app: string; owner: string };
  close(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const target = inject('testDatabase');
  if (target.kind === 'embedded') {
    const tarball = await readFile(target.templateFile);
    const pglite = await PGlite.create({ loadDataDir: new Blob([tarball]) });
    const db = await openDatabase({ dataDir: '', pglite });
    return {
      db,
      kind: 'embedded',
      owner: pgliteOwnerSession(pglite),
      close: () => db.close(),
    };
  }
  const name = `${target.templateName}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ownerUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${target.templateName}`);
  const urls = { app: withDatabaseName(appUrl(), name), owner: withDatabaseName(ownerUrl(), name) };
  const db = await openDatabase({ databaseUrl: urls.app, ownerUrl: urls.owner, dataDir: '' });
  const owner = new pg.Client({ connectionString: urls.owner });
  await owner.connect();
  return {
    db,
    kind: 'postgres',
    urls,
    owner: pgOwnerSession(owner),
    async close() {
      await db.close();
      await owner.end();
      await dropWhenIdle(admin, name);
      await admin.end();
    },
  };
}

/** The app login's sessions end asynchronously after pool.end(); wait for them, then drop. */
async function dropWhenIdle(admin: pg.Client, name: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      return;
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Runs one query as the table owner with RLS lifted on `tables` for that transaction only (on
 * PostgreSQL the owner is no superuser, so FORCE ROW LEVEL SECURITY binds it too). FORCE is
 * restored before COMMIT, so the schema is unchanged afterwards. For attacks and dumps in tests.
 */
export async function queryAsOwnerWithoutRls<R>(owner: OwnerSession, tables: readonly string[], text: string, params: unknown[] = []): Promise<R[]> {
  await owner.exec('BEGIN');
  try {
    for (const table of tables) await owner.exec(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
    const rows = await owner.query<R>(text, params);
    for (const table of tables) await owner.exec(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    await owner.exec('COMMIT');
    return rows;
  } catch (error) {
    await owner.exec('ROLLBACK');
    throw error;
  }
}
