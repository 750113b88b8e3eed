// The stored form of a secret: `tlv1.<dekId>.<nonce>.<ciphertext+tag>` (base64url parts), and the
// associated data that binds it to its place. Self-describing: the format version and the data
// key it was sealed under are readable without any key, so rotation can find what to re-encrypt.
import { NONCE_BYTES, TAG_BYTES } from './aes-gcm.js';
import { CryptoError } from './errors.js';

export const SEALED_PREFIX = 'tlv1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

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
  const parts = value.split('.');
  const [version, dekId, nonce, body] = parts;
  if (parts.length !== 4 || version !== SEALED_PREFIX || dekId === undefined || !UUID.test(dekId)) throw new CryptoError('crypto.malformed');
  if (nonce === undefined || body === undefined || !B64URL.test(nonce) || !B64URL.test(body)) throw new CryptoError('crypto.malformed');
  const parsed = { dekId, nonce: Buffer.from(nonce, 'base64url'), body: Buffer.from(body, 'base64url') };
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
  return Buffer.from(JSON.stringify([SEALED_PREFIX, dekId, place.table, place.column, place.rowId, place.workspaceId]), 'utf8');
}

/** The AAD of a wrapped data key: bound to its id, owner and KEK, so a wrapped DEK cannot be swapped. */
export function dekWrapAad(dekId: string, workspaceId: string | null, kekId: string): Buffer {
  return Buffer.from(JSON.stringify(['tl-dek-v1', dekId, workspaceId, kekId]), 'utf8');
}
