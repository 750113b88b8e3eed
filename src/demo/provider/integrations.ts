// The demo workspace's two connections to the demo provider, made like any integration row but
// with no OAuth grant (the demo provider needs none). Idempotent: an existing one is kept.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/index.js';
import { DEFAULT_DEMO_SEED, DEMO_ADS_PROVIDER, DEMO_CRM_PROVIDER } from './connectors.js';

const DEMO_INTEGRATIONS = [
  { provider: DEMO_ADS_PROVIDER, displayName: 'Demo ad platforms (Google Ads, Meta Ads, Yandex Direct)' },
  { provider: DEMO_CRM_PROVIDER, displayName: 'Demo CRM' },
] as const;

export interface DemoIntegration {
  id: string;
  provider: string;
  created: boolean;
}

export async function ensureDemoIntegrations(
  db: Pick<Database, 'withWorkspace'>,
  workspaceId: string,
  options: { seed?: string; connectedBy?: string | null } = {},
): Promise<DemoIntegration[]> {
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  return db.withWorkspace(workspaceId, async (tx) => {
    const out: DemoIntegration[] = [];
    for (const { provider, displayName } of DEMO_INTEGRATIONS) {
      const existing = await tx
        .selectFrom('integrations')
        .select('id')
        .where('provider', '=', provider)
        .where('status', '<>', 'disconnected')
        .orderBy('created_at')
        .executeTakeFirst();
      if (existing !== undefined) {
        out.push({ id: existing.id, provider, created: false });
        continue;
      }
      const id = randomUUID();
      await tx
        .insertInto('integrations')
        .values({
          id,
          workspace_id: workspaceId,
          provider,
          external_account: `demo-${seed}`,
          display_name: displayName,
          settings: JSON.stringify({ seed }),
          connected_by: options.connectedBy ?? null,
        })
        .execute();
      out.push({ id, provider, created: true });
    }
    return out;
  });
}
