// A throwaway database on a PostgreSQL server for one benchmark run: created as a superuser,
// served to the app through a non-superuser login that is a member of throughline_app, and
// dropped afterwards. Used only when BENCH_DATABASE_URL is set or a local server answers.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Trust-auth superuser on the local cluster (the Debian default for loopback in this setup). */
const LOCAL_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** The benchmark's app login; a member of throughline_app, never superuser or BYPASSRLS. */
export const BENCH_APP_LOGIN = 'tl_bench_app';

export interface ThrowawayDatabase {
  name: string;
  /** Superuser connection to the throwaway database: migrations and the no-RLS baseline. */
  ownerUrl: string;
  /** The app login's connection to the throwaway database. */
  appUrl: string;
  drop(): Promise<void>;
}

function withDatabase(connectionString: string, database: string, user?: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${database}`;
  if (user !== undefined) {
    url.username = user;
    url.password = '';
  }
  return url.toString();
}

/**
 * The admin (superuser) connection string, or undefined when none is configured and no local
 * server answers. BENCH_DATABASE_URL, when set, must work: a typo should not turn into a skip.
 */
export async function findAdminUrl(): Promise<string | undefined> {
  const configured = process.env.BENCH_DATABASE_URL;
  const url = configured !== undefined && configured !== '' ? configured : LOCAL_ADMIN_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
  } catch (error) {
    if (url === configured) throw new Error(`BENCH_DATABASE_URL: cannot connect (${error instanceof Error ? error.message : 'unknown error'})`);
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
  return url;
}

export async function createThrowawayDatabase(adminUrl: string): Promise<ThrowawayDatabase> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
    // The baseline reads the RLS-protected table without RLS: only a superuser can (FORCE RLS
    // applies to the table owner too).
    if (rows[0]?.rolsuper !== true) throw new Error('the benchmark database URL must log in as a superuser (it creates roles and a throwaway database)');
    // Same attributes as migration 0001 creates, so whichever runs first the role is the same.
    // duplicate_object: a concurrent run created it between the check and the CREATE.
    await admin.query(`DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'throughline_app') THEN
          CREATE ROLE throughline_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${BENCH_APP_LOGIN}') THEN
          CREATE ROLE ${BENCH_APP_LOGIN} LOGIN NOSUPERUSER NOBYPASSRLS IN ROLE throughline_app;
        END IF;
      EXCEPTION WHEN duplicate_object THEN NULL;
      END $$`);
    const { rows: members } = await admin.query(
      `SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE r.rolname = 'throughline_app' AND u.rolname = $1`,
      [BENCH_APP_LOGIN],
    );
    if (members.length === 0) await admin.query(`GRANT throughline_app TO ${BENCH_APP_LOGIN}`);
    const name = `tl_bench_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    return {
      name,
      ownerUrl: withDatabase(adminUrl, name),
      appUrl: withDatabase(adminUrl, name, BENCH_APP_LOGIN),
      async drop() {
        const dropper = new pg.Client({ connectionString: adminUrl });
        await dropper.connect();
        try {
          // pg-pool's end() resolves before the server has seen every connection go; forcing the
          // drop at once would kill those sessions and make their pools emit 'error'. Wait first.
          for (let i = 0; i < 100; i++) {
            const { rows: sessions } = await dropper.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1', [name]);
            if (sessions.length === 0) break;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await dropper.end();
        }
      },
    };
  } finally {
    await admin.end();
  }
}
