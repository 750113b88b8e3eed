// Group append: records for one chain that arrive while an append to it is in flight wait and then
// go in together, in one transaction and one INSERT. Appends to a chain serialise on its lock
// until commit anyway, so one commit for many entries is what lets a busy chain keep up.
// Guarantees: each caller's promise resolves only after its own entry committed; entries keep
// their arrival order; an entry that fails (a CHECK, say) fails alone, not with its batch.
import type { Database, SystemTx, WorkspaceTx } from '../db/index.js';
import { appendEntries, appendEntry, chainKey, type AppendedEntry, type NewAuditEntry } from './queries.js';

/** Keeps a batch's INSERT and its trigger work well under the statement timeout. */
const MAX_BATCH = 64;

interface Waiting {
  entry: NewAuditEntry;
  resolve: (appended: AppendedEntry) => void;
  reject: (error: unknown) => void;
}

export type ChainAppender = (entry: NewAuditEntry) => Promise<AppendedEntry>;

export function createChainWriter(db: Database, systemReason: string): ChainAppender {
  const queues = new Map<string, Waiting[]>();

  function inChainTransaction<T>(workspaceId: string | null, fn: (tx: WorkspaceTx | SystemTx) => Promise<T>): Promise<T> {
    return workspaceId === null ? db.unsafeAsSystem(systemReason, fn) : db.withWorkspace(workspaceId, fn);
  }

  async function drain(key: string, queue: Waiting[]): Promise<void> {
    for (;;) {
      const batch = queue.splice(0, MAX_BATCH);
      const first = batch[0];
      if (first === undefined) {
        queues.delete(key);
        return;
      }
      const workspaceId = first.entry.workspaceId;
      try {
        const appended = await inChainTransaction(workspaceId, (tx) => appendEntries(tx, batch.map((w) => w.entry)));
        batch.forEach((w, i) => w.resolve(appended[i] as AppendedEntry));
      } catch (error) {
        if (batch.length === 1) {
          first.reject(error);
          continue;
        }
        // One bad entry must not take the others down: retry each on its own.
        for (const w of batch) {
          await inChainTransaction(workspaceId, (tx) => appendEntry(tx, w.entry)).then(w.resolve, w.reject);
        }
      }
    }
  }

  return (entry) =>
    new Promise<AppendedEntry>((resolve, reject) => {
      const key = chainKey(entry.workspaceId);
      const queue = queues.get(key);
      if (queue !== undefined) {
        queue.push({ entry, resolve, reject });
        return;
      }
      const started: Waiting[] = [{ entry, resolve, reject }];
      queues.set(key, started);
      void drain(key, started);
    });
}
