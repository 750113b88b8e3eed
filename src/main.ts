#!/usr/bin/env node
// The `throughline` command line: serve | worker | migrate | demo | keys status|rotate | admin grant|revoke | audit verify. The only place, with app.ts, that knows
// every module. Configuration errors end the process with one line naming the variable.
import { realpathSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { runAdminCommand } from './admin/index.js';
import { createAuditService, runAuditVerifyCommand } from './audit/index.js';
import { openSigningKeys } from './auth/index.js';
import { runKeysCommand, type KeysSubcommand } from './crypto/index.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { DatabaseSetupError, MigrationError } from './db/index.js';
import { seedDemo } from './demo/seed.js';
import { createLogger } from './observability/logger.js';
import { PACKAGE_VERSION } from './paths.js';
import { openConfiguredDatabase, openVault, startJobs, startServer, type RunningServer } from './server.js';

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: CliIo = {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Errors whose message is written for an operator and safe to print as is. */
function operatorMessage(error: unknown): string | undefined {
  if (error instanceof ConfigError) return `invalid configuration: ${error.message}`;
  if (error instanceof DatabaseSetupError || error instanceof MigrationError) return error.message;
  if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') return 'the port is already in use (set PORT)';
  if (error instanceof Error && 'code' in error && error.code === 'ENOENT' && 'path' in error) return `cannot read ${String(error.path)}`;
  return undefined;
}

/** A long-running command's handle: the server, or the worker. */
export interface RunningProcess {
  close(): Promise<void>;
}

function stopOnSignals(server: RunningProcess, io: CliIo): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    io.err(`throughline: ${signal} received, shutting down`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

async function serve(config: Config, io: CliIo): Promise<RunningServer> {
  const server = await startServer(config, createLogger({ level: config.LOG_LEVEL }));
  io.out(`Throughline is listening at ${server.url}`);
  return server;
}

async function worker(config: Config, io: CliIo): Promise<RunningProcess> {
  const logger = createLogger({ level: config.LOG_LEVEL });
  if (config.DATABASE_URL === undefined) {
    // Nothing stops two processes opening one PGlite directory, and both writing corrupts it.
    io.err(`throughline: embedded database in ${config.DATA_DIR}: do not run serve or demo on it at the same time (they run the worker themselves)`);
  }
  const db = await openConfiguredDatabase(config, logger);
  try {
    await db.migrate();
    const vault = await openVault(config, db, (message) => logger.warn(message));
    const jobs = await startJobs(config, db, vault, logger.child({ module: 'jobs' }));
    io.out(`Throughline worker is running: ${jobs.queue.definitions.map((d) => `${d.name} (${d.schedule ?? 'on demand'} UTC)`).join(', ')}`);
    return {
      async close() {
        await jobs.stop();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function demo(config: Config, io: CliIo): Promise<RunningServer> {
  // SECURITY: the demo creates a user with a printed password; never on a production deployment.
  if (config.NODE_ENV === 'production') throw new ConfigError('NODE_ENV', 'is production: the demo (a known login) is refused; use `throughline serve`');
  await mkdir(config.DATA_DIR, { recursive: true, mode: 0o700 });
  let login: Awaited<ReturnType<typeof seedDemo>> | undefined;
  const server = await startServer(config, createLogger({ level: config.LOG_LEVEL }), async (db) => {
    login = await seedDemo(db, { dataDir: config.DATA_DIR, password: config.DEMO_PASSWORD, onProgress: io.out });
  });
  if (login === undefined) throw new Error('demo seeding did not run');
  io.out('');
  io.out(`  Throughline demo is running at ${server.url}`);
  io.out(`  Log in as ${login.email} with password ${login.password}`);
  if (login.passwordFile !== undefined) io.out(`  (password kept in ${login.passwordFile}; set DEMO_PASSWORD to choose your own)`);
  io.out(`  Demo workspace ${login.created ? 'created' : 'already present'}; data in ${config.DATABASE_URL === undefined ? config.DATA_DIR : 'PostgreSQL'}`);
  if (config.SMTP_URL === undefined) io.out(`  Emails (sign-up confirmations, password resets, invitations) are written to ${path.join(config.DATA_DIR, 'outbox')}`);
  io.out('');
  return server;
}

async function auditVerify(config: Config, io: CliIo, workspaceId: string | undefined): Promise<number> {
  const db = await openConfiguredDatabase(config);
  try {
    return await runAuditVerifyCommand(db, io, { workspaceId });
  } finally {
    await db.close();
  }
}

async function keys(config: Config, io: CliIo, subcommand: KeysSubcommand, options: { jwt?: boolean } = {}): Promise<number> {
  const db = await openConfiguredDatabase(config);
  try {
    await db.migrate();
    const vault = await openVault(config, db, (message) => io.err(`throughline: ${message}`));
    const audit = createAuditService({ db });
    const cli = { actor: { kind: 'system' as const, id: 'cli:keys' } };
    if (subcommand === 'rotate' && options.jwt === true) {
      const signingKeys = await openSigningKeys({
        db,
        vault,
        issuer: (config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/$/, ''),
        rotationDays: config.JWT_ROTATION_DAYS,
        overlapDays: config.JWT_OVERLAP_DAYS,
      });
      const before = signingKeys.status().activeKid;
      const result = await signingKeys.rotate({ force: true });
      await audit.record({ action: 'keys.jwt.rotated', target: { type: 'signing_key', id: result.activeKid }, details: { previousKid: before, retiredKids: result.retiredKids } }, cli);
      io.out(`New JWT signing key ${result.activeKid} is active (was ${before}); ${before} still verifies for ${config.JWT_OVERLAP_DAYS} days.`);
      io.out('Running servers pick the new key up within 10 minutes.');
      return 0;
    }
    const code = await runKeysCommand(subcommand, { vault, out: io.out, err: io.err });
    if (subcommand === 'rotate' && code === 0) {
      const status = await vault.keysStatus();
      await audit.record({ action: 'keys.rotated', target: { type: 'kek', id: status.activeKekId }, details: { via: 'cli' } }, cli);
    }
    if (subcommand === 'status') {
      const signing = await db.withAppRole((tx) => tx.selectFrom('signing_keys').select(['kid', 'created_at', 'rotated_at', 'retire_at']).orderBy('created_at', 'desc').execute());
      io.out('');
      io.out(`JWT signing keys (ES256; rotation every ${config.JWT_ROTATION_DAYS} days, ${config.JWT_OVERLAP_DAYS}-day overlap):`);
      for (const k of signing) {
        const state = k.rotated_at === null ? 'active' : `verifies until ${new Date(k.retire_at ?? k.rotated_at).toISOString().slice(0, 10)}`;
        io.out(`  ${k.kid}  created ${new Date(k.created_at).toISOString().slice(0, 10)}  ${state}`);
      }
      if (signing.length === 0) io.out('  none yet (the first is made when the server starts)');
    }
    return code;
  } finally {
    await db.close();
  }
}

async function migrate(config: Config, io: CliIo): Promise<void> {
  const db = await openConfiguredDatabase(config);
  try {
    const report = await db.migrate();
    io.out(report.applied.length === 0 ? `Database is up to date (${report.alreadyApplied} migrations).` : `Applied ${report.applied.join(', ')}.`);
  } finally {
    await db.close();
  }
}

/** Runs the CLI; resolves to an exit code (long-running commands resolve once listening). */
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<{ code: number; server?: RunningServer; worker?: RunningProcess }> {
  const program = new Command('throughline')
    .description('Security-first, self-hostable end-to-end marketing analytics')
    .version(PACKAGE_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();

  let result: { code: number; server?: RunningServer; worker?: RunningProcess } = { code: 0 };
  const withConfig = (fn: (config: Config) => Promise<RunningServer | void>) => async () => {
    const outcome = await fn(loadConfig(io.env));
    if (outcome !== undefined) result = { code: 0, server: outcome };
  };

  program
    .command('serve')
    .description('Run the HTTP server (applies pending migrations first)')
    .addHelpText('after', '\nConfigured by environment variables; see README.md, "Configuration".')
    .action(withConfig((config) => serve(config, io)));
  program
    .command('worker')
    .description('Run the job worker: daily key maintenance and audit retention (until SIGINT or SIGTERM)')
    .addHelpText(
      'after',
      '\nWith DATABASE_URL, run it beside `serve` (as many as you like; each job runs once at a time).\n' +
        'On the embedded database, serve and demo run it in-process (WORKER_IN_PROCESS); see README.md.',
    )
    .action(async () => {
      result = { code: 0, worker: await worker(loadConfig(io.env), io) };
    });
  program
    .command('migrate')
    .description('Apply pending database migrations and exit')
    .action(withConfig((config) => migrate(config, io)));
  program
    .command('demo')
    .description('Migrate, create the demo workspace and user if absent, then serve and print the login')
    .addHelpText('after', '\nThe demo password comes from DEMO_PASSWORD, or is generated once and kept in DATA_DIR/demo-login.txt.')
    .action(withConfig((config) => demo(config, io)));

  const keysCommand = program.command('keys').description('Encryption keys: key ids, ages, rotation and re-wrap progress');
  keysCommand
    .command('status')
    .description('Show key ids, ages, the next rotation date and re-wrap progress')
    .action(async () => {
      result = { code: await keys(loadConfig(io.env), io, 'status') };
    });
  keysCommand
    .command('rotate')
    .description('Rotate the key-encryption key now (generated key file) and re-wrap every data key; with --jwt, the JWT signing key instead')
    .option('--jwt', 'rotate the JWT signing key (the previous one keeps verifying for JWT_OVERLAP_DAYS)')
    .action(async (flags: { jwt?: boolean }) => {
      result = { code: await keys(loadConfig(io.env), io, 'rotate', { jwt: flags.jwt === true }) };
    });

  const adminCommand = program.command('admin').description('Platform administrators (staff who may use /api/admin); runs as the database owner');
  adminCommand
    .command('grant')
    .description('Make the account with this email a platform admin (audited)')
    .argument('<email>', 'the account\'s email address')
    .action(async (email: string) => {
      result = { code: await runAdminCommand(loadConfig(io.env), io, 'grant', email) };
    });
  adminCommand
    .command('revoke')
    .description('Stop the account with this email being a platform admin (audited; effective at once)')
    .argument('<email>', 'the account\'s email address')
    .action(async (email: string) => {
      result = { code: await runAdminCommand(loadConfig(io.env), io, 'revoke', email) };
    });

  program
    .command('audit')
    .description('Audit log tools')
    .command('verify')
    .description('Walk the hash chains of the audit log and name the first broken entry (exit 1), if any')
    .option('--workspace <uuid>', 'verify only this workspace\'s chain')
    .action(async (options: { workspace?: string }) => {
      result = { code: await auditVerify(loadConfig(io.env), io, options.workspace) };
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return result;
  } catch (error) {
    if (error instanceof CommanderError) return { code: error.exitCode };
    const message = operatorMessage(error);
    if (message !== undefined) {
      io.err(`throughline: ${message}`);
      return { code: 1 };
    }
    throw error;
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  runCli(process.argv.slice(2)).then(
    ({ code, server, worker }) => {
      const running = server ?? worker;
      if (running !== undefined) stopOnSignals(running, defaultIo);
      else process.exitCode = code;
    },
    (error: unknown) => {
      // Unexpected: print the error type and message only; never the environment or config.
      process.stderr.write(`throughline: unexpected error: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown'}\n`);
      process.exitCode = 1;
    },
  );
}
