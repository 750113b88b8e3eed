// The demo workspace: a realistic marketing team whose ad accounts and CRM are the demo provider
// (src/demo/provider), created once (idempotent) and synced through the real sync engine at every
// start, so `npm start` shows a populated product. Never run against production data.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findLoginCandidate, hashPassword, insertUser, updatePasswordHash, verifyPassword } from '../auth/index.js';
import type { Database } from '../db/index.js';
import { rebuildRollups } from '../analytics/index.js';
import { combineProviders, createSyncEngine, type SyncClock } from '../sync/index.js';
import { createWorkspacesService } from '../workspaces/index.js';
import { demoSyncProviders, ensureDemoIntegrations } from './provider/index.js';

export const DEMO_EMAIL = 'demo@throughline.local';
export const DEMO_WORKSPACE_NAME = 'Northwind Outdoor';
const DEMO_LOGIN_FILE = 'demo-login.txt';

export interface DemoLogin {
  email: string;
  password: string;
  workspaceId: string;
  created: boolean;
}

async function demoPassword(dataDir: string, fromEnv: string | undefined): Promise<{ password: string; file: string | undefined }> {
  if (fromEnv !== undefined) return { password: fromEnv, file: undefined };
  const file = path.join(dataDir, DEMO_LOGIN_FILE);
  try {
    return { password: (await readFile(file, 'utf8')).trim(), file };
  } catch {
    const password = randomBytes(12).toString('base64url');
    // 0600: the generated demo password is readable by the operator only.
    await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
    return { password, file };
  }
}

export interface DemoSeedOptions {
  dataDir: string;
  password?: string | undefined;
  /** One line per step of the demo sync (the CLI prints them). */
  onProgress?: (line: string) => void;
  /** The sync's clock (tests fix the day). */
  clock?: SyncClock;
}

/** Creates the demo user and workspace if absent, then syncs the demo provider; returns the login to print. */
export async function seedDemo(db: Database, options: DemoSeedOptions): Promise<DemoLogin & { passwordFile: string | undefined }> {
  const { password, file } = await demoPassword(options.dataDir, options.password);
  const account = await ensureDemoAccount(db, password);
  await syncDemoData(db, account.workspaceId, account.userId, options);
  return { email: DEMO_EMAIL, password, workspaceId: account.workspaceId, created: account.created, passwordFile: file };
}

async function ensureDemoAccount(db: Database, password: string): Promise<{ userId: string; workspaceId: string; created: boolean }> {
  const workspaces = createWorkspacesService({ db });
  const existing = await db.withAppRole((tx) => findLoginCandidate(tx, DEMO_EMAIL));
  if (existing !== undefined) {
    // DEMO_PASSWORD (or an edited demo-login.txt) wins over what was stored before.
    if (existing.passwordHash === null || !(await verifyPassword(password, existing.passwordHash))) {
      const hash = await hashPassword(password);
      await db.withUser(existing.id, (tx) => updatePasswordHash(tx, existing.id, hash, new Date()));
    }
    const [first] = await workspaces.listWorkspacesOfUser(existing.id);
    if (first !== undefined) return { userId: existing.id, workspaceId: first.id, created: false };
  }
  const passwordHash = await hashPassword(password);
  const id = existing?.id ?? randomUUID();
  const user = existing ?? (await db.withUser(id, (tx) => insertUser(tx, { id, email: DEMO_EMAIL, name: 'Dana Demo', passwordHash, emailVerifiedAt: new Date() })));
  const workspace = await workspaces.createWorkspace({ name: DEMO_WORKSPACE_NAME, ownerUserId: user.id, currency: 'USD' });
  return { userId: user.id, workspaceId: workspace.id, created: true };
}

/**
 * Connects the demo workspace to the demo provider (once) and syncs it: a year of data the first
 * time, the days since the last start (and the look-back) afterwards. A failed sync is reported,
 * not fatal: the demo still starts, and the scheduler tries again.
 */
async function syncDemoData(db: Database, workspaceId: string, userId: string, options: DemoSeedOptions): Promise<void> {
  const say = options.onProgress ?? (() => undefined);
  const integrations = await ensureDemoIntegrations(db, workspaceId, { connectedBy: userId });
  const engine = createSyncEngine({ db, providers: combineProviders(demoSyncProviders()), ...(options.clock === undefined ? {} : { clock: options.clock }) });
  for (const integration of integrations) {
    const started = performance.now();
    say(`  Syncing demo data (${integration.provider})...`);
    let shown = 0;
    const outcome = await engine.runSync(integration.id, workspaceId, {
      trigger: 'manual',
      onProgress: (p) => {
        // A line at every quarter of the way: enough to see it move, not a wall of text.
        const quarter = Math.floor(p.progress * 4);
        if (quarter > shown && quarter < 4) {
          shown = quarter;
          say(`  Syncing demo data (${integration.provider}): ${quarter * 25}%`);
        }
      },
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (outcome.state === 'succeeded') {
      const rows = Object.entries(outcome.rows).map(([stream, n]) => `${n.toLocaleString('en-US')} ${stream.replace('_', ' ')}`);
      say(`  Synced demo data (${integration.provider}) in ${seconds} s: ${rows.join(', ')}`);
    } else {
      say(`  Demo sync (${integration.provider}) did not complete: ${outcome.state === 'failed' ? outcome.error : outcome.state}`);
    }
  }
  const started = performance.now();
  say('  Building reports (attribution and rollups)...');
  const build = await rebuildRollups(db, workspaceId);
  say(`  Built reports in ${((performance.now() - started) / 1000).toFixed(1)} s from ${build.sourceRows.toLocaleString('en-US')} rows`);
}
