import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { applyMigrations, readMigrationFiles } from './migrate.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());

describe('migrations', () => {
  it('are numbered in sequence and recorded with their checksums', async () => {
    const files = await readMigrationFiles();
    const recorded = await t.owner.query<{ version: string; checksum: string }>('SELECT version, checksum FROM schema_migrations ORDER BY version');
    expect(recorded).toEqual(files.map((f) => ({ version: f.version, checksum: f.checksum })));
  });

  it('re-run as a no-op', async () => {
    const report = await t.db.migrate();
    expect(report.applied).toEqual([]);
    expect(report.alreadyApplied).toBe((await readMigrationFiles()).length);
  });

  it('refuse to start when an applied migration was edited', async () => {
    const files = await readMigrationFiles();
    const edited = files.map((f, i) => (i === 0 ? { ...f, sql: `${f.sql}\n-- sneaky`, checksum: 'f'.repeat(64) } : f));
    await expect(applyMigrations(t.owner, edited)).rejects.toThrow(/edited after it was applied/);
  });

  it('roll back a failing migration entirely and record nothing', async () => {
    const files = await readMigrationFiles();
    const broken = { version: String(files.length + 1).padStart(4, '0'), name: 'broken', checksum: 'x', sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();' };
    await expect(applyMigrations(t.owner, [...files, broken])).rejects.toThrow(/broken failed: .*no_such_function/);
    const tables = await t.owner.query("SELECT 1 FROM pg_tables WHERE tablename = 'half_done'");
    expect(tables).toEqual([]);
    const recorded = await t.owner.query('SELECT 1 FROM schema_migrations WHERE version = $1', [broken.version]);
    expect(recorded).toEqual([]);
  });
});
