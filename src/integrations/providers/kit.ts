// What a provider's folder uses from the rest of src/integrations, in one place (provider folders
// sit one level deeper than the module's other files).
export { ProviderError } from '../contract.js';
export type {
  ClickIds,
  Connector,
  ConnectorContext,
  DailyAdStatRecord,
  StreamName,
  SyncBatch,
  Utm,
} from '../contract.js';
export { networkFailure, requestToken, scopesFromTokenAnswer, standardExchange, standardRefresh, standardRevoke } from '../oauth.js';
export type { ImplementedProvider, ProviderRuntime, TokenSet } from '../provider-types.js';
