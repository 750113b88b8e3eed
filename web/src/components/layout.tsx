// Page frames: the narrow card of the sign-in pages, and the page heading with its tab bar for the
// account and workspace sections.
import type { ReactNode } from 'react';
import { AppLink } from './app-link.js';

export function AuthCard({ title, children, footer }: { title: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <section className="card auth-card" aria-labelledby="auth-card-title">
      <h1 id="auth-card-title" tabIndex={-1}>
        {title}
      </h1>
      {children}
      {footer !== undefined && <div className="auth-footer">{footer}</div>}
    </section>
  );
}

export interface Tab {
  to: string;
  label: string;
}

/** Links to the pages of one section; the current one is marked with aria-current. */
export function TabBar({ label, tabs }: { label: string; tabs: readonly Tab[] }) {
  return (
    <nav aria-label={label} className="tab-bar">
      <ul>
        {tabs.map((tab) => (
          <li key={tab.to}>
            <AppLink to={tab.to}>{tab.label}</AppLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function PageHeader({ title, lead, children }: { title: string; lead?: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1 tabIndex={-1}>{title}</h1>
        {lead !== undefined && <p className="lead">{lead}</p>}
      </div>
      {children}
    </div>
  );
}
