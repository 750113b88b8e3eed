// `audit.retention`, daily: purges entries past AUDIT_RETENTION_MONTHS under the retention role,
// leaving a checkpoint per chain (retention.ts), and records the purge on the platform chain.
import type { Database } from '../db/index.js';
import type { JobDefinition } from '../jobs/index.js';
import { purgeExpiredAuditEntries } from './retention.js';
import type { AuditService } from './service.js';

export const AUDIT_RETENTION_JOB = 'audit.retention';

export type AuditRetentionSummary = {
  cutoff: string;
  purged: number;
  chains: number;
};

export interface AuditRetentionJobDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  retentionMonths: number;
  now?: () => Date;
}

export function auditRetentionJob(deps: AuditRetentionJobDeps): JobDefinition<AuditRetentionSummary> {
  const now = deps.now ?? (() => new Date());
  return {
    name: AUDIT_RETENTION_JOB,
    description: `purge audit entries older than ${deps.retentionMonths} months, leaving checkpoints`,
    schedule: '47 3 * * *',
    expireInSeconds: 3_600,
    async run(context) {
      // One transaction: it purges everything expired or nothing, so a retry starts over cleanly.
      const report = await purgeExpiredAuditEntries(deps.db, { retentionMonths: deps.retentionMonths, now: now() });
      const summary = { cutoff: report.cutoff.toISOString(), purged: report.purged, chains: report.checkpoints.length };
      context.progress(summary);
      if (report.purged > 0) {
        await deps.audit.record({ action: 'audit.purged', details: summary }, { actor: { kind: 'system', id: `job:${AUDIT_RETENTION_JOB}` } });
      }
      return summary;
    },
  };
}
