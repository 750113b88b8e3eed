// Auth module: accounts and passwords. (Sessions, 2FA and passkeys arrive with the identity work.)
export { BCRYPT_COST, PASSWORD_MAX_BYTES, assertPasswordFitsBcrypt, hashPassword, verifyPassword } from './password.js';
export { findUserByEmail, insertUser, updatePasswordHash } from './queries.js';
export type { UserRow } from './queries.js';
