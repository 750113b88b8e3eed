// Reads GET /readyz and turns every possible answer into one of a few states the page can show.
// The body is treated as untrusted input: nothing from it is rendered unless it is a string.
import { t } from './i18n/index.js';

export type ServerStatus =
  | { kind: 'checking' }
  | { kind: 'ready' }
  | { kind: 'not-ready'; message: string; requestId: string | undefined }
  | { kind: 'unreachable' };

interface ErrorBody {
  error?: { message?: unknown; requestId?: unknown };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export async function fetchServerStatus(signal: AbortSignal): Promise<ServerStatus> {
  let response: Response;
  try {
    response = await fetch('/readyz', { headers: { accept: 'application/json' }, cache: 'no-store', signal });
  } catch (error) {
    if (signal.aborted) throw error;
    return { kind: 'unreachable' };
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok && typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'ready') {
    return { kind: 'ready' };
  }
  const error = typeof body === 'object' && body !== null ? (body as ErrorBody).error : undefined;
  return {
    kind: 'not-ready',
    message: stringOrUndefined(error?.message) ?? t('status.answered', { status: response.status }),
    requestId: stringOrUndefined(error?.requestId),
  };
}
