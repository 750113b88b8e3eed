// The platform-admin endpoints (src/admin/routes.ts, src/audit/routes.ts, src/auth/ip-blocks.ts),
// typed as the server answers them. Every one answers 404 to anyone but a platform admin, and 403
// auth.mfa_setup_required to an admin whose session has no second factor.
import { api, segment, type RequestOptions } from './client.js';
import type { AuditEntry, AuditFilter } from './workspaces.js';

export interface KekStatus {
  id: string;
  active: boolean;
  /** false: data keys are wrapped by this KEK but it is not configured (their secrets cannot be read). */
  inRing: boolean;
  activatedAt: string | null;
  ageDays: number | null;
  retiredAt: string | null;
  /** Data keys wrapped by this KEK. */
  dataKeys: number;
  /** Nothing references it any more: it may be taken out of ENCRYPTION_KEYS. */
  removable: boolean;
}

export interface SigningKeyStatus {
  kid: string;
  createdAt: string;
  /** When it stopped signing; null for the active key. */
  rotatedAt: string | null;
  /** When it stops verifying; null for the active key. */
  retireAt: string | null;
}

export interface KeysStatus {
  encryption: {
    source: string;
    activeKekId: string;
    rotationDays: number;
    nextRotationAt: string;
    rotationDue: boolean;
    keks: KekStatus[];
    /** Data keys in all, how many the active KEK wraps, and how many still wait to be re-wrapped. */
    rewrap: { dataKeys: number; underActiveKek: number; remaining: number };
    /** Rotated-out data keys whose values are still being re-encrypted, and in how many workspaces. */
    reencryption: { retiredDataKeys: number; workspacesPending: number };
  };
  signing: { activeKid: string; nextRotationAt: string; keys: SigningKeyStatus[] };
}

export interface IpBlock {
  /** An IPv4 address, or the IPv6 /64 prefix all its addresses are counted by. */
  ip: string;
  blockedAt: string;
  blockedUntil: string;
  retryAfterSeconds: number;
  /** How many times the address has been blocked; each block lasts longer. */
  strikes: number;
  reason: string;
  firstBlockedAt: string;
}

export type PlatformAuditEntry = AuditEntry & { workspaceId: string | null };

/** Every action the audit log knows (src/audit/schema.ts, auditActionSchema), for the platform filter. */
export const AUDIT_ACTIONS = [
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
] as const;

const withSignal = (signal?: AbortSignal): RequestOptions | undefined => (signal === undefined ? undefined : { signal });

export const adminApi = {
  keys: (signal?: AbortSignal) => api.get<KeysStatus>('/api/admin/keys', withSignal(signal)),

  ipBlocks: (signal?: AbortSignal) => api.get<{ blocks: IpBlock[] }>('/api/admin/ip-blocks', withSignal(signal)),
  /** `ip` as listed: an address, or an IPv6 /64 prefix (its slash is encoded into the one segment). */
  unblock: (ip: string) => api.delete(`/api/admin/ip-blocks/${segment(ip)}`),

  audit: (filter: AuditFilter, signal?: AbortSignal) =>
    api.get<{ entries: PlatformAuditEntry[]; nextCursor: string | null }>('/api/admin/audit', { query: { ...filter }, ...(signal === undefined ? {} : { signal }) }),
  exportAudit: (format: 'csv' | 'jsonl', filter: AuditFilter) =>
    api.download('/api/admin/audit/export', { query: { format, action: filter.action, result: filter.result, actorId: filter.actorId, from: filter.from, to: filter.to } }),
};
