// The audit service: the only way other modules write to or read the audit log. Guarantees:
// details are scrubbed of secrets before they are hashed and stored; an entry recorded inside a
// caller's WorkspaceTx commits or rolls back with the caller's change; exports are themselves audited.
import { isIP } from 'node:net';
import type { Database, WorkspaceTx } from '../db/index.js';
import { csvRow } from '../http/csv.js';
import { normaliseUserAgent, parseDevice } from './device.js';
import { createChainWriter } from './chain-writer.js';
import { appendEntry, listEntries, type NewAuditEntry } from './queries.js';
import {
  auditContextSchema,
  auditEventSchema,
  auditListFilterSchema,
  type AuditContext,
  type AuditEntry,
  type AuditEvent,
  type AuditListFilter,
  type AuditPage,
} from './schema.js';
import { scrubDetails, storableText } from './scrub.js';

/** Every unsafeAsSystem reason the audit module uses starts with this (see auditSystemAccess). */
export const AUDIT_SYSTEM_REASON_PREFIX = 'audit:';

/** Exports stop here; a larger window must be exported in parts (by from/to). */
const MAX_EXPORT_ENTRIES = 100_000;
const EXPORT_PAGE = 200;

export interface RecordedEntry {
  id: number;
  seq: number;
  hash: string;
}

export interface AuditService {
  /**
   * Appends an event. With `tx` (the caller's withWorkspace transaction, for the event's
   * workspace) the entry commits with the caller's change; otherwise in a transaction of the audit
   * module's own (shared with other entries for the same chain waiting at that moment), and the
   * promise resolves once it committed.
   * Events without a workspace go to the platform chain.
   */
  record(event: AuditEvent, context: AuditContext, tx?: WorkspaceTx): Promise<RecordedEntry>;
  /** One chain, newest first; `workspaceId` null is the platform chain (platform staff only). */
  list(workspaceId: string | null, filter?: AuditListFilter): Promise<AuditPage>;
  exportCsv(workspaceId: string | null, filter: Omit<AuditListFilter, 'cursor' | 'limit'>, context: AuditContext): Promise<string>;
  exportJsonl(workspaceId: string | null, filter: Omit<AuditListFilter, 'cursor' | 'limit'>, context: AuditContext): Promise<string>;
}

export interface AuditServiceDeps {
  db: Database;
}

export function createAuditService({ db }: AuditServiceDeps): AuditService {
  const appendAlone = createChainWriter(db, `${AUDIT_SYSTEM_REASON_PREFIX} append to the platform chain`);

  function buildEntry(event: AuditEvent, context: AuditContext): NewAuditEntry {
    const e = auditEventSchema.parse(event);
    const c = auditContextSchema.parse(context);
    const userAgent = normaliseUserAgent(c.userAgent);
    // An unparseable address (a forged X-Forwarded-For) is dropped, not allowed to fail the action.
    const ip = c.ip !== null && c.ip !== undefined && isIP(c.ip) !== 0 ? c.ip : null;
    const text = (value: string | null | undefined) => (value === null || value === undefined ? null : storableText(value));
    return {
      workspaceId: e.workspaceId?.toLowerCase() ?? null,
      actorKind: c.actor.kind,
      actorId: text(c.actor.id),
      action: e.action,
      targetType: text(e.target?.type),
      targetId: text(e.target?.id),
      result: e.result,
      ip,
      userAgent,
      device: parseDevice(userAgent),
      requestId: text(c.requestId),
      details: scrubDetails(e.details),
    };
  }

  // SECURITY: seq, prev_hash, hash and occurred_at (the database clock) are set by the chain
  // trigger, not here: code holding a WorkspaceTx cannot forge or backdate an entry. The chain's
  // lock is held until tx ends: record last in a transaction that also takes other locks.
  async function record(event: AuditEvent, context: AuditContext, tx?: WorkspaceTx): Promise<RecordedEntry> {
    const entry = buildEntry(event, context);
    if (tx !== undefined) {
      // RLS refuses the append if this transaction belongs to another workspace.
      if (entry.workspaceId === null) throw new TypeError('audit.record: a platform event cannot join a workspace transaction');
      return appendEntry(tx, entry);
    }
    // Without a caller's transaction, entries for a busy chain share one (see chain-writer.ts).
    return appendAlone(entry);
  }

  async function page(workspaceId: string | null, filter: AuditListFilter = {}): Promise<AuditPage> {
    const f = auditListFilterSchema.parse(filter);
    const query = {
      action: f.action,
      actorId: f.actorId,
      result: f.result,
      from: f.from,
      to: f.to,
      beforeSeq: f.cursor === undefined ? undefined : Number(f.cursor),
      limit: f.limit + 1,
    };
    const rows =
      workspaceId === null
        ? await db.unsafeAsSystem(`${AUDIT_SYSTEM_REASON_PREFIX} list the platform chain`, (sys) => listEntries(sys, null, query))
        : await db.withWorkspace(workspaceId, (wtx) => listEntries(wtx, workspaceId, query));
    const entries = rows.slice(0, f.limit);
    const last = entries.at(-1);
    return { entries, nextCursor: rows.length > f.limit && last !== undefined ? String(last.seq) : null };
  }

  async function collectForExport(
    workspaceId: string | null,
    filter: Omit<AuditListFilter, 'cursor' | 'limit'>,
    context: AuditContext,
    format: 'csv' | 'jsonl',
  ): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    let cursor: string | undefined;
    do {
      const next = await page(workspaceId, { ...filter, cursor, limit: EXPORT_PAGE });
      entries.push(...next.entries);
      cursor = next.nextCursor ?? undefined;
    } while (cursor !== undefined && entries.length < MAX_EXPORT_ENTRIES);
    const exported = entries.slice(0, MAX_EXPORT_ENTRIES);
    // SECURITY: who took a copy of the log is itself on the log; no record, no export.
    await record(
      {
        action: 'audit.exported',
        workspaceId,
        details: { format, entries: exported.length, filter: auditListFilterSchema.omit({ cursor: true, limit: true }).parse(filter) },
      },
      context,
    );
    return exported;
  }

  return {
    record,
    list: page,
    async exportCsv(workspaceId, filter, context) {
      const entries = await collectForExport(workspaceId, filter, context, 'csv');
      const header = csvRow([...EXPORT_COLUMNS]);
      return header + entries.map((e) => csvRow(exportValues(e))).join('');
    },
    async exportJsonl(workspaceId, filter, context) {
      const entries = await collectForExport(workspaceId, filter, context, 'jsonl');
      return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
    },
  };
}

const EXPORT_COLUMNS = [
  'id',
  'workspace_id',
  'seq',
  'occurred_at',
  'actor_kind',
  'actor_id',
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

function exportValues(e: AuditEntry): (string | number | null)[] {
  return [
    e.id,
    e.workspaceId,
    e.seq,
    e.occurredAt.toISOString(),
    e.actorKind,
    e.actorId,
    e.action,
    e.targetType,
    e.targetId,
    e.result,
    e.ip,
    e.userAgent,
    e.device === null ? null : JSON.stringify(e.device),
    e.requestId,
    JSON.stringify(e.details),
    e.prevHash,
    e.hash,
  ];
}

/**
 * A listener for openDatabase's `onSystemAccess` that records platform access as `admin.accessed`
 * on the platform chain. It skips the audit module's own system access: recording that would
 * itself need system access, forever.
 */
export function auditSystemAccess(audit: Pick<AuditService, 'record'>, onError: (error: unknown) => void): (reason: string) => void {
  return (reason) => {
    if (reason.startsWith(AUDIT_SYSTEM_REASON_PREFIX)) return;
    audit.record({ action: 'admin.accessed', details: { reason } }, { actor: { kind: 'system' } }).catch(onError);
  };
}
