// Vault decrypt throughput against raw node:crypto AES-256-GCM on the same values. The vault path
// is openSecret() as the token store calls it, with the workspace's DEK already unwrapped (the
// steady state): parse `tlv1.` text, decode, build the AAD, check the key's owner, decrypt. The
// baseline decrypts the same plaintexts, sealed under the same AAD, from ready Buffers with one
// createDecipheriv per value. Target: vault / raw >= 0.5. Bounded: BENCH_VAULT_SECONDS per side
// per round (default 1), 3 alternating rounds. Run alone: npx tsx bench/vault.ts
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations, openDatabase, pgliteOwnerSession } from '../src/db/index.js';
import { LocalKeyRing, createVault, type SecretPlace } from '../src/crypto/index.js';
import { runAsScript, type BenchFigure } from './support/report.js';
import { median } from './support/stats.js';

const TARGET_RATIO = 0.5;
const VALUES = 1_000;
const ROUNDS = 3;
const SECONDS = Number(process.env.BENCH_VAULT_SECONDS ?? '1');

/** A realistic OAuth access token: ~180 characters. */
const token = (i: number) => `ya29.a0AfB_${randomBytes(120).toString('base64url')}_${i}`;

async function timed(fn: () => Promise<number> | number): Promise<number> {
  const deadline = performance.now() + SECONDS * 1000;
  let ops = 0;
  const started = performance.now();
  while (performance.now() < deadline) ops += await fn();
  return ops / ((performance.now() - started) / 1000);
}

async function bench(): Promise<BenchFigure[]> {
  const pglite = await PGlite.create();
  await applyMigrations(pgliteOwnerSession(pglite));
  const db = await openDatabase({ dataDir: '', pglite });
  try {
    const vault = createVault({ db, keys: new LocalKeyRing([{ id: 'k1', material: randomBytes(32) }], { source: 'environment' }) });
    const ws = randomUUID();
    const plaintexts = Array.from({ length: VALUES }, (_, i) => token(i));
    const places: SecretPlace[] = plaintexts.map(() => ({ table: 'integration_tokens', column: 'access_token_sealed', rowId: randomUUID(), workspaceId: ws }));
    const sealed = await db.withWorkspace(ws, async (tx) => {
      await tx.insertInto('workspaces').values({ id: ws, name: 'Bench' }).execute();
      const out: string[] = [];
      for (let i = 0; i < VALUES; i += 1) out.push(await vault.sealSecret(tx, places[i] as SecretPlace, plaintexts[i] as string));
      return out;
    });

    // The baseline: the same plaintexts and AAD bytes, sealed with node:crypto directly.
    const key = randomBytes(32);
    const raw = plaintexts.map((p, i) => {
      const place = places[i] as SecretPlace;
      const aad = Buffer.from(JSON.stringify(['tlv1', randomUUID(), place.table, place.column, place.rowId, place.workspaceId]));
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(aad);
      const ct = Buffer.concat([cipher.update(p, 'utf8'), cipher.final()]);
      return { nonce, ct, tag: cipher.getAuthTag(), aad };
    });
    const rawPass = () => {
      for (const v of raw) {
        const d = createDecipheriv('aes-256-gcm', key, v.nonce);
        d.setAAD(v.aad);
        d.setAuthTag(v.tag);
        Buffer.concat([d.update(v.ct), d.final()]).toString('utf8');
      }
      return raw.length;
    };

    const vaultRates: number[] = [];
    const rawRates: number[] = [];
    await db.withWorkspace(ws, async (tx) => {
      const vaultPass = async () => {
        for (let i = 0; i < VALUES; i += 1) {
          if ((await vault.openSecret(tx, places[i] as SecretPlace, sealed[i] as string)) !== plaintexts[i]) throw new Error('vault returned a wrong value');
        }
        return VALUES;
      };
      await vaultPass(); // warm: DEK unwrapped and cached, JIT warmed
      rawPass();
      for (let r = 0; r < ROUNDS; r += 1) {
        rawRates.push(await timed(rawPass));
        vaultRates.push(await timed(vaultPass));
      }
    });
    const vaultOps = median(vaultRates);
    const rawOps = median(rawRates);
    const ratio = vaultOps / rawOps;
    console.log(`raw node:crypto AES-256-GCM decrypt: ${Math.round(rawOps).toLocaleString('en')} values/s`);
    console.log(`vault openSecret (cached DEK):       ${Math.round(vaultOps).toLocaleString('en')} values/s`);
    console.log(`ratio vault/raw: ${ratio.toFixed(2)} (target >= ${TARGET_RATIO})`);
    return [
      { bench: 'vault', figure: 'decrypt values/s, vault', value: Math.round(vaultOps).toLocaleString('en'), target: '-', verdict: 'INFO' },
      { bench: 'vault', figure: 'decrypt values/s, raw node:crypto', value: Math.round(rawOps).toLocaleString('en'), target: '-', verdict: 'INFO' },
      { bench: 'vault', figure: 'vault / raw decrypt throughput', value: ratio.toFixed(2), target: `>= ${TARGET_RATIO}`, verdict: ratio >= TARGET_RATIO ? 'PASS' : 'MISS' },
    ];
  } finally {
    await db.close();
  }
}

await runAsScript('vault', bench);
