// A PostgreSQL server may end idle connections (restart, failover, idle_session_timeout): the
// process must survive it and the next query must succeed on a fresh connection.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';

const onServer = Boolean(process.env.TEST_DATABASE_URL);
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());

describe('pooled connections', () => {
  it.skipIf(!onServer)('survive the server terminating them while idle', async () => {
    await Promise.all([t.db.ping(), t.db.ping(), t.db.ping()]);
    // Terminating another login's sessions takes a superuser (CI's trust-auth postgres).
    const superuser = new URL(t.urls?.owner ?? '');
    superuser.username = 'postgres';
    const admin = new pg.Client({ connectionString: superuser.toString() });
    await admin.connect();
    const { rows } = await admin.query<{ terminated: boolean }>(
      'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND usename = $1',
      [new URL(t.urls?.app ?? '').username],
    );
    await admin.end();
    expect(rows.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(t.db.ping()).resolves.toBeUndefined();
  });
});
