// SQL for workspaces, memberships and invitations. Tenant reads and writes take a WorkspaceTx (RLS
// limits them to that workspace); listing a user's own workspaces takes a UserTx, which RLS limits
// to that user's memberships.
import { sql } from 'kysely';
import type { UserTx, WorkspaceRole, WorkspaceTx } from '../db/index.js';

export interface WorkspaceSummary {
  id: string;
  name: string;
  role: WorkspaceRole;
}

export interface WorkspaceDetails {
  id: string;
  name: string;
  currency: string;
  timezone: string;
  requireMfa: boolean;
  createdAt: Date;
}

export interface MemberRow {
  userId: string;
  name: string;
  email: string;
  role: WorkspaceRole;
  twoFactorEnabled: boolean;
  joinedAt: Date;
}

export type InvitationRole = Exclude<WorkspaceRole, 'owner'>;

export interface InvitationRow {
  id: string;
  email: string;
  role: InvitationRole;
  tokenHash: Uint8Array;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

// --- workspaces -------------------------------------------------------------------------------------

export async function insertWorkspace(tx: WorkspaceTx, workspace: { id: string; name: string; currency: string; timezone?: string }): Promise<void> {
  await tx.insertInto('workspaces').values(workspace).execute();
}

export async function findWorkspace(tx: WorkspaceTx, id: string): Promise<WorkspaceDetails | undefined> {
  const row = await tx
    .selectFrom('workspaces')
    .select(['id', 'name', 'currency', 'timezone', 'require_mfa', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { id: row.id, name: row.name, currency: row.currency, timezone: row.timezone, requireMfa: row.require_mfa, createdAt: new Date(row.created_at) };
}

export async function updateWorkspace(
  tx: WorkspaceTx,
  id: string,
  patch: { name?: string | undefined; currency?: string | undefined; timezone?: string | undefined; requireMfa?: boolean | undefined },
): Promise<void> {
  const values = {
    ...(patch.name === undefined ? {} : { name: patch.name }),
    ...(patch.currency === undefined ? {} : { currency: patch.currency }),
    ...(patch.timezone === undefined ? {} : { timezone: patch.timezone }),
    ...(patch.requireMfa === undefined ? {} : { require_mfa: patch.requireMfa }),
  };
  if (Object.keys(values).length === 0) return;
  await tx.updateTable('workspaces').set(values).where('id', '=', id).execute();
}

/**
 * Serialises membership changes within one workspace: held until the transaction ends. NO KEY
 * UPDATE, so rows that merely reference the workspace (foreign keys take KEY SHARE) are not held up.
 */
export async function lockWorkspaceMemberships(tx: WorkspaceTx, id: string): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`SELECT id FROM workspaces WHERE id = ${id} FOR NO KEY UPDATE`.execute(tx);
  return rows.length === 1;
}

export async function listWorkspacesOfUser(tx: UserTx, userId: string): Promise<WorkspaceSummary[]> {
  return tx
    .selectFrom('memberships as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['w.id', 'w.name', 'm.role'])
    .where('m.user_id', '=', userId)
    .orderBy('w.created_at')
    .execute();
}

// --- memberships ------------------------------------------------------------------------------------

export async function insertMembership(tx: WorkspaceTx, membership: { workspaceId: string; userId: string; role: WorkspaceRole }): Promise<void> {
  await tx
    .insertInto('memberships')
    .values({ workspace_id: membership.workspaceId, user_id: membership.userId, role: membership.role })
    .execute();
}

export async function findMemberRole(tx: WorkspaceTx, userId: string): Promise<WorkspaceRole | undefined> {
  const row = await tx.selectFrom('memberships').select('role').where('user_id', '=', userId).executeTakeFirst();
  return row?.role;
}

export async function countOwners(tx: WorkspaceTx): Promise<number> {
  const row = await tx
    .selectFrom('memberships')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateMemberRole(tx: WorkspaceTx, userId: string, role: WorkspaceRole): Promise<void> {
  await tx.updateTable('memberships').set({ role }).where('user_id', '=', userId).execute();
}

export async function deleteMembership(tx: WorkspaceTx, userId: string): Promise<void> {
  await tx.deleteFrom('memberships').where('user_id', '=', userId).execute();
}

/** Members with their account details (users_workspace_member_read lets a WorkspaceTx see them). */
export async function listMembers(tx: WorkspaceTx): Promise<MemberRow[]> {
  const rows = await tx
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.name', 'u.email', 'u.totp_enabled_at', 'm.role', 'm.created_at'])
    .orderBy('m.created_at')
    .orderBy('u.id')
    .execute();
  return rows.map((r) => ({
    userId: r.id,
    name: r.name,
    email: r.email,
    role: r.role,
    twoFactorEnabled: r.totp_enabled_at !== null,
    joinedAt: new Date(r.created_at),
  }));
}

export async function isMemberEmail(tx: WorkspaceTx, email: string): Promise<boolean> {
  const row = await tx
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('u.id')
    .where(sql<boolean>`lower(u.email) = lower(${email})`)
    .executeTakeFirst();
  return row !== undefined;
}

/** The caller's own address and whether it is confirmed (a UserTx sees only its own user row). */
export async function findOwnAccount(tx: UserTx, userId: string): Promise<{ email: string; emailVerifiedAt: Date | null } | undefined> {
  const row = await tx.selectFrom('users').select(['email', 'email_verified_at']).where('id', '=', userId).executeTakeFirst();
  return row && { email: row.email, emailVerifiedAt: row.email_verified_at };
}

// --- invitations ------------------------------------------------------------------------------------

function toInvitation(r: {
  id: string;
  email: string;
  role: InvitationRole;
  token_hash: Uint8Array;
  invited_by: string | null;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}): InvitationRow {
  return {
    id: r.id,
    email: r.email,
    role: r.role,
    tokenHash: r.token_hash,
    invitedBy: r.invited_by,
    createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at),
    acceptedAt: r.accepted_at === null ? null : new Date(r.accepted_at),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
  };
}

const invitationColumns = ['id', 'email', 'role', 'token_hash', 'invited_by', 'created_at', 'expires_at', 'accepted_at', 'revoked_at'] as const;

export async function insertInvitation(
  tx: WorkspaceTx,
  invitation: { id: string; workspaceId: string; email: string; role: InvitationRole; tokenHash: Buffer; invitedBy: string; now: Date; expiresAt: Date },
): Promise<InvitationRow> {
  const row = await tx
    .insertInto('invitations')
    .values({
      id: invitation.id,
      workspace_id: invitation.workspaceId,
      email: invitation.email,
      role: invitation.role,
      token_hash: invitation.tokenHash,
      invited_by: invitation.invitedBy,
      created_at: invitation.now,
      expires_at: invitation.expiresAt,
    })
    .returning(invitationColumns)
    .executeTakeFirstOrThrow();
  return toInvitation(row);
}

export async function findInvitation(tx: WorkspaceTx, id: string): Promise<InvitationRow | undefined> {
  const row = await tx.selectFrom('invitations').select(invitationColumns).where('id', '=', id).executeTakeFirst();
  return row && toInvitation(row);
}

export async function listPendingInvitations(tx: WorkspaceTx, now: Date): Promise<InvitationRow[]> {
  const rows = await tx
    .selectFrom('invitations')
    .select(invitationColumns)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(toInvitation);
}

export async function countPendingInvitations(tx: WorkspaceTx, now: Date): Promise<number> {
  const row = await tx
    .selectFrom('invitations')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Revokes one pending invitation; false when it is not pending (unknown, accepted or revoked). */
export async function revokeInvitation(tx: WorkspaceTx, id: string, now: Date): Promise<InvitationRow | undefined> {
  const row = await tx
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning(invitationColumns)
    .executeTakeFirst();
  return row && toInvitation(row);
}

/** Revokes every pending invitation to `email` (a new one replaces them). @returns their ids. */
export async function revokePendingInvitationsTo(tx: WorkspaceTx, email: string, now: Date): Promise<string[]> {
  const rows = await tx
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where(sql<boolean>`lower(email) = lower(${email})`)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Marks a live invitation accepted, in one statement: of two concurrent accepts, one wins.
 * @returns false when it was already accepted, revoked, or expired at `now`.
 */
export async function markInvitationAccepted(tx: WorkspaceTx, id: string, userId: string, now: Date): Promise<boolean> {
  const row = await tx
    .updateTable('invitations')
    .set({ accepted_at: now, accepted_by: userId })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
