// The demo provider: a sandbox ad platform (three ad accounts) and CRM generating a deterministic,
// realistic year of Northwind Outdoor's data, read through the real sync engine like any provider.
import { ProviderError } from '../../integrations/index.js';
import type { SyncProvider } from '../../sync/index.js';
import { demoAdsConnector, demoCrmConnector, DEMO_ADS_PROVIDER, DEMO_CRM_PROVIDER } from './connectors.js';

export { DEFAULT_DEMO_SEED, DEMO_ADS_PROVIDER, DEMO_CRM_PROVIDER, demoAdsConnector, demoCrmConnector } from './connectors.js';
export { DEMO_ACCOUNTS, DEMO_CAMPAIGNS } from './catalogue.js';
export type { DemoAccount, DemoCampaign } from './catalogue.js';
export { createDemoWorld } from './world.js';
export type { DemoWorld } from './world.js';
export { ensureDemoIntegrations } from './integrations.js';
export type { DemoIntegration } from './integrations.js';

/** The demo makes no network request; a connector that tried would be a bug. */
async function noNetwork(): Promise<Response> {
  throw new ProviderError('permanent', 'The demo provider makes no network requests.');
}

/** The demo's sync providers, keyed by provider id (for combineProviders in the composition root). */
export function demoSyncProviders(): Readonly<Record<string, SyncProvider>> {
  const base = { apiBaseUrl: () => 'demo:', fetch: noNetwork, requiresToken: false };
  return {
    [DEMO_ADS_PROVIDER]: { ...base, connector: demoAdsConnector() },
    [DEMO_CRM_PROVIDER]: { ...base, connector: demoCrmConnector() },
  };
}
