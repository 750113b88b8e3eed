// The account endpoints (src/auth/routes.ts), typed as the server answers them.
import { api, segment } from './client.js';

export type WorkspaceRole = 'owner' | 'admin' | 'analyst' | 'viewer';

export interface User {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  twoFactorEnabled: boolean;
  isPlatformAdmin: boolean;
  locale: string;
}

export interface WorkspaceSummary {
  id: string;
  name: string;
  role: WorkspaceRole;
}

export interface Me {
  user: User;
  workspaces: WorkspaceSummary[];
  session: { id: string; methods: string[] };
}

export type SecondFactor = 'totp' | 'recovery_code' | 'passkey';

export type LoginAnswer =
  | { mfaRequired: false; user: User; session: { id: string; expiresAt: string } }
  | { mfaRequired: true; mfaToken: string; methods: SecondFactor[] };

export interface Accepted {
  status: 'accepted';
  message: string;
}

export interface TotpSetup {
  secret: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
}

export interface SessionEntry {
  id: string;
  current: boolean;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  ip: string | null;
  device: { browser: string | null; os: string | null; type: string | null } | null;
  methods: string[];
}

export const identityApi = {
  me: (signal?: AbortSignal) => api.get<Me>('/api/me', signal === undefined ? undefined : { signal }),
  signup: (body: { email: string; password: string; name: string }) => api.post<Accepted>('/api/auth/signup', body),
  login: (body: { email: string; password: string }) => api.post<LoginAnswer>('/api/auth/login', body),
  loginMfa: (body: { mfaToken: string; code: string }) => api.post<LoginAnswer>('/api/auth/login/mfa', body),
  logout: () => api.post<undefined>('/api/auth/logout'),
  changePassword: (body: { currentPassword: string; newPassword: string }) => api.post<{ status: 'ok' }>('/api/auth/password', body),
  forgotPassword: (body: { email: string }) => api.post<Accepted>('/api/auth/password/forgot', body),
  resetPassword: (body: { token: string; password: string }) => api.post<{ status: 'ok' }>('/api/auth/password/reset', body),
  verifyEmail: (body: { token: string }) => api.post<{ status: 'ok' }>('/api/auth/email/verify', body),
  resendVerification: () => api.post<Accepted>('/api/auth/email/resend'),
  totpSetup: () => api.post<TotpSetup>('/api/auth/totp/setup'),
  totpEnable: (body: { code: string }) => api.post<{ recoveryCodes: string[] }>('/api/auth/totp/enable', body),
  totpDisable: (body: { password: string; code: string }) => api.post<{ status: 'ok' }>('/api/auth/totp/disable', body),
  regenerateRecoveryCodes: (body: { password: string; code: string }) => api.post<{ recoveryCodes: string[] }>('/api/auth/recovery-codes', body),
  sessions: (signal?: AbortSignal) => api.get<{ sessions: SessionEntry[] }>('/api/auth/sessions', signal === undefined ? undefined : { signal }),
  revokeSession: (sessionId: string) => api.delete(`/api/auth/sessions/${segment(sessionId)}`),
  revokeOtherSessions: () => api.post<{ revoked: number }>('/api/auth/sessions/revoke-others'),
};
