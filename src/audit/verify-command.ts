// `throughline audit verify`: exit 0 when every chain verifies, 1 naming the first broken entry,
// 2 when verification itself could not run.
import type { Database } from '../db/index.js';
import { verifyAuditChains } from './verify.js';

export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
}

export async function runAuditVerifyCommand(db: Database, io: CommandIo, options: { workspaceId?: string | null } = {}): Promise<number> {
  try {
    const result = await verifyAuditChains(db, options);
    if (result.ok) {
      io.out(`audit log intact: ${result.entries} entries in ${result.chains} chains`);
      return 0;
    }
    const id = result.id === null ? '' : ` (entry id ${result.id})`;
    io.err(`audit log BROKEN: chain ${result.chain}, seq ${result.seq}${id}: ${result.reason}`);
    return 1;
  } catch (error) {
    io.err(`audit verify failed to run: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}
