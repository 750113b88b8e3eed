// Key-encryption keys (KEKs): loaded from ENCRYPTION_KEYS (or its _FILE), or in the embedded demo
// from a key file generated once under DATA_DIR. Guarantees: key material never leaves this file
// except as AES-GCM operations; it is never stored in the database and never serialised or logged.
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, type Config } from '../config.js';
import { gcmOpen, gcmSeal, KEY_BYTES, NONCE_BYTES } from './aes-gcm.js';
import { CryptoError } from './errors.js';
import { formatKeySpec, parseKeySpec, type KekMaterial } from './key-spec.js';

/** A wrapped DEK: nonce (12) || encrypted key (32) || tag (16). */
export const WRAPPED_DEK_BYTES = NONCE_BYTES + KEY_BYTES + 16;

/**
 * Wraps and unwraps data keys. The local key ring implements it; a KMS (AWS KMS, Vault transit,
 * GCP KMS) can implement it later without ever handing key material to this process.
 */
export interface KeyProvider {
  /** Where the keys come from, for `keys status`: never the keys themselves. */
  readonly source: 'environment' | 'generated-file' | (string & {});
  /** The KEK that wraps new and re-wrapped data keys. */
  activeKekId(): string;
  /** Every KEK this provider can unwrap with, active first. */
  kekIds(): readonly string[];
  wrapDataKey(dek: Buffer, context: (kekId: string) => Buffer): Promise<{ kekId: string; wrapped: Buffer }>;
  unwrapDataKey(kekId: string, wrapped: Buffer, context: Buffer): Promise<Buffer>;
  /**
   * Creates a new KEK, makes it active and returns its id; absent when new keys come from the
   * operator (ENCRYPTION_KEYS) or a KMS schedule.
   */
  addKek?(): Promise<string>;
}

export const KEY_FILE_NAME = 'encryption-keys';

/** The local key ring: KEKs held as KeyObjects in a private field. */
export class LocalKeyRing implements KeyProvider {
  readonly source: 'environment' | 'generated-file';
  readonly #file: string | undefined;
  #keys = new Map<string, KeyObject>();
  #order: string[] = [];

  constructor(keys: readonly KekMaterial[], origin: { source: 'environment' } | { source: 'generated-file'; file: string }) {
    this.source = origin.source;
    this.#file = origin.source === 'generated-file' ? origin.file : undefined;
    this.#load(keys);
  }

  #load(keys: readonly KekMaterial[]): void {
    if (keys.length === 0) throw new CryptoError('crypto.keys_invalid');
    this.#keys = new Map(keys.map((k) => [k.id, createSecretKey(Buffer.from(k.material))]));
    this.#order = keys.map((k) => k.id);
  }

  activeKekId(): string {
    return this.#order[0] as string;
  }

  kekIds(): readonly string[] {
    return [...this.#order];
  }

  async wrapDataKey(dek: Buffer, context: (kekId: string) => Buffer): Promise<{ kekId: string; wrapped: Buffer }> {
    const kekId = this.activeKekId();
    const sealed = gcmSeal(this.#key(kekId), dek, context(kekId));
    return { kekId, wrapped: Buffer.concat([sealed.nonce, sealed.body]) };
  }

  async unwrapDataKey(kekId: string, wrapped: Buffer, context: Buffer): Promise<Buffer> {
    // Another process (`throughline keys rotate`) may have appended a key to the generated file
    // and re-wrapped under it: read the file again before giving up on an unknown id.
    if (!this.#keys.has(kekId) && this.#file !== undefined) this.#load(parseKeySpec(readFileSync(this.#file, 'utf8')));
    if (wrapped.length !== WRAPPED_DEK_BYTES) throw new CryptoError('crypto.malformed');
    return gcmOpen(this.#key(kekId), wrapped.subarray(0, NONCE_BYTES), wrapped.subarray(NONCE_BYTES), context);
  }

  get addKek(): (() => Promise<string>) | undefined {
    const file = this.#file;
    if (file === undefined) return undefined;
    return async () => {
      // Re-read first: the file is the source of truth when several processes share DATA_DIR.
      const current = parseKeySpec(await readFile(file, 'utf8'));
      const next = Math.max(0, ...current.map((k) => Number(/^k(\d+)$/.exec(k.id)?.[1] ?? 0))) + 1;
      const added: KekMaterial = { id: `k${next}`, material: randomBytes(KEY_BYTES) };
      await writeKeyFileAtomically(file, [added, ...current]);
      this.#load([added, ...current]);
      return added.id;
    };
  }

  #key(kekId: string): KeyObject {
    const key = this.#keys.get(kekId);
    if (key === undefined) throw new CryptoError('crypto.key_unavailable');
    return key;
  }

  /** SECURITY: what JSON.stringify, loggers and error reporters see: ids only, never material. */
  toJSON(): { source: string; activeKekId: string; kekIds: string[] } {
    return { source: this.source, activeKekId: this.activeKekId(), kekIds: [...this.#order] };
  }

  [inspect.custom](): string {
    return `LocalKeyRing ${inspect(this.toJSON())}`;
  }
}

async function writeKeyFileAtomically(file: string, keys: readonly KekMaterial[]): Promise<void> {
  // Write beside, then rename: a crash leaves the old file or the new one, never half of one.
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, formatKeySpec(keys), { mode: 0o600, flag: 'wx' });
  await rename(temp, file);
}

export interface KeyRingSetup {
  ring: LocalKeyRing;
  /** For the CLI to print when keys come from a generated file next to the data. */
  warning?: string;
}

/**
 * Builds the key ring from configuration. ENCRYPTION_KEYS (or ENCRYPTION_KEYS_FILE, already read
 * by loadConfig) wins; without it, production refuses to start and other environments use a key
 * file generated once under DATA_DIR.
 * @throws ConfigError naming ENCRYPTION_KEYS (production without keys, or an unusable key file).
 */
export async function createKeyRing(config: Pick<Config, 'NODE_ENV' | 'DATA_DIR'> & { ENCRYPTION_KEYS?: string | undefined }): Promise<KeyRingSetup> {
  if (config.ENCRYPTION_KEYS !== undefined) {
    try {
      return { ring: new LocalKeyRing(parseKeySpec(config.ENCRYPTION_KEYS), { source: 'environment' }) };
    } catch {
      throw new ConfigError('ENCRYPTION_KEYS', 'must be a list of id:base64 keys of 32 bytes each, the active key first');
    }
  }
  // SECURITY: a key file beside the database protects nothing against whoever copies DATA_DIR.
  // Production must keep keys apart from the data (env, secret file, later a KMS).
  if (config.NODE_ENV === 'production') {
    throw new ConfigError('ENCRYPTION_KEYS', 'is required in production (or ENCRYPTION_KEYS_FILE); see docs/security/crypto.md');
  }
  const file = path.join(config.DATA_DIR, KEY_FILE_NAME);
  const generated = await generateKeyFileOnce(file);
  const info = await stat(file);
  // Like ssh with a private key: refuse a key file others can read rather than use it quietly.
  if ((info.mode & 0o077) !== 0) throw new ConfigError('ENCRYPTION_KEYS', `is unset and the key file ${file} is readable by other users; chmod 600 it`);
  let keys: KekMaterial[];
  try {
    keys = parseKeySpec(await readFile(file, 'utf8'));
  } catch {
    throw new ConfigError('ENCRYPTION_KEYS', `is unset and the key file ${file} is not a valid key ring`);
  }
  return {
    ring: new LocalKeyRing(keys, { source: 'generated-file', file }),
    warning: `${generated ? 'generated encryption keys in' : 'using encryption keys from'} ${file} (mode 0600) next to the data; set ENCRYPTION_KEYS for production`,
  };
}

/** Creates the key file with one fresh key unless it exists; true when this call created it. */
async function generateKeyFileOnce(file: string): Promise<boolean> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, formatKeySpec([{ id: 'k1', material: randomBytes(KEY_BYTES) }]), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return false;
    throw error;
  }
  // mode on create is filtered by the umask, which only removes bits; chmod states the intent.
  await chmod(file, 0o600);
  return true;
}
