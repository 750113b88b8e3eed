// Audit entries dated in the past, for retention tests. No role but the owner can create them now
// that the database sets occurred_at: as the owner, with the chain trigger off, linked and hashed
// exactly as the trigger would.
import type { OwnerSession } from '../src/db/index.js';

export async function recordAuditEntriesInThePast(owner: OwnerSession, at: string, workspaceId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    await owner.exec(`BEGIN;
      SELECT set_config('app.workspace_id', '${workspaceId}', true);
      ALTER TABLE audit_log DISABLE TRIGGER audit_log_link;
      INSERT INTO audit_log (id, workspace_id, seq, occurred_at, actor_kind, action, result, details, prev_hash, hash)
      SELECT nextval('audit_log_id_seq'), ws, last.seq + 1, at, 'user', 'auth.login.succeeded', 'success', d, last.hash,
             audit_entry_hash(last.hash, ws, last.seq + 1, at, 'user', NULL, 'auth.login.succeeded', NULL, NULL, 'success', NULL, NULL, NULL, NULL, d)
      FROM (SELECT '${workspaceId}'::uuid AS ws, '${at}'::timestamptz AS at, '{"i":${i}}'::jsonb AS d) v,
           LATERAL (SELECT coalesce(max(seq), 0) AS seq, coalesce((array_agg(hash ORDER BY seq DESC))[1], repeat('0', 64)) AS hash
                    FROM audit_log WHERE workspace_id = v.ws) last;
      ALTER TABLE audit_log ENABLE TRIGGER audit_log_link;
      COMMIT;`);
  }
}
