// Walks audit chains in seq order and names the first entry where the chain breaks: a gap in
// seq, a prev_hash that is not its predecessor's hash, or content that no longer matches its
// hash (recomputed here, independently of the database's trigger). Every stored entry of a chain
// is read, so an entry slipped in past the last honest one is checked like any other. A chain
// whose oldest entries retention purged is verified from its newest checkpoint.
// What no in-database check can see: entries cut off the end of a chain by someone able to switch
// the triggers off. Catching that needs a chain's last hash kept outside the database.
import type { Database } from '../db/index.js';
import { GENESIS_HASH, entryHash } from './hash.js';
import { chainKey, listChains, listLatestCheckpoints, readChainBatch, type StoredEntry } from './queries.js';
import type { AuditVerifyResult } from './schema.js';

const BATCH_SIZE = 1000;

type Broken = Extract<AuditVerifyResult, { ok: false }>;

function checkEntry(entry: StoredEntry, expectedSeq: number, prevHash: string): string | null {
  if (entry.seq !== expectedSeq) return `entry ${expectedSeq} is missing (found ${entry.seq} next)`;
  if (entry.prevHash !== prevHash) return 'prev_hash does not match the previous entry';
  if (entryHash(entry) !== entry.hash) return 'content does not match its hash';
  return null;
}

/**
 * Verifies every chain, or one workspace's (`workspaceId`; null for the platform chain). Runs as
 * the system role, one batch per transaction; entries appended while it runs are verified too
 * when they land in a batch it has yet to read.
 */
export async function verifyAuditChains(db: Database, options: { workspaceId?: string | null } = {}): Promise<AuditVerifyResult> {
  const reason = 'audit: verify hash chains';
  const { chains, checkpoints } = await db.unsafeAsSystem(reason, async (tx) => ({
    chains: await listChains(tx, options.workspaceId),
    checkpoints: await listLatestCheckpoints(tx, options.workspaceId),
  }));

  let entries = 0;
  for (const workspaceId of chains) {
    const key = chainKey(workspaceId);
    const checkpoint = checkpoints.get(key);
    let expectedSeq = (checkpoint?.seq ?? 0) + 1;
    let prevHash = checkpoint?.hash ?? GENESIS_HASH;
    for (;;) {
      const batch = await db.unsafeAsSystem(reason, (tx) => readChainBatch(tx, workspaceId, expectedSeq - 1, BATCH_SIZE));
      for (const entry of batch) {
        const problem = checkEntry(entry, expectedSeq, prevHash);
        if (problem !== null) return { ok: false, chain: key, seq: entry.seq, id: entry.id, reason: problem } satisfies Broken;
        prevHash = entry.hash;
        expectedSeq += 1;
        entries += 1;
      }
      if (batch.length < BATCH_SIZE) break;
    }
  }
  return { ok: true, entries, chains: chains.length };
}
