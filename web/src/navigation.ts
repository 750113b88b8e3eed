// Client-side routing on the History API. The server answers any unknown page path with
// index.html (src/http/web.ts), so a deep link or a reload lands here and this picks the view.
import { useSyncExternalStore } from 'react';

/** Fired after pushState, which (unlike back/forward) raises no event of its own. */
const NAVIGATED = 'throughline:navigated';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

/** The current path without a trailing slash, so `/security/` and `/security` are one page. */
function currentPath(): string {
  const path = window.location.pathname;
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

export function useCurrentPath(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  window.scrollTo(0, 0);
  window.dispatchEvent(new Event(NAVIGATED));
}
