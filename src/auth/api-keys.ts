// API keys: programmatic access to one workspace, sent as `Authorization: Bearer tlk_…`.
// Guarantees: the key is `tlk_<workspaceId>.<keyId>.<secret>` with a 256-bit secret, shown once
// and stored only as SHA-256 (compared in constant time); the workspace id in it selects the RLS
// scope of the lookup, so a key can only ever name a row of its own workspace; revoked and expired
// keys authenticate nothing; a key acts as viewer (`read`) or analyst (`read_write`), never as an
// admin, so it cannot manage members, keys or settings; last use is recorded at most once a minute.
import type { AuditContext, AuditService } from '../audit/index.js';
import type { ApiKeyScope, Database, WorkspaceTx } from '../db/index.js';
import { AppError } from '../http/errors.js';
import { requireCurrentRole, type WorkspaceAccess } from '../workspaces/index.js';
import type { ApiKeyAuthenticator, ApiKeyPrincipal } from './http.js';
import { mintSplitToken, parseSplitToken, sameHash } from './split-token.js';

/** Marks the string as ours for secret scanners and for people reading a config file. */
export const API_KEY_PREFIX = 'tlk_';
/** Live keys one workspace may hold. */
export const MAX_LIVE_API_KEYS = 50;
export const MAX_API_KEY_DAYS = 365;
const LAST_USED_GRANULARITY_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface ApiKeyView {
  id: string;
  name: string;
  scope: ApiKeyScope;
  /** The key's public part (everything before its secret), to tell keys apart. */
  prefix: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  status: 'active' | 'expired';
}

export interface CreatedApiKey extends ApiKeyView {
  /** The whole key: returned once, never stored. */
  key: string;
}

export interface ApiKeyService {
  create(access: WorkspaceAccess, input: { name: string; scope: ApiKeyScope; expiresInDays?: number | undefined }, context: AuditContext): Promise<CreatedApiKey>;
  /** Keys not revoked (expired ones included, marked so). */
  list(access: WorkspaceAccess): Promise<ApiKeyView[]>;
  revoke(access: WorkspaceAccess, keyId: string, context: AuditContext): Promise<void>;
}

// --- SQL (api_keys is a tenant table: every query takes the workspace's transaction) -----------------

const keyColumns = ['id', 'workspace_id', 'name', 'scope', 'key_hash', 'created_by', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'] as const;

type KeyRow = {
  id: string;
  workspace_id: string;
  name: string;
  scope: ApiKeyScope;
  key_hash: Uint8Array;
  created_by: string | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

function findKey(tx: WorkspaceTx, id: string): Promise<KeyRow | undefined> {
  return tx.selectFrom('api_keys').select(keyColumns).where('id', '=', id).executeTakeFirst();
}

async function touchKey(tx: WorkspaceTx, id: string, at: Date): Promise<void> {
  await tx
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(at.getTime() - LAST_USED_GRANULARITY_MS))]))
    .execute();
}

function isExpired(row: { expires_at: Date | null }, at: Date): boolean {
  return row.expires_at !== null && new Date(row.expires_at).getTime() <= at.getTime();
}

function toView(row: KeyRow, at: Date): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    prefix: `${API_KEY_PREFIX}${row.workspace_id}.${row.id}.`,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    status: isExpired(row, at) ? 'expired' : 'active',
  };
}

// --- authentication -------------------------------------------------------------------------------------

export function createApiKeyAuthenticator(deps: { db: Pick<Database, 'withWorkspace'>; now?: () => Date }): ApiKeyAuthenticator {
  const now = deps.now ?? (() => new Date());
  return {
    async authenticate(token) {
      if (!token.startsWith(API_KEY_PREFIX)) return undefined;
      const parsed = parseSplitToken(token.slice(API_KEY_PREFIX.length));
      if (parsed === undefined) return undefined;
      const at = now();
      return deps.db.withWorkspace(parsed.ownerId, async (tx): Promise<ApiKeyPrincipal | undefined> => {
        const row = await findKey(tx, parsed.id);
        // SECURITY: constant-time comparison of the secret's hash; nothing about the row is used before it.
        if (row === undefined || !sameHash(row.key_hash, parsed.hash)) return undefined;
        if (row.revoked_at !== null || isExpired(row, at)) return undefined;
        const lastUsed = row.last_used_at === null ? 0 : new Date(row.last_used_at).getTime();
        if (at.getTime() - lastUsed >= LAST_USED_GRANULARITY_MS) await touchKey(tx, row.id, at);
        return { kind: 'api_key', keyId: row.id, workspaceId: row.workspace_id, scope: row.scope };
      });
    },
  };
}

// --- management ------------------------------------------------------------------------------------------

function assertPersonAdmin(access: WorkspaceAccess): string {
  // A key cannot mint, list or revoke keys: that would let a leaked key outlive its revocation.
  if (access.principal.kind !== 'user') throw new AppError('auth.forbidden', { message: 'API keys cannot use this endpoint.' });
  if (access.role !== 'admin' && access.role !== 'owner') throw new AppError('auth.forbidden');
  return access.principal.userId;
}

export function createApiKeyService(deps: { db: Pick<Database, 'withWorkspace'>; audit: Pick<AuditService, 'record'>; now?: () => Date }): ApiKeyService {
  const { db, audit } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    async create(access, input, context) {
      const userId = assertPersonAdmin(access);
      const { workspaceId } = access;
      if (input.expiresInDays !== undefined && !(Number.isInteger(input.expiresInDays) && input.expiresInDays >= 1 && input.expiresInDays <= MAX_API_KEY_DAYS)) {
        throw new AppError('request.invalid', { message: `expiresInDays must be a whole number from 1 to ${MAX_API_KEY_DAYS}.` });
      }
      const at = now();
      const minted = mintSplitToken(workspaceId);
      const row = await db.withWorkspace(workspaceId, async (tx) => {
        await requireCurrentRole(tx, access, 'admin');
        const live = await tx
          .selectFrom('api_keys')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('revoked_at', 'is', null)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
          .executeTakeFirstOrThrow();
        if (Number(live.n) >= MAX_LIVE_API_KEYS) {
          throw new AppError('request.conflict', { message: `A workspace can have at most ${MAX_LIVE_API_KEYS} live API keys; revoke one first.` });
        }
        const inserted = await tx
          .insertInto('api_keys')
          .values({
            id: minted.id,
            workspace_id: workspaceId,
            name: input.name,
            scope: input.scope,
            key_hash: minted.hash,
            created_by: userId,
            created_at: at,
            expires_at: input.expiresInDays === undefined ? null : new Date(at.getTime() + input.expiresInDays * DAY_MS),
          })
          .returning(keyColumns)
          .executeTakeFirstOrThrow();
        await audit.record(
          {
            action: 'auth.api_key.created',
            workspaceId,
            target: { type: 'api_key', id: minted.id },
            details: { name: input.name, scope: input.scope, expiresAt: inserted.expires_at === null ? null : new Date(inserted.expires_at).toISOString() },
          },
          context,
          tx,
        );
        return inserted;
      });
      return { ...toView(row, at), key: `${API_KEY_PREFIX}${minted.token}` };
    },

    async list(access) {
      assertPersonAdmin(access);
      const at = now();
      const rows = await db.withWorkspace(access.workspaceId, (tx) =>
        tx.selectFrom('api_keys').select(keyColumns).where('revoked_at', 'is', null).orderBy('created_at', 'desc').orderBy('id').execute(),
      );
      return rows.map((r) => toView(r, at));
    },

    async revoke(access, keyId, context) {
      assertPersonAdmin(access);
      const { workspaceId } = access;
      const at = now();
      await db.withWorkspace(workspaceId, async (tx) => {
        await requireCurrentRole(tx, access, 'admin');
        const revoked = await tx
          .updateTable('api_keys')
          .set({ revoked_at: at })
          .where('id', '=', keyId)
          .where('revoked_at', 'is', null)
          .returning(['id', 'name', 'scope'])
          .executeTakeFirst();
        if (revoked === undefined) throw new AppError('request.not_found', { message: 'No such API key.' });
        await audit.record(
          { action: 'auth.api_key.revoked', workspaceId, target: { type: 'api_key', id: keyId }, details: { name: revoked.name, scope: revoked.scope } },
          context,
          tx,
        );
      });
    },
  };
}
