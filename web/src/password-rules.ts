// What the server requires of a new password (src/auth/password-policy.ts), checked here only to
// answer the obvious cases without a round trip; the server's strength check is the one that counts.
import { t } from './i18n/index.js';

export const PASSWORD_MIN_LENGTH = 10;
/** bcrypt's limit: the server refuses longer passwords rather than truncating them. */
export const PASSWORD_MAX_BYTES = 72;

/** Why `password` cannot be a new password, or undefined when only the server can tell. */
export function newPasswordProblem(password: string): string | undefined {
  if ([...password].length < PASSWORD_MIN_LENGTH) return t('password.tooShort', { min: PASSWORD_MIN_LENGTH });
  if (new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES) return t('password.tooLong', { max: PASSWORD_MAX_BYTES });
  return undefined;
}
