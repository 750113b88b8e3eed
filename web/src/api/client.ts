// The one way the app talks to /api: JSON in and out, the CSRF headers on every unsafe request,
// one error type for every failure, and a silent session refresh when the access token has expired.
// Guarantees:
// - Every POST/PATCH/DELETE carries `X-CSRF-Token` (the `__Host-csrf` cookie's value, fetched from
//   GET /api/auth/csrf when there is none) and `X-Requested-With: XMLHttpRequest`.
// - A 401 `auth.unauthenticated` triggers at most one refresh per request, then one retry. Refreshes
//   are serialised within the tab and, through the Web Locks API, across tabs: a refresh token works
//   once, and presenting it twice would end the session for everyone.
// - When the session cannot be refreshed, the registered `onSignedOut` handler runs (the app then
//   shows the sign-in page) and the call fails with that 401.

import { t } from '../i18n/index.js';

const CSRF_COOKIE = '__Host-csrf';
const REFRESH_LOCK = 'throughline.session-refresh';
/** When the session was last refreshed (ms since the epoch), shared by every tab of this origin. */
const REFRESHED_AT_KEY = 'throughline.session-refreshed-at';
/** Set while this browser holds a session; only a hint that saves a 401 on public pages. */
const SIGNED_IN_KEY = 'throughline.signed-in';

export interface FieldProblem {
  /** The field's name in the request body, e.g. `password`. */
  field: string;
  message: string;
  hints: string[];
}

/** Every failed call: an error answer from the server, or no answer at all (`network.unreachable`). */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, requestId?: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }

  /** The problems the server attributed to body fields (`details: [{ location: 'body/x', ... }]`). */
  fieldProblems(): FieldProblem[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.flatMap((entry: unknown): FieldProblem[] => {
      if (typeof entry !== 'object' || entry === null) return [];
      const { location, message, hints } = entry as { location?: unknown; message?: unknown; hints?: unknown };
      if (typeof location !== 'string' || typeof message !== 'string') return [];
      const field = /^body[/.]([A-Za-z0-9_]+)/.exec(location)?.[1];
      if (field === undefined) return [];
      return [{ field, message, hints: Array.isArray(hints) ? hints.filter((h): h is string => typeof h === 'string') : [] }];
    });
  }
}

export interface ApiEvents {
  /** The session is gone (refresh refused): show the signed-out app. */
  onSignedOut(): void;
  /** A workspace requires a second factor this session does not have. */
  onMfaSetupRequired(workspaceId: string | undefined): void;
}

let events: ApiEvents = { onSignedOut: () => undefined, onMfaSetupRequired: () => undefined };

export function setApiEvents(handlers: ApiEvents): void {
  events = handlers;
}

// --- the signed-in hint ------------------------------------------------------------------------------
// The session cookies are HttpOnly, so the page cannot see them. Without this hint every visit to a
// public page would ask /api/me and get a 401 just to learn that nobody is signed in.

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // storage disabled: fall back to asking the server
  }
}

export function mayHaveSession(): boolean {
  const store = storage();
  return store === undefined || store.getItem(SIGNED_IN_KEY) === '1';
}

export function rememberSignedIn(signedIn: boolean): void {
  const store = storage();
  if (store === undefined) return;
  if (signedIn) store.setItem(SIGNED_IN_KEY, '1');
  else store.removeItem(SIGNED_IN_KEY);
}

// --- CSRF --------------------------------------------------------------------------------------------

function csrfFromCookie(): string | undefined {
  for (const pair of document.cookie.split(';')) {
    const [name, ...value] = pair.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

let csrfRequest: Promise<string> | undefined;

/** The cookie's token (read at each call, so another tab's re-issue is seen), else a fresh one. */
async function csrfToken(fresh: boolean): Promise<string> {
  const fromCookie = fresh ? undefined : csrfFromCookie();
  if (fromCookie !== undefined && fromCookie !== '') return fromCookie;
  csrfRequest ??= (async () => {
    try {
      const response = await fetch('/api/auth/csrf', { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } });
      const body = (await readBody(response)) as { csrfToken?: unknown } | undefined;
      if (!response.ok || typeof body?.csrfToken !== 'string') throw toApiError(response, body);
      return body.csrfToken;
    } finally {
      csrfRequest = undefined;
    }
  })();
  return csrfRequest;
}

// --- refresh -----------------------------------------------------------------------------------------

function lastRefreshAt(): number {
  return Number(storage()?.getItem(REFRESHED_AT_KEY) ?? 0) || 0;
}

/** True when the current access cookie is accepted (another tab may have just refreshed it). */
async function accessStillValid(): Promise<boolean> {
  const response = await send('GET', '/api/auth/session', undefined, undefined);
  if (!response.ok) return false;
  const body = (await readBody(response)) as { signedIn?: unknown } | undefined;
  return body?.signedIn === true;
}

let refreshInFlight: Promise<boolean> | undefined;

/** True when the session is usable again. `requestSentAt`: when the failed request was sent. */
function refreshSession(requestSentAt: number): Promise<boolean> {
  refreshInFlight ??= (async () => {
    try {
      const refreshOnce = async (): Promise<boolean> => {
        // Another tab (or an earlier refresh here) rotated the cookies after the failed request was
        // sent: its 401 came from the old access token, and the new one is already in the jar.
        if (lastRefreshAt() > requestSentAt) return true;
        // localStorage reaches other tabs' processes asynchronously, so the stamp can lag behind the
        // lock: ask the cookie jar (shared and consistent) whether the access token already works.
        if (await accessStillValid()) return true;
        const response = await send('POST', '/api/auth/refresh', undefined, await csrfToken(false));
        if (!response.ok) return false;
        storage()?.setItem(REFRESHED_AT_KEY, String(Date.now()));
        return true;
      };
      return typeof navigator.locks?.request === 'function' ? await navigator.locks.request(REFRESH_LOCK, refreshOnce) : await refreshOnce();
    } catch {
      return false;
    } finally {
      refreshInFlight = undefined;
    }
  })();
  return refreshInFlight;
}

// --- requests ----------------------------------------------------------------------------------------

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  query?: Readonly<Record<string, string | number | undefined>>;
  signal?: AbortSignal;
}

function send(method: Method, url: string, body: unknown, csrf: string | undefined, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (csrf !== undefined) {
    headers['x-csrf-token'] = csrf;
    headers['x-requested-with'] = 'XMLHttpRequest';
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    body: body === undefined ? null : JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toApiError(response: Response, body: unknown): ApiError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error === 'object' && error !== null) {
    const { code, message, requestId, details } = error as Record<string, unknown>;
    if (typeof code === 'string' && typeof message === 'string') {
      return new ApiError(response.status, code, message, typeof requestId === 'string' ? requestId : undefined, details);
    }
  }
  return new ApiError(response.status, 'http.unexpected', t('status.answered', { status: response.status }));
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** Paths whose 401 means "wrong credentials" or "no session", never "refresh and retry". */
const NO_REFRESH = /^\/api\/auth\/(refresh|login|signup|password\/(forgot|reset)|passkeys\/login)/;

async function request(method: Method, path: string, body: unknown, options: RequestOptions = {}): Promise<Response> {
  const url = withQuery(path, options.query);
  const unsafe = method !== 'GET';
  let csrfRetried = false;
  let refreshed = false;
  for (;;) {
    const sentAt = Date.now();
    let response: Response;
    try {
      response = await send(method, url, body, unsafe ? await csrfToken(csrfRetried) : undefined, options.signal);
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      if (error instanceof ApiError) throw error;
      throw new ApiError(0, 'network.unreachable', t('error.unreachable'));
    }
    if (response.ok) return response;
    const problem = toApiError(response, await readBody(response));
    // The CSRF cookie can vanish (cleared, or re-issued by another tab mid-flight): fetch a fresh one once.
    if (problem.code === 'auth.csrf_failed' && !csrfRetried) {
      csrfRetried = true;
      continue;
    }
    if (problem.code === 'auth.unauthenticated' && !NO_REFRESH.test(path)) {
      if (!refreshed && (await refreshSession(sentAt))) {
        refreshed = true;
        continue;
      }
      rememberSignedIn(false);
      events.onSignedOut();
    }
    if (problem.code === 'auth.mfa_setup_required') {
      const workspaceId = (problem.details as { workspaceId?: unknown } | undefined)?.workspaceId;
      events.onMfaSetupRequired(typeof workspaceId === 'string' ? workspaceId : undefined);
    }
    throw problem;
  }
}

async function json<T>(method: Method, path: string, body: unknown, options?: RequestOptions): Promise<T> {
  const response = await request(method, path, body, options);
  return (await readBody(response)) as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => json<T>('GET', path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => json<T>('POST', path, body, options),
  patch: <T>(path: string, body: unknown, options?: RequestOptions) => json<T>('PATCH', path, body, options),
  delete: <T = undefined>(path: string, options?: RequestOptions) => json<T>('DELETE', path, undefined, options),
  /** A file from a GET (an export): the body and the name the server suggests. */
  async download(path: string, options?: RequestOptions): Promise<{ blob: Blob; filename: string | undefined }> {
    const response = await request('GET', path, undefined, options);
    const disposition = response.headers.get('content-disposition') ?? '';
    const filename = /filename="?([^";]+)"?/i.exec(disposition)?.[1];
    return { blob: await response.blob(), filename };
  },
};

/** Encodes one path segment (ids come from the server, but never trust them into a URL raw). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
