// A link to a page of this app: a real <a href> (so it opens in a new tab, copies and works
// without JavaScript) whose plain left click is handled in the page instead of reloading it.
import type { AnchorHTMLAttributes, MouseEvent, ReactNode } from 'react';
import { navigate, useCurrentPath } from '../navigation.js';

interface AppLinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  to: string;
  children: ReactNode;
}

export function AppLink({ to, children, onClick, ...rest }: AppLinkProps) {
  const current = useCurrentPath();
  function followInPage(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    // Modified clicks (new tab, new window, download) keep the browser's own behaviour.
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  }
  return (
    <a href={to} aria-current={current === to ? 'page' : undefined} onClick={followInPage} {...rest}>
      {children}
    </a>
  );
}
