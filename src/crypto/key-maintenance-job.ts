// `keys.maintenance`, daily: runKeyMaintenance through the job queue. Each committed batch is a
// progress step (the worker stops between two of them), a KEK rotation is audited on the platform
// chain, and the result is a summary of counts and key ids, never key material.
import type { AuditService } from '../audit/index.js';
import type { JobDefinition } from '../jobs/index.js';
import { runKeyMaintenance } from './key-maintenance.js';
import type { Vault } from './vault.js';

export const KEY_MAINTENANCE_JOB = 'keys.maintenance';

export type KeyMaintenanceSummary = {
  rotated: boolean;
  activeKekId: string;
  /** A rotation is due but the keys come from ENCRYPTION_KEYS: the operator must add the new KEK. */
  needsOperatorKey: boolean;
  nextRotationAt: string;
  rewrapped: number;
  retiredKekIds: string[];
  reencrypted: number;
  workspacesReencrypted: number;
  deletedDataKeys: number;
};

export interface KeyMaintenanceJobDeps {
  vault: Pick<Vault, 'rotateKek' | 'rewrapDataKeys' | 'reencryptPendingWorkspaces'>;
  audit: Pick<AuditService, 'record'>;
  batchSize?: number;
  /** The clock rotation is judged by (tests move it). */
  now?: () => Date;
}

export function keyMaintenanceJob(deps: KeyMaintenanceJobDeps): JobDefinition<KeyMaintenanceSummary> {
  const now = deps.now ?? (() => new Date());
  return {
    name: KEY_MAINTENANCE_JOB,
    description: 'rotate the KEK when due, re-wrap data keys under it, finish pending re-encryption',
    schedule: '17 3 * * *',
    // 100,000 values re-encrypt in well under this (bench/reencrypt.ts); a dead worker is noticed by its heartbeat.
    expireInSeconds: 6 * 3_600,
    async run(context) {
      const report = await runKeyMaintenance(deps.vault, now(), {
        ...(deps.batchSize === undefined ? {} : { batchSize: deps.batchSize }),
        onProgress: (progress) => context.progress({ ...progress }),
      });
      const { rotation, rewrap, reencryption } = report;
      if (rotation.rotated) {
        await deps.audit.record(
          { action: 'keys.rotated', target: { type: 'kek', id: rotation.activeKekId }, details: { previousKekId: rotation.previousKekId, trigger: 'schedule' } },
          { actor: { kind: 'system', id: `job:${KEY_MAINTENANCE_JOB}` } },
        );
      }
      return {
        rotated: rotation.rotated,
        activeKekId: rotation.activeKekId,
        needsOperatorKey: !rotation.rotated && rotation.needsOperatorKey,
        nextRotationAt: rotation.nextRotationAt.toISOString(),
        rewrapped: rewrap.rewrapped,
        retiredKekIds: rewrap.retiredKekIds,
        reencrypted: reencryption.reduce((n, r) => n + r.reencrypted, 0),
        workspacesReencrypted: reencryption.length,
        deletedDataKeys: reencryption.reduce((n, r) => n + r.deletedDataKeys, 0),
      };
    },
  };
}
