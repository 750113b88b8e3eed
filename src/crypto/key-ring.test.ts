// The key ring: where KEKs come from, that production refuses to run without them, that the
// generated demo file is private, and that key material never shows up in logs or JSON.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { KEY_FILE_NAME, LocalKeyRing, createKeyRing } from './key-ring.js';
import { parseKeySpec } from './key-spec.js';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'tl-keys-'));
const k = () => randomBytes(32).toString('base64');

async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('key ring', () => {
  it('loads ENCRYPTION_KEYS with the first key active', async () => {
    const { ring, warning } = await createKeyRing({ NODE_ENV: 'production', DATA_DIR: '/nonexistent', ENCRYPTION_KEYS: `k2:${k()},k1:${k()}` });
    expect(ring.activeKekId()).toBe('k2');
    expect(ring.kekIds()).toEqual(['k2', 'k1']);
    expect(ring.source).toBe('environment');
    expect(ring.addKek).toBeUndefined();
    expect(warning).toBeUndefined();
  });

  it('refuses to start in production without keys, naming ENCRYPTION_KEYS', async () => {
    const dir = await tempDir();
    const error = await configErrorOf(createKeyRing({ NODE_ENV: 'production', DATA_DIR: dir }));
    expect(error.variable).toBe('ENCRYPTION_KEYS');
    await expect(stat(path.join(dir, KEY_FILE_NAME))).rejects.toThrow(/ENOENT/);
  });

  it('reads keys from ENCRYPTION_KEYS_FILE through the config, and rejects bad keys without echoing them', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'keys');
    const secret = k();
    await writeFile(file, `k7:${secret}\n`);
    const config = loadConfig({ ENCRYPTION_KEYS_FILE: file });
    expect((await createKeyRing(config)).ring.activeKekId()).toBe('k7');
    for (const bad of [`k1:${secret.slice(0, 20)}`, `k1:${secret},k1:${secret}`, secret, `bad.id:${secret}`]) {
      let caught: unknown;
      try {
        loadConfig({ ENCRYPTION_KEYS: bad });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).variable).toBe('ENCRYPTION_KEYS');
      expect((caught as Error).message).not.toContain(secret.slice(0, 12));
    }
    expect(loadConfig({}).KEK_ROTATION_DAYS).toBe(180);
    expect(() => loadConfig({ KEK_ROTATION_DAYS: '0' })).toThrow(/^KEK_ROTATION_DAYS/);
  });

  it('generates a key file once under DATA_DIR with mode 0600, and warns', async () => {
    const dir = path.join(await tempDir(), 'data');
    const first = await createKeyRing({ NODE_ENV: 'development', DATA_DIR: dir });
    const file = path.join(dir, KEY_FILE_NAME);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(first.warning).toMatch(/generated encryption keys in .*encryption-keys.*ENCRYPTION_KEYS/);
    const content = await readFile(file, 'utf8');
    const second = await createKeyRing({ NODE_ENV: 'development', DATA_DIR: dir });
    expect(await readFile(file, 'utf8')).toBe(content);
    expect(second.ring.activeKekId()).toBe('k1');
    expect(second.warning).toMatch(/using encryption keys from/);
  });

  it('refuses a generated key file that other users can read', async () => {
    const dir = await tempDir();
    await createKeyRing({ NODE_ENV: 'test', DATA_DIR: dir });
    await chmod(path.join(dir, KEY_FILE_NAME), 0o644);
    expect((await configErrorOf(createKeyRing({ NODE_ENV: 'test', DATA_DIR: dir }))).variable).toBe('ENCRYPTION_KEYS');
  });

  it('rotates a generated key file by prepending a new key, still 0600, keeping the old ones', async () => {
    const dir = await tempDir();
    const { ring } = await createKeyRing({ NODE_ENV: 'test', DATA_DIR: dir });
    const add = ring.addKek;
    if (add === undefined) throw new Error('generated rings can add keys');
    expect(await add()).toBe('k2');
    const file = path.join(dir, KEY_FILE_NAME);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(parseKeySpec(await readFile(file, 'utf8')).map((e) => e.id)).toEqual(['k2', 'k1']);
    expect(ring.kekIds()).toEqual(['k2', 'k1']);
  });

  it('picks up a key another process added to the file when it meets an unknown KEK id', async () => {
    const dir = await tempDir();
    const a = (await createKeyRing({ NODE_ENV: 'test', DATA_DIR: dir })).ring;
    const b = (await createKeyRing({ NODE_ENV: 'test', DATA_DIR: dir })).ring;
    await a.addKek?.();
    const dek = randomBytes(32);
    const context = Buffer.from('ctx');
    const { kekId, wrapped } = await a.wrapDataKey(dek, () => context);
    expect(kekId).toBe('k2');
    expect(await b.unwrapDataKey(kekId, wrapped, context)).toEqual(dek);
  });

  it('never shows key material in JSON.stringify, util.inspect or string interpolation', () => {
    const material = randomBytes(32);
    const ring = new LocalKeyRing([{ id: 'k1', material }], { source: 'environment' });
    const renderings = [JSON.stringify(ring), inspect(ring, { depth: 10, showHidden: true }), `${String(ring)}`, JSON.stringify({ nested: { ring } })];
    for (const text of renderings) {
      for (const form of [material.toString('base64'), material.toString('hex'), material.toString('base64url')]) expect(text).not.toContain(form);
    }
    expect(JSON.parse(JSON.stringify(ring))).toEqual({ source: 'environment', activeKekId: 'k1', kekIds: ['k1'] });
    expect(inspect(ring)).toContain('k1');
  });

  it('does not keep a reference to the caller’s key buffer', async () => {
    const material = randomBytes(32);
    const copy = Buffer.from(material);
    const ring = new LocalKeyRing([{ id: 'k1', material }], { source: 'environment' });
    material.fill(0);
    const { wrapped } = await ring.wrapDataKey(Buffer.alloc(32, 5), () => Buffer.alloc(0));
    const other = new LocalKeyRing([{ id: 'k1', material: copy }], { source: 'environment' });
    expect(await other.unwrapDataKey('k1', wrapped, Buffer.alloc(0))).toEqual(Buffer.alloc(32, 5));
  });
});
