// Opaque bearer secrets in the split-token form `<ownerId>.<rowId>.<secret>`: the owner id (a user
// or a workspace) selects the RLS scope, the row id selects the row, and only SHA-256(secret) is
// stored. Guarantees: 256-bit secrets from the CSPRNG; comparison in constant time; a malformed
// token is rejected before any database work.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SPLIT_TOKEN = new RegExp(`^(${UUID})\\.(${UUID})\\.([A-Za-z0-9_-]{43})$`);

export interface MintedToken {
  /** What the client receives; never stored. */
  token: string;
  id: string;
  /** SHA-256 of the secret part: the only thing stored. */
  hash: Buffer;
}

export interface ParsedToken {
  ownerId: string;
  id: string;
  hash: Buffer;
}

export function sha256(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

export function mintSplitToken(ownerId: string, id: string = randomUUID()): MintedToken {
  const secret = randomBytes(32).toString('base64url');
  return { token: `${ownerId}.${id}.${secret}`, id, hash: sha256(secret) };
}

export function parseSplitToken(token: string): ParsedToken | undefined {
  const match = SPLIT_TOKEN.exec(token);
  if (match === null) return undefined;
  const [, ownerId, id, secret] = match as unknown as [string, string, string, string];
  return { ownerId, id, hash: sha256(secret) };
}

/** Constant-time equality of two stored hashes (or any equal-length byte strings). */
export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
