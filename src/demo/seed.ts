// The demo workspace: a realistic marketing team with campaigns on every ad channel, created
// once (idempotent), so `npm start` shows a populated product. Never run against production data.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findUserByEmail, hashPassword, insertUser, updatePasswordHash, verifyPassword } from '../auth/index.js';
import { createCampaignsService, type CampaignInput } from '../campaigns/index.js';
import type { Database } from '../db/index.js';
import { createWorkspacesService } from '../workspaces/index.js';

export const DEMO_EMAIL = 'demo@throughline.local';
export const DEMO_WORKSPACE_NAME = 'Northwind Outdoor';
const DEMO_LOGIN_FILE = 'demo-login.txt';

const c = (channel: CampaignInput['channel'], externalId: string, name: string, utmSource: string, utmMedium: string, dailyBudgetMinor: number): CampaignInput => ({
  channel,
  externalId,
  name,
  utmSource,
  utmMedium,
  utmCampaign: name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, ''),
  dailyBudgetMinor,
});

export const DEMO_CAMPAIGNS: CampaignInput[] = [
  c('meta-ads', '120210449587310625', 'Spring Hiking Boots — Prospecting', 'facebook', 'paid_social', 15_000),
  c('meta-ads', '120210449587310871', 'Retargeting — Cart Abandoners 7d', 'facebook', 'paid_social', 6_000),
  c('meta-ads', '120210449587311204', 'Lookalike 1% — Purchasers', 'instagram', 'paid_social', 9_000),
  c('google-ads', '21034567890', 'Search — Brand', 'google', 'cpc', 4_000),
  c('google-ads', '21034567912', 'Search — Tents Generic', 'google', 'cpc', 12_000),
  c('google-ads', '21034568033', 'Performance Max — All Products', 'google', 'cpc', 20_000),
  c('yandex-direct', '98765432', 'Поиск — Палатки', 'yandex', 'cpc', 8_000),
  c('yandex-direct', '98765477', 'РСЯ — Ретаргетинг', 'yandex', 'display', 5_000),
  c('vk-ads', '4455667', 'VK — Trail Running Community', 'vk', 'paid_social', 4_500),
  c('tiktok-ads', '1789012345678901', 'TikTok — Camping Hacks UGC', 'tiktok', 'paid_social', 7_500),
  { ...c('tiktok-ads', '1789012345679022', 'TikTok — Winter Sale Teaser', 'tiktok', 'paid_social', 3_000), status: 'paused' },
];

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

/** Creates the demo user, workspace and campaigns if absent; returns the login to print. */
export async function seedDemo(db: Database, options: { dataDir: string; password?: string | undefined }): Promise<DemoLogin & { passwordFile: string | undefined }> {
  const { password, file } = await demoPassword(options.dataDir, options.password);
  const workspaces = createWorkspacesService({ db });
  const campaigns = createCampaignsService({ db });

  const existing = await db.withAppRole((tx) => findUserByEmail(tx, DEMO_EMAIL));
  if (existing !== undefined) {
    // DEMO_PASSWORD (or an edited demo-login.txt) wins over what was stored before.
    if (existing.passwordHash === null || !(await verifyPassword(password, existing.passwordHash))) {
      const hash = await hashPassword(password);
      await db.withAppRole((tx) => updatePasswordHash(tx, existing.id, hash));
    }
    const [first] = await workspaces.listWorkspacesOfUser(existing.id);
    if (first !== undefined) return { email: DEMO_EMAIL, password, workspaceId: first.id, created: false, passwordFile: file };
  }
  const passwordHash = await hashPassword(password);
  const user = existing ?? (await db.withAppRole((tx) => insertUser(tx, { email: DEMO_EMAIL, name: 'Dana Demo', passwordHash })));
  const workspace = await workspaces.createWorkspace({ name: DEMO_WORKSPACE_NAME, ownerUserId: user.id, currency: 'USD' });
  await campaigns.upsertCampaigns(workspace.id, DEMO_CAMPAIGNS);
  return { email: DEMO_EMAIL, password, workspaceId: workspace.id, created: true, passwordFile: file };
}
