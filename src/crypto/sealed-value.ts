// The stored form of a secret: `tlv1.<dekId>.<nonce>.<ciphertext+tag>` (base64url parts), and the
// associated data that binds it to its place. Self-describing: the format version and the data
// key it was sealed under are readable without any key, so rotation can find what to re-encrypt.
import { NONCE_BYTES, TAG_BYTES } from './aes-gcm.js';
import { CryptoError } from './errors.js';

export const SEALED_PREFIX = 'tlv1';
/**
 * The whole stored form in one pass: version, a lower-case UUID, a 16-character nonce (12 bytes) and
 * a body of at least the tag. Unpadded base64url only, as formatSealed writes it. The parts sit at
 * fixed offsets: `tlv1.` (5) + UUID (36) + `.` + nonce (16) + `.`.
 */
const SEALED_FORM = /^tlv1\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$/;
const DEK_ID_AT = 5;
const NONCE_AT = DEK_ID_AT + 36 + 1;
const BODY_AT = NONCE_AT + 16 + 1;

/** Where a secret lives. A sealed value opens only at the place it was sealed for. */
export interface SecretPlace {
  table: string;
  column: string;
  rowId: string;
  workspaceId: string;
}

/** A platform secret (JWT signing keys, ...): sealed under the platform data key. */
export type PlatformSecretPlace = Omit<SecretPlace, 'workspaceId'>;

export interface ParsedSealed {
  dekId: string;
  nonce: Buffer;
  body: Buffer;
}

export function formatSealed(dekId: string, nonce: Buffer, body: Buffer): string {
  return `${SEALED_PREFIX}.${dekId}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

/** The LIKE pattern matching every value sealed under one data key. */
export function sealedPrefixOf(dekId: string): string {
  return `${SEALED_PREFIX}.${dekId}.`;
}

export function parseSealed(value: string): ParsedSealed {
  // One anchored regex and fixed offsets instead of split() and a regex per part: this runs on
  // every read of a secret (bench/vault.ts). Everything formatSealed writes still parses; the only
  // change is stricter (a nonce of 17 characters, whose last one decodes to nothing, is refused).
  if (!SEALED_FORM.test(value)) throw new CryptoError('crypto.malformed');
  const parsed = {
    dekId: value.slice(DEK_ID_AT, NONCE_AT - 1),
    nonce: Buffer.from(value.slice(NONCE_AT, BODY_AT - 1), 'base64url'),
    body: Buffer.from(value.slice(BODY_AT), 'base64url'),
  };
  if (parsed.nonce.length !== NONCE_BYTES || parsed.body.length < TAG_BYTES) throw new CryptoError('crypto.malformed');
  return parsed;
}

/**
 * SECURITY: the AAD names the format, the data key, and the value's table, column, row and
 * workspace. A ciphertext copied to another row, column or tenant fails authentication, and a
 * header edited to point at another key fails too. JSON of an array is unambiguous: no field can
 * absorb a separator from its neighbour.
 */
export function valueAad(dekId: string, place: PlatformSecretPlace & { workspaceId: string | null }): Buffer {
  // Byte for byte JSON.stringify([SEALED_PREFIX, dekId, table, column, rowId, workspaceId]) (stored
  // values depend on it; sealed-value.test.ts compares the two), built without the array.
  const workspace = place.workspaceId === null ? 'null' : jsonString(place.workspaceId);
  return Buffer.from(`["${SEALED_PREFIX}",${jsonString(dekId)},${jsonString(place.table)},${jsonString(place.column)},${jsonString(place.rowId)},${workspace}]`, 'utf8');
}

/** Printable ASCII without `"` and `\`: the strings JSON.stringify quotes without escaping anything. */
const JSON_PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function jsonString(value: string): string {
  return JSON_PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}

/** The AAD of a wrapped data key: bound to its id, owner and KEK, so a wrapped DEK cannot be swapped. */
export function dekWrapAad(dekId: string, workspaceId: string | null, kekId: string): Buffer {
  return Buffer.from(JSON.stringify(['tl-dek-v1', dekId, workspaceId, kekId]), 'utf8');
}
