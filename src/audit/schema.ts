// The audit event catalogue and the shapes the audit service accepts and returns. Other modules
// record only actions named here, so the log stays queryable by a fixed vocabulary.
import { z } from 'zod';

export const auditActionSchema = z.enum([
  'auth.login.succeeded',
  'auth.login.failed',
  'auth.logout',
  'auth.password.changed',
  'auth.password.reset',
  'auth.2fa.enabled',
  'auth.2fa.disabled',
  'auth.session.revoked',
  'auth.session.reuse_detected',
  'auth.signup',
  'auth.email.verified',
  'auth.password.reset_requested',
  'auth.mfa.failed',
  'auth.recovery_code.used',
  'auth.recovery_codes.regenerated',
  'auth.passkey.added',
  'auth.passkey.removed',
  'auth.passkey.renamed',
  'auth.passkey.clone_suspected',
  'auth.api_key.created',
  'auth.api_key.revoked',
  'workspace.created',
  'workspace.settings.changed',
  'workspace.invitation.created',
  'workspace.invitation.accepted',
  'workspace.invitation.revoked',
  'workspace.member.added',
  'workspace.member.removed',
  'workspace.member.role_changed',
  'integration.connected',
  'integration.disconnected',
  'integration.needs_reconnect',
  'integration.settings.changed',
  'integration.csv.imported',
  'integration.sync.requested',
  'analytics.settings.changed',
  'analytics.rates.changed',
  'data.exported',
  'keys.rotated',
  'keys.jwt.rotated',
  'admin.accessed',
  'admin.platform_admin.granted',
  'admin.platform_admin.revoked',
  'security.ip.blocked',
  'security.ip.unblocked',
  'audit.exported',
  'audit.purged',
]);
export type AuditAction = z.infer<typeof auditActionSchema>;

export const auditResultSchema = z.enum(['success', 'failure', 'denied']);
export type AuditResult = z.infer<typeof auditResultSchema>;

export const auditActorKindSchema = z.enum(['user', 'system', 'api_key']);

export const auditEventSchema = z.object({
  action: auditActionSchema,
  /** Absent or null: the platform chain (sign-in failures before a workspace is known, key rotation). */
  workspaceId: z.uuid().nullable().optional(),
  result: auditResultSchema.default('success'),
  target: z.object({ type: z.string().min(1).max(100), id: z.string().min(1).max(200) }).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEvent = z.input<typeof auditEventSchema>;

/** Who acted and from where: taken from the authenticated request, never from its body. */
export const auditContextSchema = z.object({
  actor: z.object({ kind: auditActorKindSchema, id: z.string().min(1).max(200).nullable().optional() }),
  ip: z.string().max(100).nullable().optional(),
  userAgent: z.string().nullable().optional(),
  requestId: z.string().max(200).nullable().optional(),
});
export type AuditContext = z.input<typeof auditContextSchema>;

export const auditListFilterSchema = z.object({
  action: auditActionSchema.optional(),
  actorId: z.string().min(1).max(200).optional(),
  result: auditResultSchema.optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().regex(/^[1-9][0-9]{0,15}$/).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type AuditListFilter = z.input<typeof auditListFilterSchema>;

export interface AuditDevice {
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  osVersion: string | null;
  type: string | null;
}

export interface AuditEntry {
  id: number;
  workspaceId: string | null;
  seq: number;
  occurredAt: Date;
  actorKind: z.infer<typeof auditActorKindSchema>;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  result: AuditResult;
  ip: string | null;
  userAgent: string | null;
  device: AuditDevice | null;
  requestId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export type AuditVerifyResult =
  | { ok: true; entries: number; chains: number }
  | { ok: false; chain: string; seq: number; id: number | null; reason: string };
