#!/usr/bin/env node
// The `throughline` command line: serve | migrate | demo | keys status|rotate | audit verify. The only place, with app.ts, that knows
// every module. Configuration errors end the process with one line naming the variable.
import { realpathSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { runAuditVerifyCommand } from './audit/index.js';
import { runKeysCommand, type KeysSubcommand } from './crypto/index.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { DatabaseSetupError, MigrationError } from './db/index.js';
import { seedDemo } from './demo/seed.js';
import { createLogger } from './observability/logger.js';
import { PACKAGE_VERSION } from './paths.js';
import { openConfiguredDatabase, openVault, startServer, type RunningServer } from './server.js';

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

function stopOnSignals(server: RunningServer, io: CliIo): void {
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

async function demo(config: Config, io: CliIo): Promise<RunningServer> {
  // SECURITY: the demo creates a user with a printed password; never on a production deployment.
  if (config.NODE_ENV === 'production') throw new ConfigError('NODE_ENV', 'is production: the demo (a known login) is refused; use `throughline serve`');
  await mkdir(config.DATA_DIR, { recursive: true, mode: 0o700 });
  let login: Awaited<ReturnType<typeof seedDemo>> | undefined;
  const server = await startServer(config, createLogger({ level: config.LOG_LEVEL }), async (db) => {
    login = await seedDemo(db, { dataDir: config.DATA_DIR, password: config.DEMO_PASSWORD });
  });
  if (login === undefined) throw new Error('demo seeding did not run');
  io.out('');
  io.out(`  Throughline demo is running at ${server.url}`);
  io.out(`  Log in as ${login.email} with password ${login.password}`);
  if (login.passwordFile !== undefined) io.out(`  (password kept in ${login.passwordFile}; set DEMO_PASSWORD to choose your own)`);
  io.out(`  Demo workspace ${login.created ? 'created' : 'already present'}; data in ${config.DATABASE_URL === undefined ? config.DATA_DIR : 'PostgreSQL'}`);
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

async function keys(config: Config, io: CliIo, subcommand: KeysSubcommand): Promise<number> {
  const db = await openConfiguredDatabase(config);
  try {
    await db.migrate();
    const vault = await openVault(config, db, (message) => io.err(`throughline: ${message}`));
    return await runKeysCommand(subcommand, { vault, out: io.out, err: io.err });
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
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<{ code: number; server?: RunningServer }> {
  const program = new Command('throughline')
    .description('Security-first, self-hostable end-to-end marketing analytics')
    .version(PACKAGE_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();

  let result: { code: number; server?: RunningServer } = { code: 0 };
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
    .description('Rotate the key-encryption key now (generated key file) and re-wrap every data key')
    .action(async () => {
      result = { code: await keys(loadConfig(io.env), io, 'rotate') };
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
    ({ code, server }) => {
      if (server !== undefined) stopOnSignals(server, defaultIo);
      else process.exitCode = code;
    },
    (error: unknown) => {
      // Unexpected: print the error type and message only; never the environment or config.
      process.stderr.write(`throughline: unexpected error: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown'}\n`);
      process.exitCode = 1;
    },
  );
}
