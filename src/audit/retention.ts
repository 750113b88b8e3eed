// Retention: removes each chain's oldest entries once they are past the retention period, under
// the retention role (the only one the append-only trigger lets delete, and only what a checkpoint
// covers). Before deleting, it appends a checkpoint holding the seq and hash of the last purged
// entry, so the rest of the chain still verifies, and continues, from there.
import { sql } from 'kysely';
import type { Database, RetentionTx } from '../db/index.js';
import { chainKey } from './queries.js';

export const DEFAULT_AUDIT_RETENTION_MONTHS = 12;

export interface PurgeOptions {
  /** Entries older than this many months are purged (default 12). */
  retentionMonths?: number;
  now?: Date;
}

export interface PurgeReport {
  cutoff: Date;
  purged: number;
  /** One per chain that lost entries: where its remaining entries now start from. */
  checkpoints: { chain: string; seq: number }[];
}

export function retentionCutoff(now: Date, months: number): Date {
  const cutoff = new Date(now);
  cutoff.setUTCMonth(cutoff.getUTCMonth() - months);
  return cutoff;
}

interface PurgeBoundary {
  workspace_id: string | null;
  seq: number;
}

/**
 * The newest entry of each chain that can go: the end of the longest prefix whose entries are all
 * older than the cutoff (an entry out of clock order never takes a newer one with it). Chains
 * with nothing expired (no entry at that seq any more, or none yet) are left out.
 */
async function purgeBoundaries(tx: RetentionTx, cutoff: Date): Promise<PurgeBoundary[]> {
  const { rows } = await sql<PurgeBoundary>`
    WITH chains AS (
      SELECT workspace_id, max(seq) AS last_seq FROM audit_log GROUP BY workspace_id
    ), boundary AS (
      SELECT c.workspace_id,
             coalesce((SELECT min(l.seq) FROM audit_log l
                        WHERE l.workspace_id IS NOT DISTINCT FROM c.workspace_id AND l.occurred_at >= ${cutoff}) - 1,
                      c.last_seq) AS seq
      FROM chains c
    )
    SELECT b.workspace_id, b.seq
    FROM boundary b
    JOIN audit_log l ON l.workspace_id IS NOT DISTINCT FROM b.workspace_id AND l.seq = b.seq
    ORDER BY b.workspace_id NULLS FIRST`.execute(tx);
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

export async function purgeExpiredAuditEntries(db: Database, options: PurgeOptions = {}): Promise<PurgeReport> {
  const months = options.retentionMonths ?? DEFAULT_AUDIT_RETENTION_MONTHS;
  if (!Number.isInteger(months) || months < 1) throw new RangeError('retentionMonths must be a whole number of months, at least 1');
  const cutoff = retentionCutoff(options.now ?? new Date(), months);
  return db.unsafeAsRetention('audit: purge entries past retention', async (tx) => {
    const report: PurgeReport = { cutoff, purged: 0, checkpoints: [] };
    for (const b of await purgeBoundaries(tx, cutoff)) {
      // SECURITY: the checkpoint goes in first, in the same transaction: the delete trigger lets
      // retention remove only what a checkpoint covers, and the checkpoint trigger copies the
      // entry's hash and refuses one that would cover entries still within retention.
      await tx.insertInto('audit_checkpoints').values({ workspace_id: b.workspace_id, seq: b.seq, purged_before: cutoff }).execute();
      const deleted = await tx
        .deleteFrom('audit_log')
        .where('workspace_id', b.workspace_id === null ? 'is' : '=', b.workspace_id)
        .where('seq', '<=', b.seq)
        .executeTakeFirst();
      report.purged += Number(deleted.numDeletedRows);
      report.checkpoints.push({ chain: chainKey(b.workspace_id), seq: b.seq });
    }
    return report;
  });
}
