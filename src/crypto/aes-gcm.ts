// AES-256-GCM through node:crypto (OpenSSL): the only cipher code in Throughline. Callers get a
// fresh random 96-bit nonce every time; the fixed-nonce form exists for known-answer tests only.
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { CryptoError } from './errors.js';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

export type AesKey = KeyObject | Buffer;

const GCM_OPTIONS = Object.freeze({ authTagLength: TAG_BYTES });

export interface GcmSealed {
  nonce: Buffer;
  /** Ciphertext followed by the 16-byte tag. */
  body: Buffer;
}

/** Encrypts under a fresh random nonce. */
export function gcmSeal(key: AesKey, plaintext: Buffer, aad: Buffer): GcmSealed {
  // SECURITY: a nonce reused under one key breaks GCM's confidentiality and lets an attacker forge
  // tags. 96 random bits per value keeps the collision chance negligible below 2^32 values per DEK.
  return gcmSealWithNonce(key, randomBytes(NONCE_BYTES), plaintext, aad);
}

/** @internal Known-answer tests only: the nonce must never be chosen by production code. */
export function gcmSealWithNonce(key: AesKey, nonce: Buffer, plaintext: Buffer, aad: Buffer): GcmSealed {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, GCM_OPTIONS);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, body };
}

/** Decrypts and authenticates; any failure is `crypto.decrypt_failed` with no detail. */
export function gcmOpen(key: AesKey, nonce: Buffer, body: Buffer, aad: Buffer): Buffer {
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) throw new CryptoError('crypto.malformed');
  const tagAt = body.length - TAG_BYTES;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, GCM_OPTIONS);
    decipher.setAAD(aad);
    decipher.setAuthTag(body.subarray(tagAt));
    const plaintext = decipher.update(body.subarray(0, tagAt));
    // SECURITY: final() checks the tag and throws on a mismatch; the plaintext is returned only
    // after it. (GCM is a stream mode: final() yields no further bytes, so nothing is concatenated.)
    decipher.final();
    return plaintext;
  } catch (cause) {
    throw new CryptoError('crypto.decrypt_failed', { cause });
  }
}
