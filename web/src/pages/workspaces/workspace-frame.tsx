// The frame of every page of one workspace: its name, a switcher to the others, and the section tabs.
// A workspace the user is not a member of is "not found", as the server answers too.
import type { ReactNode } from 'react';
import type { WorkspaceRole, WorkspaceSummary } from '../../api/identity.js';
import { AppLink } from '../../components/app-link.js';
import { PageHeader, TabBar } from '../../components/layout.js';
import { t, type MessageKey } from '../../i18n/index.js';
import { useMe } from '../../session.js';

/** '' is the dashboard, the workspace's landing page. */
export type WorkspaceSection = '' | 'integrations' | 'members' | 'api-keys' | 'audit' | 'settings';

const RANK: Record<WorkspaceRole, number> = { viewer: 1, analyst: 2, admin: 3, owner: 4 };

export function roleAtLeast(role: WorkspaceRole, minimum: WorkspaceRole): boolean {
  return RANK[role] >= RANK[minimum];
}

export const ROLE_LABELS: Record<WorkspaceRole, MessageKey> = {
  owner: 'role.owner',
  admin: 'role.admin',
  analyst: 'role.analyst',
  viewer: 'role.viewer',
};

/** Whether `role` may open `section` (the server checks again; this only hides dead ends). */
export function mayOpen(section: WorkspaceSection, role: WorkspaceRole): boolean {
  return section === 'api-keys' || section === 'audit' ? roleAtLeast(role, 'admin') : true;
}

export function workspacePath(workspaceId: string, section: WorkspaceSection = ''): string {
  return `/workspaces/${encodeURIComponent(workspaceId)}${section === '' ? '' : `/${section}`}`;
}

export function WorkspaceFrame({
  workspaceId,
  section,
  children,
}: {
  workspaceId: string;
  section: WorkspaceSection;
  children: (workspace: WorkspaceSummary) => ReactNode;
}) {
  const me = useMe();
  const workspace = me.workspaces.find((w) => w.id === workspaceId);
  if (workspace === undefined) {
    return (
      <section className="card not-found">
        <h1 tabIndex={-1}>{t('workspace.notFoundTitle')}</h1>
        <p>{t('workspace.notFound')}</p>
        <p>
          <AppLink to="/workspaces">{t('workspace.backToList')}</AppLink>
        </p>
      </section>
    );
  }
  const others = me.workspaces.filter((w) => w.id !== workspace.id);
  const tabs = [
    { to: workspacePath(workspace.id), label: t('workspace.tabDashboard') },
    { to: workspacePath(workspace.id, 'integrations'), label: t('workspace.tabIntegrations') },
    { to: workspacePath(workspace.id, 'members'), label: t('workspace.tabMembers') },
    ...(mayOpen('api-keys', workspace.role) ? [{ to: workspacePath(workspace.id, 'api-keys'), label: t('workspace.tabApiKeys') }] : []),
    ...(mayOpen('audit', workspace.role) ? [{ to: workspacePath(workspace.id, 'audit'), label: t('workspace.tabAudit') }] : []),
    { to: workspacePath(workspace.id, 'settings'), label: t('workspace.tabSettings') },
  ];
  return (
    <>
      <PageHeader title={workspace.name} lead={t('workspace.yourRole', { role: t(ROLE_LABELS[workspace.role]) })}>
        {others.length > 0 && (
          <details className="switcher">
            <summary>{t('workspace.switch')}</summary>
            <ul>
              {others.map((other) => (
                <li key={other.id}>
                  <AppLink to={workspacePath(other.id, mayOpen(section, other.role) ? section : '')}>{other.name}</AppLink>
                </li>
              ))}
              <li>
                <AppLink to="/workspaces">{t('workspace.allWorkspaces')}</AppLink>
              </li>
            </ul>
          </details>
        )}
      </PageHeader>
      <TabBar label={t('workspace.tabsLabel')} tabs={tabs} />
      {children(workspace)}
    </>
  );
}
