// The crypto module's public surface: the key ring (KEKs), the vault (envelope encryption of
// secret columns, rotation, crypto-shredding), the OAuth token store, and the `keys` command.
export { CRYPTO_ERRORS, CryptoError, isCryptoError } from './errors.js';
export type { CryptoErrorCode } from './errors.js';
export { KEY_FILE_NAME, LocalKeyRing, createKeyRing } from './key-ring.js';
export type { KeyProvider, KeyRingSetup } from './key-ring.js';
export { isKeySpec } from './key-spec.js';
export type { PlatformSecretPlace, SecretPlace } from './sealed-value.js';
export { WORKSPACE_SECRET_COLUMNS } from './secret-columns.js';
export type { SecretColumn } from './secret-columns.js';
export { createVault } from './vault.js';
export type {
  BatchOptions,
  KeysStatus,
  KekRotation,
  KekStatus,
  ReencryptProgress,
  ReencryptReport,
  RewrapProgress,
  RewrapReport,
  Vault,
  VaultOptions,
} from './vault.js';
export { createIntegrationTokenStore } from './integration-tokens.js';
export type { IntegrationTokenStore, IntegrationTokens, IntegrationTokensInput } from './integration-tokens.js';
export { runKeyMaintenance } from './key-maintenance.js';
export type { KeyMaintenanceOptions, KeyMaintenanceProgress, KeyMaintenanceReport } from './key-maintenance.js';
export { KEY_MAINTENANCE_JOB, keyMaintenanceJob } from './key-maintenance-job.js';
export type { KeyMaintenanceJobDeps, KeyMaintenanceSummary } from './key-maintenance-job.js';
export { formatKeysStatus, runKeysCommand } from './keys-command.js';
export type { KeysCommandDeps, KeysSubcommand } from './keys-command.js';
