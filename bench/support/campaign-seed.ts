// Generates a multi-tenant campaigns table for benchmarks: W workspaces x N campaigns each,
// written by the owner in set-based SQL (seconds, not minutes, even on PGlite).

export interface SeedShape {
  workspaces: number;
  campaignsPerWorkspace: number;
}

/**
 * Rows are inserted round-robin across workspaces (ORDER BY i, w), as a live table fills over
 * time, so one tenant's rows are spread over the whole heap instead of sitting in a neat block
 * that would flatter every plan. Budgets are integer minor units; every tenth is NULL.
 */
export function seedCampaignsSql(shape: SeedShape): string {
  return `
    INSERT INTO workspaces (name)
      SELECT 'Bench workspace ' || w FROM generate_series(1, ${shape.workspaces}) AS w;
    INSERT INTO campaigns (workspace_id, channel, external_id, name, status, utm_source, utm_medium,
                           utm_campaign, daily_budget_minor, created_at)
      SELECT w.id,
             (ARRAY['meta-ads', 'google-ads', 'yandex-direct', 'vk-ads', 'tiktok-ads'])[1 + i % 5],
             (100000000 + i)::text,
             'Campaign ' || i || ' - ' || w.name,
             (ARRAY['active', 'active', 'active', 'paused', 'archived'])[1 + (i / 5) % 5],
             (ARRAY['facebook', 'google', 'yandex', 'vk', 'tiktok'])[1 + i % 5],
             CASE WHEN i % 2 = 0 THEN 'cpc' ELSE 'paid_social' END,
             'campaign_' || i,
             CASE WHEN i % 10 = 0 THEN NULL ELSE (i * 7919) % 50000 END,
             now() - make_interval(mins => i)
        FROM generate_series(1, ${shape.campaignsPerWorkspace}) AS i
       CROSS JOIN workspaces AS w
       ORDER BY i, w.id;
  `;
}
