// Scheduled key work for the worker: rotate the KEK when due, re-wrap every data key under the
// active KEK, and finish any pending value re-encryption. Safe to run as often as wanted (daily
// is plenty) and to kill at any point: every step is derived from the tables and resumes.
import type { KekRotation, ReencryptReport, RewrapReport, Vault } from './vault.js';

export interface KeyMaintenanceReport {
  rotation: KekRotation;
  rewrap: RewrapReport;
  reencryption: ReencryptReport[];
}

export async function runKeyMaintenance(
  vault: Pick<Vault, 'rotateKek' | 'rewrapDataKeys' | 'reencryptPendingWorkspaces'>,
  now: Date = new Date(),
  options: { batchSize?: number } = {},
): Promise<KeyMaintenanceReport> {
  const rotation = await vault.rotateKek(now);
  const rewrap = await vault.rewrapDataKeys({ now, ...options });
  const reencryption = await vault.reencryptPendingWorkspaces(options);
  return { rotation, rewrap, reencryption };
}
