// SQL for the users table. Users are platform rows (not tenant rows): reached as the app role.
import type { AppTx } from '../db/index.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  passwordHash: string | null;
}

export async function insertUser(tx: AppTx, user: { email: string; name: string; passwordHash: string }): Promise<UserRow> {
  const row = await tx
    .insertInto('users')
    .values({ email: user.email, name: user.name, password_hash: user.passwordHash })
    .returning(['id', 'email', 'name', 'password_hash'])
    .executeTakeFirstOrThrow();
  return { id: row.id, email: row.email, name: row.name, passwordHash: row.password_hash };
}

export async function findUserByEmail(tx: AppTx, email: string): Promise<UserRow | undefined> {
  const row = await tx
    .selectFrom('users')
    .select(['id', 'email', 'name', 'password_hash'])
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst();
  return row && { id: row.id, email: row.email, name: row.name, passwordHash: row.password_hash };
}

export async function updatePasswordHash(tx: AppTx, userId: string, passwordHash: string): Promise<void> {
  await tx.updateTable('users').set({ password_hash: passwordHash, updated_at: new Date() }).where('id', '=', userId).execute();
}
