// The entry hash, computed by the database (audit_entry_hash) and recomputed by the verifier
// (entryHash): test vectors with the values that break naive serialisations, compared between
// the two on PGlite and, with TEST_DATABASE_URL, PostgreSQL, plus one pinned known answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { GENESIS_HASH, canonicalEntry, entryHash, type HashedEntryContent } from './hash.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  await t?.close();
});

/** A vector as the client writes it: JSON as sent (any key order, any spacing), address as typed. */
interface Vector {
  name: string;
  prevHash: string;
  workspaceId: string | null;
  seq: number;
  occurredAt: string;
  actorKind: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  result: string;
  ip: string | null;
  userAgent: string | null;
  device: string | null;
  requestId: string | null;
  details: string;
}

const base: Vector = {
  name: 'plain',
  prevHash: GENESIS_HASH,
  workspaceId: '7d3f5c1e-0b6a-4c1d-9a4e-2f8b6c0d1e2a',
  seq: 1,
  occurredAt: '2026-11-23T10:31:15.123Z',
  actorKind: 'user',
  actorId: 'user-1',
  action: 'auth.login.succeeded',
  targetType: null,
  targetId: null,
  result: 'success',
  ip: '203.0.113.7',
  userAgent: 'curl/8.5.0',
  device: null,
  requestId: 'req-1',
  details: '{}',
};

const VECTORS: Vector[] = [
  base,
  { ...base, name: 'platform chain, every optional field NULL', workspaceId: null, actorId: null, ip: null, userAgent: null, requestId: null },
  {
    ...base,
    name: 'unicode: accents, CJK, RTL, emoji with ZWJ, combining marks, U+2028',
    actorId: 'Zoë 張偉 محمد',
    targetType: 'user',
    targetId: '👩‍💻e\u0301\u2028',
    userAgent: 'Mozilla/5.0 (ünïcödé)',
    details: '{"name": "Ñandú 🐦", "note": "\\u00e9 and é"}',
  },
  {
    ...base,
    name: 'quotes, backslashes, control characters and the serialisation’s own separators',
    actorId: '"quoted" \'single\' \\back\\',
    targetType: '~,',
    targetId: '3:abc,',
    userAgent: 'tab\there\nnewline\r\u0001',
    requestId: ',:~',
    details: '{"k\\"ey": "v,al:ue~", "a\\\\b": "\\n\\t"}',
  },
  {
    ...base,
    name: 'nested jsonb with keys in a different order, numbers jsonb normalises, arrays and nulls',
    details: '{"z": {"b": [1, 2.50, {"y": null, "x": true}], "a": 1e3}, "aa": -0.0, "b": {}, "a": 1}',
    device: '{"type": "desktop", "os": "Windows", "browser": "Chrome", "browserVersion": "126", "osVersion": null}',
  },
  { ...base, name: 'empty strings are not NULL', actorId: '', targetType: '', targetId: '', userAgent: '', requestId: '' },
  { ...base, name: 'IPv6 as typed (upper case, zero runs)', ip: '2001:DB8:0:0::1' },
  { ...base, name: 'IPv4-mapped IPv6, a network, a large seq and the epoch', ip: '::ffff:198.51.100.1', seq: 9_007_199_254, occurredAt: '1970-01-01T00:00:00.000Z' },
  { ...base, name: 'an address with a mask', ip: '10.1.2.3/8' },
];

/** The database's hash, and the text forms of the values as PostgreSQL prints them. */
async function inDatabase(v: Vector): Promise<{ hash: string; content: HashedEntryContent }> {
  const [row] = await t.owner.query<{ hash: string; ws: string | null; ip: string | null; device: string | null; details: string; at: Date }>(
    `SELECT audit_entry_hash($1, $2::uuid, $3::bigint, $4::timestamptz, $5, $6, $7, $8, $9, $10, $11::inet, $12, $13::jsonb, $14, $15::jsonb) AS hash,
            $2::uuid::text AS ws, $11::inet::text AS ip, $13::jsonb::text AS device, $15::jsonb::text AS details, $4::timestamptz AS at`,
    [v.prevHash, v.workspaceId, v.seq, v.occurredAt, v.actorKind, v.actorId, v.action, v.targetType, v.targetId, v.result, v.ip, v.userAgent, v.device, v.requestId, v.details],
  );
  if (row === undefined) throw new Error('no row');
  return {
    hash: row.hash,
    content: {
      prevHash: v.prevHash,
      workspaceId: row.ws,
      seq: v.seq,
      occurredAt: new Date(row.at),
      actorKind: v.actorKind,
      actorId: v.actorId,
      action: v.action,
      targetType: v.targetType,
      targetId: v.targetId,
      result: v.result,
      ip: row.ip,
      userAgent: v.userAgent,
      deviceJson: row.device,
      requestId: v.requestId,
      detailsJson: row.details,
    },
  };
}

describe(`audit entry hash (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it.each(VECTORS.map((v) => [v.name, v] as const))('SQL and TypeScript agree: %s', async (_name, vector) => {
    const { hash, content } = await inDatabase(vector);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash(content)).toBe(hash);
  });

  it('matches the pinned known answer (a change of format must be deliberate)', async () => {
    const { hash, content } = await inDatabase(base);
    expect(canonicalEntry(content)).toBe(
      '20:throughline.audit.v1,64:' +
        GENESIS_HASH +
        ',36:7d3f5c1e-0b6a-4c1d-9a4e-2f8b6c0d1e2a,1:1,13:1795429875123,4:user,6:user-1,20:auth.login.succeeded,~,~,7:success,14:203.0.113.7/32,10:curl/8.5.0,~,5:req-1,2:{},',
    );
    expect(hash).toBe(PINNED_PLAIN_HASH);
  });

  it('hashes jsonb by value: the same details with keys in another order give the same hash', async () => {
    const a = await inDatabase({ ...base, details: '{"b": {"y": 2, "x": [1, {"q": 1, "p": 2}]}, "a": "1"}' });
    const b = await inDatabase({ ...base, details: '{"a":"1","b":{"x":[1,{"p":2,"q":1}],"y":2}}' });
    expect(a.hash).toBe(b.hash);
    const c = await inDatabase({ ...base, details: '{"a":"1","b":{"x":[{"p":2,"q":1},1],"y":2}}' });
    expect(c.hash).not.toBe(a.hash); // array order is content
  });

  it('cannot be fooled by moving text between fields or by NULL versus empty', async () => {
    const split = entryHash({ ...(await inDatabase(base)).content, targetType: 'ab', targetId: null });
    const moved = entryHash({ ...(await inDatabase(base)).content, targetType: 'a', targetId: 'b' });
    const empty = entryHash({ ...(await inDatabase(base)).content, targetType: 'ab', targetId: '' });
    const smuggled = entryHash({ ...(await inDatabase(base)).content, targetType: 'a1:b,', targetId: null });
    expect(new Set([split, moved, empty, smuggled]).size).toBe(4);
  });
});

// sha256sum of the canonical string above, computed outside both implementations.
const PINNED_PLAIN_HASH = 'c65237b4838ed16ebf34ff1066279c9602e6e0d7109ee4ca9c299c1c996133ff';
