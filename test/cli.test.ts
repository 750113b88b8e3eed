// The README's first command: `npm start` runs `throughline demo`. These drive the same CLI
// in-process (runCli) on a fresh data directory or, in CI, the suite's PostgreSQL database.
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/main.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

function io(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { env, out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('throughline CLI', () => {
  it('prints help for every command', async () => {
    for (const command of ['serve', 'worker', 'migrate', 'demo', 'keys status', 'keys rotate', 'audit verify']) {
      const run = io({});
      const result = await runCli([...command.split(' '), '--help'], run.io);
      expect(result.code).toBe(0);
      expect(run.out.join('\n')).toContain(`Usage: throughline ${command}`);
    }
  });

  it('stops on a bad setting with one line naming it, and no secret', async () => {
    const run = io({ PORT: '99999', DATABASE_URL: 'postgres://admin:Hunter2Secret@db/prod' });
    const result = await runCli(['serve'], run.io);
    expect(result.code).toBe(1);
    expect(run.err).toEqual(['throughline: invalid configuration: PORT must be a port number between 0 and 65535']);
    expect(run.out).toEqual([]);
  });

  it('refuses the demo in production', async () => {
    const run = io({ NODE_ENV: 'production', PUBLIC_URL: 'https://analytics.example.com', DATA_DIR: '/nonexistent/never-created' });
    const result = await runCli(['demo'], run.io);
    expect(result.code).toBe(1);
    expect(run.err.join('\n')).toMatch(/NODE_ENV is production: the demo/);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('refuses a superuser login for the app connection', async () => {
    const superuser = new URL(process.env.TEST_DATABASE_OWNER_URL ?? '');
    superuser.username = 'postgres';
    const run = io({ DATABASE_URL: superuser.toString(), PORT: '0' });
    const result = await runCli(['migrate'], run.io);
    expect(result.code).toBe(1);
    expect(run.err.join('\n')).toMatch(/neither superuser nor BYPASSRLS/);
  });

  it('runs the demo: migrates, seeds once, serves, and prints the URL and login', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tl-demo-'));
    let env: Record<string, string> = { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' };
    if (process.env.TEST_DATABASE_URL) {
      const database: TestDatabase = await createTestDatabase();
      await database.db.close();
      cleanups.push(() => database.close());
      env = { ...env, DATABASE_URL: database.urls?.app ?? '', DATABASE_OWNER_URL: database.urls?.owner ?? '' };
    }
    const first = io(env);
    const started = await runCli(['demo'], first.io);
    expect(started.code).toBe(0);
    const server = started.server;
    if (server === undefined) throw new Error('demo did not start a server');
    try {
      const text = first.out.join('\n');
      expect(text).toMatch(/running at http:\/\/127\.0\.0\.1:\d+/);
      expect(text).toContain('demo@throughline.local');
      expect(text).toContain('Demo workspace created');
      // The demo provider's first sync, through the sync engine, before the server listens.
      expect(text).toMatch(/Synced demo data \(demo-ads\) in [\d.]+ s: 3 ad accounts, 36 campaigns, [\d,]+ ad stats/);
      expect(text).toMatch(/Synced demo data \(demo-crm\) in [\d.]+ s: [\d,]+ contacts, [\d,]+ leads, [\d,]+ deals/);
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(200);
      // Embedded, the demo runs the job worker itself (WORKER_IN_PROCESS defaults to true there only).
      const jobNames = server.jobs?.queue.definitions.map((d) => d.name);
      expect(jobNames).toEqual(process.env.TEST_DATABASE_URL ? undefined : ['keys.maintenance', 'audit.retention', 'sync.integration', 'sync.schedule']);
    } finally {
      await server.close();
    }
    const passwordFile = path.join(dataDir, 'demo-login.txt');
    const password = (await readFile(passwordFile, 'utf8')).trim();
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect((await stat(passwordFile)).mode & 0o777).toBe(0o600);
    expect(first.out.join('\n')).toContain(password);

    const second = io(env);
    const again = await runCli(['demo'], second.io);
    await again.server?.close();
    expect(second.out.join('\n')).toContain('Demo workspace already present');
    expect(second.out.join('\n')).toContain(password);

    const keysStatus = io(env);
    expect((await runCli(['keys', 'status'], keysStatus.io)).code).toBe(0);
    const rotate = io(env);
    expect((await runCli(['keys', 'rotate'], rotate.io)).code).toBe(0);
    const after = io(env);
    expect((await runCli(['keys', 'status'], after.io)).code).toBe(0);
    expect(after.out.join('\n')).not.toBe(keysStatus.out.join('\n'));
    const activeKid = (lines: string[]) => /^ {2}(\S+) {2}created \S+ {2}active$/m.exec(lines.join('\n'))?.[1];
    const kidBefore = activeKid(after.out);
    expect(kidBefore).toBeDefined();
    const rotateJwt = io(env);
    expect((await runCli(['keys', 'rotate', '--jwt'], rotateJwt.io)).code).toBe(0);
    expect(rotateJwt.out.join('\n')).toContain(`(was ${kidBefore})`);
    const afterJwt = io(env);
    expect((await runCli(['keys', 'status'], afterJwt.io)).code).toBe(0);
    expect(activeKid(afterJwt.out)).not.toBe(kidBefore);
    expect(afterJwt.out.join('\n')).toContain(`${kidBefore}  created`);
    expect((await stat(path.join(dataDir, 'encryption-keys'))).mode & 0o777).toBe(0o600);

    const verify = io(env);
    expect((await runCli(['audit', 'verify'], verify.io)).code).toBe(0);
    expect(verify.out.join('\n')).toMatch(/audit log intact/);

    // With the demo stopped, the worker runs alone on the same database until it is stopped.
    const jobs = io(env);
    const worker = await runCli(['worker'], jobs.io);
    expect(worker.code).toBe(0);
    expect(worker.worker).toBeDefined();
    await worker.worker?.close();
    expect(jobs.out).toEqual([
      'Throughline worker is running: keys.maintenance (17 3 * * * UTC), audit.retention (47 3 * * * UTC), sync.integration (on demand UTC), sync.schedule (*/5 * * * * UTC)',
    ]);
    expect(jobs.err.join('\n')).toMatch(process.env.TEST_DATABASE_URL ? /^$/ : /do not run serve or demo on it at the same time/);
  }, 90_000);
});
