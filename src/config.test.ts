import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has safe defaults for a laptop: loopback, port 3000, embedded database', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ HOST: '127.0.0.1', PORT: 3000, NODE_ENV: 'development' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(path.isAbsolute(config.DATA_DIR)).toBe(true);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', HOST: '' })).toMatchObject({ PORT: 3000, HOST: '127.0.0.1' });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ DATABASE_URL: 'mysql://u:p@h/db' }, 'DATABASE_URL'],
    [{ TLS_CERT_FILE: '/tmp/cert.pem' }, 'TLS_KEY_FILE'],
    [{ HOST: '0.0.0.0' }, 'HOST'],
    [{ TRUST_PROXY: 'true', HOST: '0.0.0.0' }, 'TRUST_PROXY'],
    [{ NODE_ENV: 'production' }, 'PUBLIC_URL'],
    [{ NODE_ENV: 'production', PUBLIC_URL: 'http://analytics.example.com' }, 'PUBLIC_URL'],
    [{ SECURITY_CONTACT: 'someone' }, 'SECURITY_CONTACT'],
  ])('stops on %o naming %s', (env, variable) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(variable)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('never echoes a secret value in the error', () => {
    const error = configError({ DATABASE_URL: 'mysql://admin:S3cretPassw0rd@db.internal/prod' });
    expect(error.message).not.toContain('S3cretPassw0rd');
    expect(error.message).not.toContain('db.internal');
  });

  it('reads secrets from NAME_FILE and refuses both forms at once', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tl-config-'));
    const file = path.join(dir, 'db-url');
    await writeFile(file, 'postgres://app:pw@127.0.0.1/throughline\n');
    expect(loadConfig({ DATABASE_URL_FILE: file }).DATABASE_URL).toBe('postgres://app:pw@127.0.0.1/throughline');
    expect(configError({ DATABASE_URL_FILE: file, DATABASE_URL: 'postgres://x@y/z' }).variable).toBe('DATABASE_URL');
    expect(configError({ DEMO_PASSWORD_FILE: path.join(dir, 'missing') }).variable).toBe('DEMO_PASSWORD_FILE');
  });

  it('allows a public interface behind a declared TLS proxy, or with TLS files', () => {
    expect(loadConfig({ HOST: '0.0.0.0', TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({ HOST: '0.0.0.0', TLS_CERT_FILE: '/c.pem', TLS_KEY_FILE: '/k.pem' }).HOST).toBe('0.0.0.0');
  });

  it('runs the job worker in-process by default only on the embedded database, and keeps audit entries 3 to 120 months', () => {
    expect(loadConfig({}).WORKER_IN_PROCESS).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://app@db/throughline' }).WORKER_IN_PROCESS).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://app@db/throughline', WORKER_IN_PROCESS: 'true' }).WORKER_IN_PROCESS).toBe(true);
    expect(loadConfig({ WORKER_IN_PROCESS: 'false' }).WORKER_IN_PROCESS).toBe(false);
    expect(configError({ WORKER_IN_PROCESS: 'sometimes' }).message).toBe('WORKER_IN_PROCESS must be true or false');
    expect(loadConfig({}).AUDIT_RETENTION_MONTHS).toBe(12);
    expect(loadConfig({ AUDIT_RETENTION_MONTHS: '36' }).AUDIT_RETENTION_MONTHS).toBe(36);
    for (const months of ['0', '2', '121', '6.5', 'a year']) expect(configError({ AUDIT_RETENTION_MONTHS: months }).variable).toBe('AUDIT_RETENTION_MONTHS');
  });
});
