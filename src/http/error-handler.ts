// Maps every failure to one JSON shape: { error: { code, message, requestId } }.
// Guarantees: no stack trace, internal message or secret reaches a client; unknown errors are
// a generic 500 whose detail goes only to the log, under the same request id.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, ERRORS, type ErrorBody, type ErrorCode } from './errors.js';

/** Fastify's own request errors that the client caused, by Fastify error code. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'request.malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request.empty_body',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'request.unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request.body_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request.invalid',
  FST_ERR_VALIDATION: 'request.invalid',
  FST_ERR_BAD_STATUS_CODE: 'internal',
};

export function sendError(reply: FastifyReply, request: FastifyRequest, code: ErrorCode, message?: string, details?: unknown): FastifyReply {
  const body: ErrorBody = { error: { code, message: message ?? ERRORS[code].message, requestId: String(request.id) } };
  if (details !== undefined) body.error.details = details;
  // Error bodies are never cached by a browser or a shared proxy.
  return reply.code(ERRORS[code].status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(body);
}

function toAppError(error: FastifyError): AppError | undefined {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((issue) => ({
      // instancePath is a JSON pointer into the request part ("/email"); keep it, not the value.
      location: `${error.validationContext ?? 'body'}${issue.instancePath}`,
      message: issue.message,
    }));
    return new AppError('request.invalid', { details });
  }
  const mapped = error.code === undefined ? undefined : FASTIFY_CODES[error.code];
  if (mapped !== undefined && mapped !== 'internal') return new AppError(mapped);
  // Parse errors from secure-json-parse (prototype poisoning) and other client faults carry a
  // 4xx statusCode without a code we know; their message may echo input, so it is not reused.
  if (mapped === undefined && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    if (error.statusCode === 404) return new AppError('request.not_found');
    if (error.statusCode === 405) return new AppError('request.method_not_allowed');
    if (error.statusCode === 413) return new AppError('request.body_too_large');
    if (error.statusCode === 415) return new AppError('request.unsupported_media_type');
    if (error.statusCode === 429) return new AppError('request.rate_limited');
    return new AppError('request.failed');
  }
  return undefined;
}

/** Must run before any route or plugin is registered, so every child context inherits it. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = toAppError(error);
    if (known !== undefined) {
      if (known.code === 'request.invalid' || known.status >= 413) request.log.info({ errorCode: known.code }, 'request rejected');
      for (const [name, value] of Object.entries(known.headers)) void reply.header(name, value);
      return sendError(reply, request, known.code, known.message, known.details);
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response failed its own schema');
    } else {
      request.log.error({ err: error }, 'unhandled error');
    }
    return sendError(reply, request, 'internal');
  });
}
