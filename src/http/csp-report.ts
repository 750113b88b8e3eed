// Receives Content-Security-Policy violation reports from browsers and logs them, so an operator
// sees an injection attempt (or a CSP regression) as it happens. Accepts both the legacy
// `application/csp-report` body and the Reporting API's `application/reports+json` list.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scrubUrl } from '../observability/logger.js';
import { CSP_REPORT_PATH } from './security-headers.js';

const REPORT_LIMIT_BYTES = 16 * 1024;

const url = z.string().max(2048);
const legacyReport = z.object({
  'csp-report': z.looseObject({
    'document-uri': url.optional(),
    'violated-directive': z.string().max(256).optional(),
    'effective-directive': z.string().max(256).optional(),
    'blocked-uri': url.optional(),
    'source-file': url.optional(),
    'line-number': z.number().int().optional(),
  }),
});
const reportingApiReport = z
  .array(
    z.looseObject({
      type: z.string().max(64),
      url: url.optional(),
      body: z
        .looseObject({
          documentURL: url.optional(),
          effectiveDirective: z.string().max(256).optional(),
          blockedURL: url.optional(),
          sourceFile: url.optional(),
          lineNumber: z.number().int().optional(),
        })
        .optional(),
    }),
  )
  .max(32);

export const cspReportSchema = z.union([legacyReport, reportingApiReport]).meta({ id: 'CspReport' });

interface Violation {
  document?: string | undefined;
  directive?: string | undefined;
  blocked?: string | undefined;
  source?: string | undefined;
}

function violationsOf(report: z.infer<typeof cspReportSchema>): Violation[] {
  if (Array.isArray(report)) {
    return report
      .filter((r) => r.type === 'csp-violation')
      .map((r) => ({ document: r.body?.documentURL ?? r.url, directive: r.body?.effectiveDirective, blocked: r.body?.blockedURL, source: r.body?.sourceFile }));
  }
  const r = report['csp-report'];
  return [{ document: r['document-uri'], directive: r['effective-directive'] ?? r['violated-directive'], blocked: r['blocked-uri'], source: r['source-file'] }];
}

export function registerCspReport(app: FastifyInstance): void {
  app.register(async (scope) => {
    // Browsers send these types; they are JSON underneath. Only this route accepts them.
    scope.addContentTypeParser(['application/csp-report', 'application/reports+json'], { parseAs: 'string', bodyLimit: REPORT_LIMIT_BYTES }, scope.getDefaultJsonParser('error', 'error'));
    scope.withTypeProvider<ZodTypeProvider>().post(
      CSP_REPORT_PATH,
      {
        bodyLimit: REPORT_LIMIT_BYTES,
        config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
        schema: { tags: ['security'], summary: 'Content-Security-Policy violation reports', body: cspReportSchema, response: { 204: z.null() } },
      },
      async (request, reply) => {
        for (const v of violationsOf(request.body)) {
          // URLs are logged without query values: a blocked URL can carry a token.
          request.log.warn(
            { cspViolation: { directive: v.directive, blocked: v.blocked && scrubUrl(v.blocked), document: v.document && scrubUrl(v.document), source: v.source && scrubUrl(v.source) } },
            'content security policy violation',
          );
        }
        return reply.code(204).send(null);
      },
    );
  });
}
