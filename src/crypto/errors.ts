// The errors the crypto module throws: a stable `code` to branch on and a generic message.
// Detail that would help an attacker (which check failed, which key, what the value was) is never
// in the message: a tampered value, a value moved to another row and a wrong key all read alike.

export const CRYPTO_ERRORS = {
  /** Not a sealed value of a format this build reads (or truncated). */
  'crypto.malformed': 'The stored secret is not in a readable format.',
  /** Authentication failed: tampered, moved to another place, or sealed under another key. */
  'crypto.decrypt_failed': 'The stored secret could not be decrypted.',
  /** The data key or key-encryption key the value names is not available (destroyed, or another tenant's). */
  'crypto.key_unavailable': 'The key for this secret is not available.',
  /** ENCRYPTION_KEYS or the key file does not hold a usable key ring. */
  'crypto.keys_invalid': 'The encryption key ring is not valid.',
  /** A KEK rotation is due but the keys come from the operator, who must supply the new key. */
  'crypto.rotation_needs_key': 'A new key-encryption key must be supplied by the operator.',
} as const;

export type CryptoErrorCode = keyof typeof CRYPTO_ERRORS;

export class CryptoError extends Error {
  override name = 'CryptoError';
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, options: { cause?: unknown } = {}) {
    super(CRYPTO_ERRORS[code], { cause: options.cause });
    this.code = code;
  }
}

export function isCryptoError(value: unknown, code?: CryptoErrorCode): value is CryptoError {
  return value instanceof CryptoError && (code === undefined || value.code === code);
}
