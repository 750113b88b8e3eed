// The audit module's public surface: record events, list and export a chain, verify the chains.
export { auditSystemAccess, createAuditService, AUDIT_SYSTEM_REASON_PREFIX } from './service.js';
export type { AuditService, AuditServiceDeps, RecordedEntry } from './service.js';
export { auditActionSchema, auditContextSchema, auditEventSchema, auditListFilterSchema, auditResultSchema } from './schema.js';
export type { AuditAction, AuditContext, AuditDevice, AuditEntry, AuditEvent, AuditListFilter, AuditPage, AuditResult, AuditVerifyResult } from './schema.js';
export { normaliseUserAgent, parseDevice } from './device.js';
export { verifyAuditChains } from './verify.js';
export { runAuditVerifyCommand } from './verify-command.js';
export type { CommandIo } from './verify-command.js';
export { DEFAULT_AUDIT_RETENTION_MONTHS, purgeExpiredAuditEntries } from './retention.js';
export type { PurgeOptions, PurgeReport } from './retention.js';
export { AUDIT_RETENTION_JOB, auditRetentionJob } from './retention-job.js';
export type { AuditRetentionJobDeps, AuditRetentionSummary } from './retention-job.js';
