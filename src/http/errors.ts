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
  'workspace.not_found': { status: 404, message: 'Workspace not found.' },
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

  constructor(code: ErrorCode, options: { message?: string; details?: unknown; cause?: unknown } = {}) {
    super(options.message ?? ERRORS[code].message, { cause: options.cause });
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = options.details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
