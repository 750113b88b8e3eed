// `throughline admin grant|revoke <email>`: makes an account a platform admin, or stops it being
// one. Runs as the database owner: the app role has no UPDATE grant on users.is_platform_admin, so
// no request path, however compromised, can promote anyone. Every change is on the platform audit
// chain ('admin.platform_admin.granted' / '...revoked'), with the operating-system user as actor.
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createAuditService, type AuditService } from '../audit/index.js';
import type { Config } from '../config.js';
import { openDatabase, pgOwnerSession, pgliteOwnerSession, type Database, type OwnerSession } from '../db/index.js';

export type PlatformAdminChange = { found: false } | { found: true; userId: string; email: string; changed: boolean };

/** Sets users.is_platform_admin for the account with this email (case-insensitive), as the owner. */
export async function setPlatformAdmin(
  owner: OwnerSession,
  audit: Pick<AuditService, 'record'>,
  email: string,
  admin: boolean,
  actor: string,
): Promise<PlatformAdminChange> {
  const rows = await owner.query<{ id: string; email: string; was: boolean }>(
    `UPDATE users AS u SET is_platform_admin = $2, updated_at = now()
       FROM (SELECT id, is_platform_admin AS was FROM users WHERE lower(email) = lower($1) FOR UPDATE) AS prev
      WHERE u.id = prev.id
      RETURNING u.id, u.email, prev.was`,
    [email.trim(), admin],
  );
  const row = rows[0];
  if (row === undefined) return { found: false };
  const changed = row.was !== admin;
  if (changed) {
    await audit.record(
      { action: admin ? 'admin.platform_admin.granted' : 'admin.platform_admin.revoked', target: { type: 'user', id: row.id }, details: { email: row.email } },
      { actor: { kind: 'system', id: actor } },
    );
  }
  return { found: true, userId: row.id, email: row.email, changed };
}

export interface AdminCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

function operatingSystemUser(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** Opens the configured database with its owner's session beside it (the same PGlite when embedded). */
async function openWithOwner(config: Config): Promise<{ db: Database; owner: OwnerSession; close(): Promise<void> }> {
  if (config.DATABASE_URL === undefined) {
    // The same data directory openDatabase() uses for the embedded database (src/db/database.ts).
    const dir = path.join(config.DATA_DIR, 'pgdata');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const pglite = await PGlite.create(dir);
    const db = await openDatabase({ dataDir: config.DATA_DIR, pglite });
    return { db, owner: pgliteOwnerSession(pglite), close: () => db.close() };
  }
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, ownerUrl: config.DATABASE_OWNER_URL, dataDir: config.DATA_DIR });
  const client = new pg.Client({ connectionString: config.DATABASE_OWNER_URL ?? config.DATABASE_URL });
  try {
    await client.connect();
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    db,
    owner: pgOwnerSession(client),
    async close() {
      await client.end();
      await db.close();
    },
  };
}

export async function runAdminCommand(config: Config, io: AdminCommandIo, action: 'grant' | 'revoke', email: string): Promise<number> {
  const opened = await openWithOwner(config);
  try {
    await opened.db.migrate();
    const result = await setPlatformAdmin(opened.owner, createAuditService({ db: opened.db }), email, action === 'grant', operatingSystemUser());
    if (!result.found) {
      io.err(`throughline: no account uses the email ${email}`);
      return 1;
    }
    if (!result.changed) io.out(`${result.email} ${action === 'grant' ? 'is already' : 'is not'} a platform admin; nothing changed.`);
    else if (action === 'grant') io.out(`${result.email} is now a platform admin (the admin API also needs a session signed in with a second factor).`);
    else io.out(`${result.email} is no longer a platform admin (effective at their next request).`);
    return 0;
  } catch (error) {
    if (error instanceof Error && /permission denied/i.test(error.message)) {
      io.err('throughline: the database login may not change platform admins; set DATABASE_OWNER_URL to the owner login');
      return 1;
    }
    throw error;
  } finally {
    await opened.close();
  }
}
