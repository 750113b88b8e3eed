// The text form of a key ring, shared by ENCRYPTION_KEYS, ENCRYPTION_KEYS_FILE and the generated
// demo key file: `id:base64key` entries separated by commas or newlines, the active key first.
import { CryptoError } from './errors.js';
import { KEY_BYTES } from './aes-gcm.js';

/** Key ids appear in data_keys.kek_id and in logs: short, and never `.` or `:` (separators). */
export const KEK_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

export interface KekMaterial {
  id: string;
  material: Buffer;
}

/**
 * Parses a key ring. Every key must decode to exactly 32 bytes and ids must be unique.
 * @throws CryptoError `crypto.keys_invalid`, whose message never contains the input.
 */
export function parseKeySpec(text: string): KekMaterial[] {
  const entries = text.split(/[\s,]+/).filter((e) => e !== '');
  if (entries.length === 0) throw new CryptoError('crypto.keys_invalid');
  const seen = new Set<string>();
  return entries.map((entry) => {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (colon < 1 || !KEK_ID.test(id) || !BASE64.test(encoded) || seen.has(id)) throw new CryptoError('crypto.keys_invalid');
    const material = Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64');
    if (material.length !== KEY_BYTES) throw new CryptoError('crypto.keys_invalid');
    seen.add(id);
    return { id, material };
  });
}

export function isKeySpec(text: string): boolean {
  try {
    parseKeySpec(text);
    return true;
  } catch {
    return false;
  }
}

export function formatKeySpec(keys: readonly KekMaterial[]): string {
  return `${keys.map((k) => `${k.id}:${k.material.toString('base64')}`).join('\n')}\n`;
}
