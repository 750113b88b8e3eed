// The tamper-evidence hash, recomputed by the verifier. The database computes it when an entry is
// appended (audit_entry_hash in 0003_audit.sql); this is the same canonical serialisation, byte
// for byte, and hash.test.ts checks the two agree on tricky values.
//
//   hash = lower-hex SHA-256 of the UTF-8 bytes of field(v1) || field(v2) || ... || field(v16)
//   field(null) = '~,'      field(text) = <UTF-8 byte length in decimal> ':' <text> ','
//
// in this order: 'throughline.audit.v1', prevHash, workspaceId, seq, occurredAt as whole
// milliseconds since the Unix epoch, actorKind, actorId, action, targetType, targetId, result,
// ip, userAgent, device, requestId, details. Values are the text PostgreSQL prints for them
// (uuid lower case, inet::text with its mask, jsonb::text): the length prefix makes any content unambiguous,
// and jsonb's text output is already canonical, so the JSON is hashed as printed, never re-serialised.
import { createHash } from 'node:crypto';

/** prev_hash of the first entry in every chain. */
export const GENESIS_HASH = '0'.repeat(64);

const FORMAT_TAG = 'throughline.audit.v1';

/** The fields an entry's hash covers: everything but its database id and its own hash. */
export interface HashedEntryContent {
  prevHash: string;
  workspaceId: string | null;
  seq: number;
  occurredAt: Date;
  actorKind: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  result: string;
  /** `ip::text`, which always carries the mask (`203.0.113.7/32`), unlike the column's output form. */
  ip: string | null;
  userAgent: string | null;
  /** jsonb's text form, as `device::text` prints it. */
  deviceJson: string | null;
  requestId: string | null;
  /** jsonb's text form, as `details::text` prints it. */
  detailsJson: string;
}

function field(value: string | null): string {
  return value === null ? '~,' : `${Buffer.byteLength(value, 'utf8')}:${value},`;
}

/** The canonical serialisation an entry's hash is taken over (see the top of this file). */
export function canonicalEntry(entry: HashedEntryContent): string {
  return [
    FORMAT_TAG,
    entry.prevHash,
    entry.workspaceId,
    String(entry.seq),
    String(entry.occurredAt.getTime()),
    entry.actorKind,
    entry.actorId,
    entry.action,
    entry.targetType,
    entry.targetId,
    entry.result,
    entry.ip,
    entry.userAgent,
    entry.deviceJson,
    entry.requestId,
    entry.detailsJson,
  ]
    .map(field)
    .join('');
}

export function entryHash(entry: HashedEntryContent): string {
  return createHash('sha256').update(canonicalEntry(entry), 'utf8').digest('hex');
}
