// CSV imports of a workspace: preview (nothing written) and import. Guarantees: owners and admins
// only; a file with any invalid row writes nothing; a valid file's records go to the sync engine's
// upsert path in one transaction (the `writer`), so a failure midway leaves nothing behind either.
import { randomUUID } from 'node:crypto';
import type { AuditContext, AuditService } from '../audit/index.js';
import type { Database } from '../db/index.js';
import { AppError } from '../http/errors.js';
import { requireCurrentRole, type WorkspaceAccess } from '../workspaces/index.js';
import type { SyncBatch } from './contract.js';
import { findLiveByAccount, insertIntegration } from './queries.js';
import { CSV_FIELDS, csvBatches, readCsv, type CsvOptions, type CsvRowError } from './csv-import.js';

/**
 * Writes the batches of one import in a single transaction through the sync engine's upserts
 * (src/sync). All or nothing: it throws, and commits nothing, if any batch fails.
 */
export type CsvBatchWriter = (workspaceId: string, integrationId: string, batches: readonly SyncBatch[]) => Promise<{ rows: number }>;

export interface CsvImportDeps {
  db: Pick<Database, 'withWorkspace'>;
  audit: Pick<AuditService, 'record'>;
  /** Absent until the sync engine exports it; the import route is then not registered. */
  writer?: CsvBatchWriter | undefined;
}

export interface CsvPreview {
  header: string[];
  delimiter: string;
  mapping: Record<string, string>;
  fields: string[];
  rowCount: number;
  validRows: number;
  errors: CsvRowError[];
  /** The first rows as they would be imported. */
  sample: unknown[];
}

export interface CsvImportService {
  readonly canImport: boolean;
  preview(access: WorkspaceAccess, content: string, options: CsvOptions): Promise<CsvPreview>;
  importFile(access: WorkspaceAccess, content: string, options: CsvOptions & { source: string }, context: AuditContext): Promise<{ integrationId: string; rows: number }>;
}

const SAMPLE_ROWS = 20;

export function createCsvImportService(deps: CsvImportDeps): CsvImportService {
  return {
    canImport: deps.writer !== undefined,

    async preview(access, content, options) {
      await deps.db.withWorkspace(access.workspaceId, (tx) => requireCurrentRole(tx, access, 'admin'));
      const result = readCsv(content, options);
      const records = options.kind === 'spend' ? result.spend : result.deals;
      return {
        header: result.header,
        delimiter: result.delimiter,
        mapping: result.mapping,
        fields: [...CSV_FIELDS[options.kind]],
        rowCount: result.rowCount,
        validRows: records.length,
        errors: result.errors,
        sample: records.slice(0, SAMPLE_ROWS),
      };
    },

    async importFile(access, content, options, context) {
      const writer = deps.writer;
      if (writer === undefined) throw new AppError('integration.provider_not_available');
      const result = readCsv(content, options);
      // SECURITY (integrity): nothing is written unless every row is valid.
      if (result.errors.length > 0) throw new AppError('integration.csv_invalid', { details: { errors: result.errors } });
      const batches = csvBatches(result, options);
      const externalAccount = `${options.kind}:${options.source}`;
      const integrationId = await deps.db.withWorkspace(access.workspaceId, async (tx) => {
        await requireCurrentRole(tx, access, 'admin');
        const existing = await findLiveByAccount(tx, 'csv', externalAccount);
        if (existing !== undefined) return existing.id;
        const id = randomUUID();
        await insertIntegration(tx, {
          id,
          workspace_id: access.workspaceId,
          provider: 'csv',
          external_account: externalAccount,
          display_name: `CSV · ${options.source}`.slice(0, 200),
          granted_scopes: [],
          settings: { kind: options.kind, ...(options.channel === undefined ? {} : { channel: options.channel }) },
          connected_by: access.principal.kind === 'user' ? access.principal.userId : null,
        });
        return id;
      });
      const { rows } = await writer(access.workspaceId, integrationId, batches);
      await deps.audit.record(
        { action: 'integration.csv.imported', workspaceId: access.workspaceId, target: { type: 'integration', id: integrationId }, details: { kind: options.kind, source: options.source, rows } },
        context,
      );
      return { integrationId, rows };
    },
  };
}
