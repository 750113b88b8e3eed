// Scheduled key work for the worker: rotate the KEK when due, re-wrap every data key under the
// active KEK, and finish any pending value re-encryption. Safe to run as often as wanted (daily
// is plenty) and to kill at any point: every step is derived from the tables and resumes.
import type { KekRotation, ReencryptProgress, ReencryptReport, RewrapProgress, RewrapReport, Vault } from './vault.js';

export interface KeyMaintenanceReport {
  rotation: KekRotation;
  rewrap: RewrapReport;
  reencryption: ReencryptReport[];
}

/** One committed batch of either step; a throw from the callback stops the run (the next resumes). */
export type KeyMaintenanceProgress = ({ step: 'rewrap' } & RewrapProgress) | ({ step: 'reencrypt' } & ReencryptProgress);

export interface KeyMaintenanceOptions {
  batchSize?: number;
  onProgress?: (progress: KeyMaintenanceProgress) => void | Promise<void>;
}

export async function runKeyMaintenance(
  vault: Pick<Vault, 'rotateKek' | 'rewrapDataKeys' | 'reencryptPendingWorkspaces'>,
  now: Date = new Date(),
  options: KeyMaintenanceOptions = {},
): Promise<KeyMaintenanceReport> {
  const { batchSize, onProgress } = options;
  const batch = batchSize === undefined ? {} : { batchSize };
  const rotation = await vault.rotateKek(now);
  const rewrap = await vault.rewrapDataKeys({ now, ...batch, ...(onProgress === undefined ? {} : { onProgress: (p) => onProgress({ step: 'rewrap', ...p }) }) });
  const reencryption = await vault.reencryptPendingWorkspaces({ ...batch, ...(onProgress === undefined ? {} : { onProgress: (p) => onProgress({ step: 'reencrypt', ...p }) }) });
  return { rotation, rewrap, reencryption };
}
