// The catalogue of errors a client can see: a stable code, an HTTP status and a safe message.
// Messages are deliberately generic where detail would help an attacker; detail goes to the log.

export const ERRORS = {
  'request.invalid': { status: 400, message: 'The request is not valid.' },
  'request.malformed_json': { status: 400, message: 'The request body is not valid JSON.' },
  'request.empty_body': { status: 400, message: 'The request body must not be empty.' },
  'request.unsupported_media_type': { status: 415, message: 'This content type is not accepted here.' },
  'request.body_too_large': { status: 413, message: 'The request body is too large.' },
  'request.method_not_allowed': { status: 405, message: 'This method is not allowed here.' },
  'request.not_found': { status: 404, message: 'Nothing is here.' },
  'request.rate_limited': { status: 429, message: 'Too many requests; try again later.' },
  'request.failed': { status: 400, message: 'The request could not be processed.' },
  'request.conflict': { status: 409, message: 'The request conflicts with the current state.' },
  'auth.unauthenticated': { status: 401, message: 'Sign in to continue.' },
  'auth.invalid_credentials': { status: 401, message: 'The email or password is not correct.' },
  'auth.mfa_invalid': { status: 401, message: 'The code is not correct or has already been used.' },
  'auth.mfa_setup_required': { status: 403, message: 'This workspace requires two-factor authentication; set it up to continue.' },
  'auth.csrf_failed': { status: 403, message: 'The request is missing its CSRF token; reload the page and try again.' },
  'auth.forbidden': { status: 403, message: 'You do not have permission to do this.' },
  'auth.reauthentication_required': { status: 403, message: 'Confirm your password (and second factor) to do this.' },
  'auth.token_invalid': { status: 400, message: 'This link or code is invalid or has expired.' },
  'auth.password_weak': { status: 400, message: 'Choose a stronger password.' },
  'auth.locked': { status: 429, message: 'Too many failed attempts; try again later.' },
  'auth.ip_blocked': { status: 429, message: 'Too many requests from this address; try again later.' },
  'workspace.not_found': { status: 404, message: 'Workspace not found.' },
  'workspace.last_owner': { status: 409, message: 'A workspace needs at least one owner.' },
  'workspace.already_member': { status: 409, message: 'This person is already a member of the workspace.' },
  'workspace.invitation_email_mismatch': { status: 403, message: 'This invitation was sent to a different email address. Sign in with that address to accept it.' },
  'auth.email_unverified': { status: 403, message: 'Confirm your email address first (use the link we emailed you), then try again.' },
  'integration.not_found': { status: 404, message: 'Integration not found.' },
  'integration.provider_unknown': { status: 404, message: 'There is no such provider.' },
  'integration.provider_not_configured': { status: 409, message: 'This provider is not set up on this Throughline installation; an operator must add its app credentials.' },
  'integration.provider_not_available': { status: 409, message: 'This provider is not available yet.' },
  'integration.oauth_state_invalid': { status: 400, message: 'This connection attempt is invalid or has expired. Start connecting again.' },
  'integration.oauth_failed': { status: 400, message: 'The provider did not complete the connection. Start connecting again.' },
  'integration.scopes_missing': { status: 400, message: 'The provider granted fewer permissions than Throughline needs to read reports. Connect again and allow every requested permission.' },
  'integration.provider_unavailable': { status: 502, message: 'The provider could not be reached. Try again in a few minutes.' },
  'integration.needs_reconnect': { status: 409, message: 'This integration must be reconnected first.' },
  'integration.not_syncable': { status: 409, message: 'Imported files are not synced: import the file again to update its data.' },
  'integration.csv_invalid': { status: 400, message: 'The CSV file has errors; nothing was imported.' },
  'service.unavailable': { status: 503, message: 'The service is not ready.' },
  internal: { status: 500, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string; details?: unknown };
}

/** The one error type services throw for an expected failure. */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  /** Safe, client-facing specifics (e.g. which field failed validation). Never secrets. */
  readonly details: unknown;
  /** Response headers that go with this error (e.g. Retry-After on a 429). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, options: { message?: string; details?: unknown; cause?: unknown; headers?: Record<string, string> } = {}) {
    super(options.message ?? ERRORS[code].message, { cause: options.cause });
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
