// The audit tables through Kysely. Appends take the transaction the entry must commit with; reads
// of one workspace take its WorkspaceTx, cross-chain reads the SystemTx of verification.
import { sql, type Transaction } from 'kysely';
import type { DB, SystemTx, WorkspaceTx } from '../db/index.js';
import type { HashedEntryContent } from './hash.js';
import type { AuditEntry, AuditResult } from './schema.js';

export const PLATFORM_CHAIN = 'platform';

export function chainKey(workspaceId: string | null): string {
  return workspaceId ?? PLATFORM_CHAIN;
}

/** What the caller supplies; the database's chain trigger sets id, seq, prev_hash, occurred_at and hash. */
export interface NewAuditEntry {
  workspaceId: string | null;
  actorKind: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  result: string;
  ip: string | null;
  userAgent: string | null;
  device: unknown;
  requestId: string | null;
  details: unknown;
}

export interface AppendedEntry {
  id: number;
  seq: number;
  hash: string;
}

/**
 * Appends entries of one chain, in order, at its head: one INSERT, each row linked by the
 * audit_log_link trigger, which holds the chain's advisory lock until the transaction ends
 * (record last in a transaction that takes other locks, so two of them cannot wait on each other).
 */
export async function appendEntries(tx: WorkspaceTx | SystemTx, entries: readonly NewAuditEntry[]): Promise<AppendedEntry[]> {
  if (entries.length === 0) return [];
  const trx: Transaction<DB> = tx;
  const rows = entries.map(
    (e) => sql`(${e.workspaceId}::uuid, ${e.actorId}, ${e.actorKind}, ${e.action}, ${e.targetType}, ${e.targetId}, ${e.result}, ${e.ip}::inet,
                ${e.userAgent}, ${e.device === null ? null : JSON.stringify(e.device)}::jsonb, ${e.requestId}, ${JSON.stringify(e.details)}::jsonb)`,
  );
  const { rows: appended } = await sql<{ id: number; seq: number; hash: string }>`
    INSERT INTO audit_log (workspace_id, actor_id, actor_kind, action, target_type, target_id, result, ip, user_agent, device, request_id, details)
    VALUES ${sql.join(rows)}
    RETURNING id, seq, hash`.execute(trx);
  if (appended.length !== entries.length) throw new Error('audit append returned the wrong number of rows');
  // The trigger numbers rows in the order the INSERT feeds them, which is VALUES order: sorting by
  // seq maps results back to entries without relying on RETURNING's order.
  return appended.map((r) => ({ id: Number(r.id), seq: Number(r.seq), hash: r.hash })).sort((a, b) => a.seq - b.seq);
}

export async function appendEntry(tx: WorkspaceTx | SystemTx, entry: NewAuditEntry): Promise<AppendedEntry> {
  const [appended] = await appendEntries(tx, [entry]);
  if (appended === undefined) throw new Error('audit append returned no row');
  return appended;
}

const ENTRY_COLUMNS = [
  'id',
  'workspace_id',
  'seq',
  'occurred_at',
  'actor_id',
  'actor_kind',
  'action',
  'target_type',
  'target_id',
  'result',
  'ip',
  'user_agent',
  'device',
  'request_id',
  'details',
  'prev_hash',
  'hash',
] as const;

interface EntryRow {
  id: number;
  workspace_id: string | null;
  seq: number;
  occurred_at: Date;
  actor_id: string | null;
  actor_kind: AuditEntry['actorKind'];
  action: string;
  target_type: string | null;
  target_id: string | null;
  result: AuditResult;
  ip: string | null;
  user_agent: string | null;
  device: unknown;
  request_id: string | null;
  details: unknown;
  prev_hash: string;
  hash: string;
}

function toEntry(row: EntryRow): AuditEntry {
  return {
    id: Number(row.id),
    workspaceId: row.workspace_id,
    seq: Number(row.seq),
    occurredAt: new Date(row.occurred_at),
    actorKind: row.actor_kind,
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    result: row.result,
    ip: row.ip,
    userAgent: row.user_agent,
    device: (row.device ?? null) as AuditEntry['device'],
    requestId: row.request_id,
    details: (row.details ?? {}) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface EntryFilter {
  action?: string | undefined;
  actorId?: string | undefined;
  result?: AuditResult | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Only entries with seq below this (newest-first keyset pagination). */
  beforeSeq?: number | undefined;
  limit: number;
}

/** One chain's entries, newest first. Workspace chains through their WorkspaceTx; the platform chain as system. */
export async function listEntries(tx: WorkspaceTx | SystemTx, workspaceId: string | null, filter: EntryFilter): Promise<AuditEntry[]> {
  const trx: Transaction<DB> = tx;
  let query = trx
    .selectFrom('audit_log')
    .select(ENTRY_COLUMNS)
    .where('workspace_id', workspaceId === null ? 'is' : '=', workspaceId);
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId);
  if (filter.result !== undefined) query = query.where('result', '=', filter.result);
  if (filter.from !== undefined) query = query.where('occurred_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('occurred_at', '<', filter.to);
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
  const rows = await query.orderBy('seq', 'desc').limit(filter.limit).execute();
  return rows.map((r) => toEntry(r as EntryRow));
}

/** Every chain that has entries or a retention checkpoint (a chain purged to nothing still counts). */
export async function listChains(tx: SystemTx, workspaceId?: string | null): Promise<(string | null)[]> {
  const filter = workspaceId === undefined ? sql`true` : workspaceId === null ? sql`workspace_id IS NULL` : sql`workspace_id = ${workspaceId}`;
  const { rows } = await sql<{ workspace_id: string | null }>`
    SELECT workspace_id FROM audit_log WHERE ${filter}
    UNION
    SELECT workspace_id FROM audit_checkpoints WHERE ${filter}`.execute(tx);
  return rows.map((r) => r.workspace_id).sort((a, b) => chainKey(a).localeCompare(chainKey(b)));
}

/** A stored entry as the verifier sees it: the hashed content in the text forms the hash covers. */
export interface StoredEntry extends HashedEntryContent {
  id: number;
  hash: string;
}

/**
 * A batch of one chain's entries in seq order after `afterSeq`, with no upper bound: the verifier
 * reads every entry, including any appended past where an honest writer stopped.
 */
export async function readChainBatch(tx: SystemTx, workspaceId: string | null, afterSeq: number, limit: number): Promise<StoredEntry[]> {
  const chain = workspaceId === null ? sql`workspace_id IS NULL` : sql`workspace_id = ${workspaceId}`;
  const { rows } = await sql<{
    id: number;
    workspace_id: string | null;
    seq: number;
    occurred_at: Date;
    actor_kind: string;
    actor_id: string | null;
    action: string;
    target_type: string | null;
    target_id: string | null;
    result: string;
    ip: string | null;
    user_agent: string | null;
    device: string | null;
    request_id: string | null;
    details: string;
    prev_hash: string;
    hash: string;
  }>`
    SELECT id, workspace_id::text AS workspace_id, seq, occurred_at, actor_kind, actor_id, action, target_type, target_id, result,
           ip::text AS ip, user_agent, device::text AS device, request_id, details::text AS details, prev_hash, hash
    FROM audit_log
    WHERE ${chain} AND seq > ${afterSeq}
    ORDER BY seq
    LIMIT ${limit}`.execute(tx);
  return rows.map((r) => ({
    id: Number(r.id),
    prevHash: r.prev_hash,
    workspaceId: r.workspace_id,
    seq: Number(r.seq),
    occurredAt: new Date(r.occurred_at),
    actorKind: r.actor_kind,
    actorId: r.actor_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    result: r.result,
    ip: r.ip,
    userAgent: r.user_agent,
    deviceJson: r.device,
    requestId: r.request_id,
    detailsJson: r.details,
    hash: r.hash,
  }));
}

/** The newest retention checkpoint of each chain: where verification of that chain starts. */
export async function listLatestCheckpoints(tx: SystemTx, workspaceId?: string | null): Promise<Map<string, { seq: number; hash: string }>> {
  let query = tx.selectFrom('audit_checkpoints').select(['chain_key', 'seq', 'hash']).distinctOn('chain_key');
  if (workspaceId !== undefined) query = query.where('workspace_id', workspaceId === null ? 'is' : '=', workspaceId);
  const rows = await query.orderBy('chain_key').orderBy('seq', 'desc').execute();
  return new Map(rows.map((r) => [r.chain_key, { seq: Number(r.seq), hash: r.hash }]));
}
