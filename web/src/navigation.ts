// Client-side routing on the History API. The server answers any unknown page path with
// index.html (src/http/web.ts), so a deep link or a reload lands here and this picks the view.
import { useSyncExternalStore } from 'react';

/** Fired after pushState/replaceState, which (unlike back/forward) raise no event of their own. */
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

function currentSearch(): string {
  return window.location.search;
}

export function useCurrentPath(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

/** The query string, e.g. `?next=%2Faccount`; a new string only when it changes. */
export function useCurrentSearch(): string {
  return useSyncExternalStore(subscribe, currentSearch);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const here = `${window.location.pathname}${window.location.search}`;
  if (to === here) return;
  if (options.replace === true) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  window.dispatchEvent(new Event(NAVIGATED));
}

/**
 * A path inside this app that is safe to go to after sign-in, or undefined. Only same-origin paths:
 * `//evil.example` and `/\evil.example` are protocol-relative to a browser, and would be an open redirect.
 */
export function safeReturnPath(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return undefined;
  try {
    const url = new URL(value, window.location.origin);
    return url.origin === window.location.origin ? `${url.pathname}${url.search}` : undefined;
  } catch {
    return undefined;
  }
}

/** `/login?next=<where we are now>`, to come back here after signing in. */
export function loginPathReturningHere(): string {
  const here = `${window.location.pathname}${window.location.search}`;
  return here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
}

let landing: { path: string; params: URLSearchParams } | undefined;

/**
 * Takes a one-time token from the URL fragment of the page load (`/reset-password#token=...`) and
 * removes it from the address bar and the history entry at once, so it is not left in history,
 * bookmarks or a screenshot. Fragments are never sent to a server, so it reached no log either.
 * Called once, before the first render; the page then asks `landingTokenFor(its path)`.
 */
export function captureLandingToken(): void {
  const fragment = window.location.hash.replace(/^#/, '');
  if (fragment === '') return;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
  landing = { path: currentPath(), params: new URLSearchParams(fragment) };
}

/** The token the page at `path` was opened with, if it was the page this load landed on. */
export function landingTokenFor(path: string): string | undefined {
  const token = landingParamsFor(path)?.get('token');
  return token === null || token === undefined || token === '' ? undefined : token;
}

/** Every parameter of the fragment the page at `path` was opened with (OAuth's code and state). */
export function landingParamsFor(path: string): URLSearchParams | undefined {
  return landing?.path === path ? landing.params : undefined;
}
