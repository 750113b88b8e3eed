// Every page of the app: its path pattern, its title, and whether it needs a signed-in user.
import type { ReactNode } from 'react';
import type { MessageKey } from './i18n/index.js';
import { AcceptInvitationPage } from './pages/accept-invitation-page.js';
import { AccountSecurityPage } from './pages/account/account-security-page.js';
import { SessionsPage } from './pages/account/sessions-page.js';
import { IpBlocksPage } from './pages/admin/ip-blocks-page.js';
import { KeysPage } from './pages/admin/keys-page.js';
import { PlatformAuditPage } from './pages/admin/platform-audit-page.js';
import { ForgotPasswordPage } from './pages/forgot-password-page.js';
import { HomePage } from './pages/home-page.js';
import { LoginPage } from './pages/login-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { OAuthCompletePage } from './pages/oauth-complete-page.js';
import { ResetPasswordPage } from './pages/reset-password-page.js';
import { SecurityPage } from './pages/security-page.js';
import { SignUpPage } from './pages/sign-up-page.js';
import { VerifyEmailPage } from './pages/verify-email-page.js';
import { ApiKeysPage } from './pages/workspaces/api-keys-page.js';
import { AuditPage } from './pages/workspaces/audit-page.js';
import { DashboardPage } from './pages/workspaces/dashboard-page.js';
import { IntegrationsPage } from './pages/workspaces/integrations-page.js';
import { MembersPage } from './pages/workspaces/members-page.js';
import { SettingsPage } from './pages/workspaces/settings-page.js';
import { WorkspacesPage } from './pages/workspaces/workspaces-page.js';

export interface Route {
  /** `/workspaces/:workspaceId/audit`: `:name` matches one path segment. */
  pattern: string;
  title: MessageKey;
  /**
   * `signed-in`: a signed-out visitor is sent to /login and brought back afterwards.
   * `platform-admin`: signed in as a platform admin; anyone else signed in gets the not-found page,
   * as the server answers 404 to them on /api/admin/*.
   */
  access: 'public' | 'signed-in' | 'platform-admin';
  render(params: Readonly<Record<string, string>>): ReactNode;
}

const param = (params: Readonly<Record<string, string>>, name: string) => params[name] ?? '';

export const ROUTES: readonly Route[] = [
  { pattern: '/', title: 'title.home', access: 'public', render: () => <HomePage /> },
  { pattern: '/security', title: 'title.disclosure', access: 'public', render: () => <SecurityPage /> },
  { pattern: '/login', title: 'title.login', access: 'public', render: () => <LoginPage /> },
  { pattern: '/signup', title: 'title.signup', access: 'public', render: () => <SignUpPage /> },
  { pattern: '/forgot-password', title: 'title.forgot', access: 'public', render: () => <ForgotPasswordPage /> },
  { pattern: '/reset-password', title: 'title.reset', access: 'public', render: () => <ResetPasswordPage /> },
  { pattern: '/verify-email', title: 'title.verify', access: 'public', render: () => <VerifyEmailPage /> },
  { pattern: '/invitations/accept', title: 'title.invite', access: 'public', render: () => <AcceptInvitationPage /> },
  { pattern: '/account/security', title: 'title.accountSecurity', access: 'signed-in', render: () => <AccountSecurityPage /> },
  { pattern: '/account/sessions', title: 'title.sessions', access: 'signed-in', render: () => <SessionsPage /> },
  { pattern: '/workspaces', title: 'title.workspaces', access: 'signed-in', render: () => <WorkspacesPage /> },
  { pattern: '/workspaces/:workspaceId', title: 'title.dashboard', access: 'signed-in', render: (p) => <DashboardPage key={param(p, 'workspaceId')} workspaceId={param(p, 'workspaceId')} /> },
  { pattern: '/workspaces/:workspaceId/integrations', title: 'title.integrations', access: 'signed-in', render: (p) => <IntegrationsPage key={param(p, 'workspaceId')} workspaceId={param(p, 'workspaceId')} /> },
  { pattern: '/integrations/oauth/complete', title: 'title.oauthComplete', access: 'signed-in', render: () => <OAuthCompletePage /> },
  { pattern: '/workspaces/:workspaceId/members', title: 'title.members', access: 'signed-in', render: (p) => <MembersPage key={param(p, 'workspaceId')} workspaceId={param(p, 'workspaceId')} /> },
  { pattern: '/workspaces/:workspaceId/api-keys', title: 'title.apiKeys', access: 'signed-in', render: (p) => <ApiKeysPage key={param(p, 'workspaceId')} workspaceId={param(p, 'workspaceId')} /> },
  { pattern: '/workspaces/:workspaceId/audit', title: 'title.audit', access: 'signed-in', render: (p) => <AuditPage key={param(p, 'workspaceId')} workspaceId={param(p, 'workspaceId')} /> },
  { pattern: '/workspaces/:workspaceId/settings', title: 'title.settings', access: 'signed-in', render: (p) => <SettingsPage key={param(p, 'workspaceId')} workspaceId={param(p, 'workspaceId')} /> },
  { pattern: '/admin', title: 'title.adminKeys', access: 'platform-admin', render: () => <KeysPage /> },
  { pattern: '/admin/ip-blocks', title: 'title.adminIpBlocks', access: 'platform-admin', render: () => <IpBlocksPage /> },
  { pattern: '/admin/audit', title: 'title.adminAudit', access: 'platform-admin', render: () => <PlatformAuditPage /> },
];

export const NOT_FOUND: Route = { pattern: '', title: 'title.notFound', access: 'public', render: () => <NotFoundPage /> };

function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const expected = want[i] ?? '';
    const actual = have[i] ?? '';
    if (expected.startsWith(':')) {
      if (actual === '') return undefined;
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined; // a malformed %-escape is no page of ours
      }
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

export function matchRoute(path: string): { route: Route; params: Record<string, string> } {
  for (const route of ROUTES) {
    const params = matchPattern(route.pattern, path);
    if (params !== undefined) return { route, params };
  }
  return { route: NOT_FOUND, params: {} };
}
