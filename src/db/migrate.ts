// Applies the plain SQL files in ./migrations in order, each in its own transaction, and records
// them with a SHA-256 checksum. Guarantees: re-running is a no-op; concurrent runners serialise on
// an advisory lock; an applied migration that was edited afterwards stops start-up.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The owner's connection: may run multi-statement scripts (DDL) and parameterised queries. */
export interface OwnerSession {
  exec(script: string): Promise<void>;
  query<R>(text: string, params?: unknown[]): Promise<R[]>;
}

export interface MigrationFile {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// An arbitrary constant shared by every Throughline process: "schema migration in progress".
const MIGRATION_LOCK_ID = 720_351_901;

export async function readMigrationFiles(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const fileName of names) {
    const match = FILE_NAME.exec(fileName);
    if (match === null) throw new MigrationError(`migration file name ${fileName} must look like 0001_name.sql`);
    const sql = await readFile(`${dir}/${fileName}`, 'utf8');
    files.push({
      version: match[1] as string,
      name: match[2] as string,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  files.forEach((file, i) => {
    if (Number(file.version) !== i + 1) throw new MigrationError(`migration ${file.version} is out of sequence`);
  });
  return files;
}

export async function applyMigrations(owner: OwnerSession, files?: MigrationFile[]): Promise<MigrationReport> {
  const migrations = files ?? (await readMigrationFiles());
  // The lock comes first: two processes starting on a fresh database must not race to create
  // the ledger itself.
  await owner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
  try {
    await owner.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    text PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await owner.query<{ version: string; checksum: string }>('SELECT version, checksum FROM schema_migrations');
    const applied = new Map(rows.map((r) => [r.version, r.checksum]));
    const report: MigrationReport = { applied: [], alreadyApplied: 0 };
    for (const migration of migrations) {
      const recorded = applied.get(migration.version);
      if (recorded !== undefined) {
        // SECURITY: a reviewed migration edited after it ran means the schema in production is
        // no longer what the repository says. Refuse rather than silently diverge.
        if (recorded !== migration.checksum) {
          throw new MigrationError(`migration ${migration.version}_${migration.name} was edited after it was applied; add a new migration instead`);
        }
        report.alreadyApplied += 1;
        continue;
      }
      await runInTransaction(owner, migration);
      report.applied.push(`${migration.version}_${migration.name}`);
    }
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...applied.keys()].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      throw new MigrationError(`the database has migrations this build does not know (${unknown.join(', ')}); run a newer build`);
    }
    return report;
  } finally {
    await owner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
  }
}

async function runInTransaction(owner: OwnerSession, migration: MigrationFile): Promise<void> {
  await owner.exec('BEGIN');
  try {
    await owner.exec(migration.sql);
    await owner.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
      migration.version,
      migration.name,
      migration.checksum,
    ]);
    await owner.exec('COMMIT');
  } catch (error) {
    await owner.exec('ROLLBACK');
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${migration.version}_${migration.name} failed: ${reason}`);
  }
}
