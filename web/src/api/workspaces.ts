// Workspaces, members, invitations, API keys and the audit log (src/workspaces/routes.ts).
import { api, segment, type RequestOptions } from './client.js';
import type { WorkspaceRole, WorkspaceSummary } from './identity.js';

export type InvitationRole = Exclude<WorkspaceRole, 'owner'>;
export type ApiKeyScope = 'read' | 'read_write';

export interface WorkspaceDetails {
  id: string;
  name: string;
  currency: string;
  timezone: string;
  requireMfa: boolean;
  createdAt: string;
  /** The caller's role. */
  role: WorkspaceRole;
}

export interface Member {
  /** The member's user id. */
  id: string;
  name: string;
  email: string;
  role: WorkspaceRole;
  twoFactorEnabled: boolean;
  joinedAt: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: InvitationRole;
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
}

export interface ApiKey {
  id: string;
  name: string;
  scope: ApiKeyScope;
  /** The public part of the key, to recognise it. */
  prefix: string;
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  status: 'active' | 'expired';
}

export interface AuditEntry {
  id: number;
  seq: number;
  occurredAt: string;
  actorKind: 'user' | 'system' | 'api_key';
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  result: 'success' | 'failure' | 'denied';
  ip: string | null;
  userAgent: string | null;
  device: { browser: string | null; browserVersion: string | null; os: string | null; osVersion: string | null; type: string | null } | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  action?: string;
  result?: string;
  actorId?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

const base = (workspaceId: string) => `/api/workspaces/${segment(workspaceId)}`;
const withSignal = (signal?: AbortSignal): RequestOptions | undefined => (signal === undefined ? undefined : { signal });

export const workspacesApi = {
  list: (signal?: AbortSignal) => api.get<{ workspaces: WorkspaceSummary[] }>('/api/workspaces', withSignal(signal)),
  create: (body: { name: string }) => api.post<WorkspaceDetails>('/api/workspaces', body),
  get: (workspaceId: string, signal?: AbortSignal) => api.get<WorkspaceDetails>(base(workspaceId), withSignal(signal)),
  update: (workspaceId: string, body: { name?: string; requireMfa?: boolean }) => api.patch<WorkspaceDetails>(base(workspaceId), body),

  members: (workspaceId: string, signal?: AbortSignal) => api.get<{ members: Member[] }>(`${base(workspaceId)}/members`, withSignal(signal)),
  changeRole: (workspaceId: string, userId: string, role: WorkspaceRole) =>
    api.patch<Member>(`${base(workspaceId)}/members/${segment(userId)}`, { role }),
  removeMember: (workspaceId: string, userId: string) => api.delete(`${base(workspaceId)}/members/${segment(userId)}`),

  invitations: (workspaceId: string, signal?: AbortSignal) => api.get<{ invitations: Invitation[] }>(`${base(workspaceId)}/invitations`, withSignal(signal)),
  invite: (workspaceId: string, body: { email: string; role: InvitationRole }) => api.post<Invitation>(`${base(workspaceId)}/invitations`, body),
  revokeInvitation: (workspaceId: string, invitationId: string) => api.delete(`${base(workspaceId)}/invitations/${segment(invitationId)}`),
  acceptInvitation: (token: string) => api.post<{ workspace: WorkspaceSummary }>('/api/invitations/accept', { token }),

  apiKeys: (workspaceId: string, signal?: AbortSignal) => api.get<{ apiKeys: ApiKey[] }>(`${base(workspaceId)}/api-keys`, withSignal(signal)),
  createApiKey: (workspaceId: string, body: { name: string; scope: ApiKeyScope; expiresInDays?: number }) =>
    api.post<ApiKey & { key: string }>(`${base(workspaceId)}/api-keys`, body),
  revokeApiKey: (workspaceId: string, keyId: string) => api.delete(`${base(workspaceId)}/api-keys/${segment(keyId)}`),

  audit: (workspaceId: string, filter: AuditFilter, signal?: AbortSignal) =>
    api.get<{ entries: AuditEntry[]; nextCursor: string | null }>(`${base(workspaceId)}/audit`, { query: { ...filter }, ...(signal === undefined ? {} : { signal }) }),
  exportAudit: (workspaceId: string, format: 'csv' | 'jsonl', filter: AuditFilter) =>
    api.download(`${base(workspaceId)}/audit/export`, { query: { format, action: filter.action, result: filter.result, actorId: filter.actorId, from: filter.from, to: filter.to } }),
};
