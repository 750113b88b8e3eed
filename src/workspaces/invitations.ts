// Invitations by email: an admin invites an address with a role; the link goes to that address
// only. Guarantees: the link carries a split token `<workspaceId>.<invitationId>.<secret>` whose
// secret is stored only as SHA-256; it works once, for 7 days, and only for a signed-in user whose
// verified email equals the invited one (case-insensitive). The token's workspace id is what lets
// a not-yet-member's lookup run inside that workspace's RLS scope. Nobody is invited as owner (the
// table refuses it): owners are made by promoting a member.
import type { AuditContext, AuditService } from '../audit/index.js';
import { mintSplitToken, parseSplitToken, sameHash } from '../auth/index.js';
import type { Database } from '../db/index.js';
import { AppError } from '../http/errors.js';
import type { Mailer } from '../mail/index.js';
import type { WorkspaceAccess } from './access.js';
import { actingUserId, assertGrantedRole, requireCurrentRole } from './members.js';
import {
  countPendingInvitations,
  findInvitation,
  findMemberRole,
  findOwnAccount,
  findWorkspace,
  insertInvitation,
  insertMembership,
  isMemberEmail,
  listMembers,
  listPendingInvitations,
  markInvitationAccepted,
  revokeInvitation,
  revokePendingInvitationsTo,
  type InvitationRole,
  type InvitationRow,
  type WorkspaceSummary,
} from './queries.js';

export const INVITATION_LIFETIME_DAYS = 7;
/** Pending invitations one workspace may hold: a bound on mail one admin account can send. */
export const MAX_PENDING_INVITATIONS = 100;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface InvitationView {
  id: string;
  email: string;
  role: InvitationRole;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
}

export interface InvitationsService {
  invite(access: WorkspaceAccess, input: { email: string; role: InvitationRole }, context: AuditContext): Promise<InvitationView>;
  listPending(access: WorkspaceAccess): Promise<InvitationView[]>;
  revoke(access: WorkspaceAccess, invitationId: string, context: AuditContext): Promise<void>;
  /** Joins the invitation's workspace as the signed-in user `userId`. */
  accept(userId: string, token: string, context: AuditContext): Promise<WorkspaceSummary>;
}

export interface InvitationsServiceDeps {
  db: Pick<Database, 'withWorkspace' | 'withUser'>;
  audit: Pick<AuditService, 'record'>;
  mailer: Mailer;
  /** Base URL for the link in the email. */
  publicUrl: string;
  now?: () => Date;
}

const toView = (row: InvitationRow): InvitationView => ({
  id: row.id,
  email: row.email,
  role: row.role,
  invitedBy: row.invitedBy,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
});

/** Names chosen by users go into a mail body and subject: one line, no control characters. */
const oneLine = (text: string) => text.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').trim();

export function createInvitationsService(deps: InvitationsServiceDeps): InvitationsService {
  const { db, audit, mailer } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    async invite(access, input, context) {
      assertGrantedRole(access, 'admin');
      const inviterId = actingUserId(access);
      const { workspaceId } = access;
      const email = input.email.trim();
      const at = now();
      const minted = mintSplitToken(workspaceId);
      const created = await db.withWorkspace(workspaceId, async (tx) => {
        await requireCurrentRole(tx, access, 'admin');
        if (await isMemberEmail(tx, email)) throw new AppError('workspace.already_member');
        // One live link per address: a new invitation replaces any pending one.
        const replaced = await revokePendingInvitationsTo(tx, email, at);
        if ((await countPendingInvitations(tx, at)) >= MAX_PENDING_INVITATIONS) {
          throw new AppError('request.conflict', { message: `A workspace can have at most ${MAX_PENDING_INVITATIONS} pending invitations; revoke some first.` });
        }
        const row = await insertInvitation(tx, {
          id: minted.id,
          workspaceId,
          email,
          role: input.role,
          tokenHash: minted.hash,
          invitedBy: inviterId,
          now: at,
          expiresAt: new Date(at.getTime() + INVITATION_LIFETIME_DAYS * DAY_MS),
        });
        const workspace = await findWorkspace(tx, workspaceId);
        const inviter = (await listMembers(tx)).find((m) => m.userId === inviterId);
        await audit.record(
          { action: 'workspace.invitation.created', workspaceId, target: { type: 'invitation', id: row.id }, details: { email, role: input.role, replaced } },
          context,
          tx,
        );
        return { row, workspaceName: workspace?.name ?? 'a workspace', inviterName: inviter?.name ?? 'A member' };
      });
      try {
        await mailer.send({
          to: email,
          subject: `Invitation to ${oneLine(created.workspaceName).slice(0, 80)} on Throughline`,
          text:
            `${oneLine(created.inviterName)} invited you to join the workspace "${oneLine(created.workspaceName)}" on Throughline as ${input.role}.\n\n` +
            `To accept, sign in (or create an account) with this email address, confirm the address, then open:\n\n` +
            `${deps.publicUrl}/invitations/accept#token=${minted.token}\n\n` +
            `The link works once, for ${INVITATION_LIFETIME_DAYS} days. If you did not expect this invitation, ignore this message.\n`,
        });
      } catch (error) {
        // An invitation nobody received must not stay live: take it back and say so.
        await db.withWorkspace(workspaceId, (tx) => revokeInvitation(tx, created.row.id, now()));
        throw new AppError('service.unavailable', { message: 'The invitation email could not be sent; try again later.', cause: error });
      }
      return toView(created.row);
    },

    async listPending(access) {
      assertGrantedRole(access, 'admin');
      actingUserId(access);
      return db.withWorkspace(access.workspaceId, async (tx) => (await listPendingInvitations(tx, now())).map(toView));
    },

    async revoke(access, invitationId, context) {
      assertGrantedRole(access, 'admin');
      const { workspaceId } = access;
      await db.withWorkspace(workspaceId, async (tx) => {
        await requireCurrentRole(tx, access, 'admin');
        const revoked = await revokeInvitation(tx, invitationId, now());
        if (revoked === undefined) throw new AppError('request.not_found', { message: 'No such pending invitation.' });
        await audit.record(
          { action: 'workspace.invitation.revoked', workspaceId, target: { type: 'invitation', id: invitationId }, details: { email: revoked.email, role: revoked.role } },
          context,
          tx,
        );
      });
    },

    async accept(userId, token, context) {
      const parsed = parseSplitToken(token);
      if (parsed === undefined) throw new AppError('auth.token_invalid');
      const workspaceId = parsed.ownerId;
      const account = await db.withUser(userId, (tx) => findOwnAccount(tx, userId));
      if (account === undefined) throw new AppError('auth.unauthenticated');
      const at = now();
      // SECURITY: the caller is not a member yet; the token's workspace id scopes this lookup, and
      // the row id plus the hash of the secret must both match before anything about it is used.
      const outcome = await db.withWorkspace(workspaceId, async (tx) => {
        const invitation = await findInvitation(tx, parsed.id);
        if (invitation === undefined || !sameHash(invitation.tokenHash, parsed.hash)) return { kind: 'invalid' as const };
        if (invitation.acceptedAt !== null || invitation.revokedAt !== null || invitation.expiresAt <= at) return { kind: 'invalid' as const };
        if (account.emailVerifiedAt === null) return { kind: 'denied' as const, reason: 'email_unverified' as const, invitation };
        if (account.email.toLowerCase() !== invitation.email.toLowerCase()) return { kind: 'denied' as const, reason: 'email_mismatch' as const, invitation };
        if ((await findMemberRole(tx, userId)) !== undefined) throw new AppError('workspace.already_member', { message: 'You are already a member of this workspace.' });
        if (!(await markInvitationAccepted(tx, invitation.id, userId, at))) return { kind: 'invalid' as const };
        await insertMembership(tx, { workspaceId, userId, role: invitation.role });
        const workspace = await findWorkspace(tx, workspaceId);
        await audit.record(
          { action: 'workspace.invitation.accepted', workspaceId, target: { type: 'invitation', id: invitation.id }, details: { email: invitation.email, role: invitation.role } },
          context,
          tx,
        );
        await audit.record(
          { action: 'workspace.member.added', workspaceId, target: { type: 'user', id: userId }, details: { role: invitation.role, invitationId: invitation.id } },
          context,
          tx,
        );
        return { kind: 'joined' as const, workspace: { id: workspaceId, name: workspace?.name ?? '', role: invitation.role } };
      });
      if (outcome.kind === 'invalid') throw new AppError('auth.token_invalid');
      if (outcome.kind === 'denied') {
        await audit.record(
          {
            action: 'workspace.invitation.accepted',
            workspaceId,
            result: 'denied',
            target: { type: 'invitation', id: outcome.invitation.id },
            details: { reason: outcome.reason },
          },
          context,
        );
        throw new AppError(outcome.reason === 'email_unverified' ? 'auth.email_unverified' : 'workspace.invitation_email_mismatch');
      }
      return outcome.workspace;
    },
  };
}
