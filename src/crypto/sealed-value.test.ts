// The stored form and the AAD are persistent formats: the AAD must stay byte-identical to the
// JSON array it was first defined as (every sealed value in a database depends on it), and the
// parser must refuse anything formatSealed would not have written.
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatSealed, parseSealed, valueAad } from './sealed-value.js';

const dekId = randomUUID();

describe('valueAad', () => {
  const awkward = ['', 'plain', 'quote"inside', 'back\\slash', 'new\nline', 'tab\t', '\u0000nul', 'del\u007f', 'ünïcödé', 'emoji 🔑', 'lone \ud800 surrogate', '</script>', '{"json":[1]}'];

  it('is byte for byte the JSON array of format, key, table, column, row and workspace', () => {
    for (const text of awkward) {
      for (const workspaceId of [randomUUID(), null, text]) {
        const place = { table: `t${text}`, column: `${text}c`, rowId: text, workspaceId };
        const expected = Buffer.from(JSON.stringify(['tlv1', dekId, place.table, place.column, place.rowId, place.workspaceId]), 'utf8');
        expect(valueAad(dekId, place).equals(expected), JSON.stringify(place)).toBe(true);
      }
    }
  });

  it('differs when any part moves into its neighbour', () => {
    const a = valueAad(dekId, { table: 'a', column: 'b,c', rowId: 'r', workspaceId: null });
    const b = valueAad(dekId, { table: 'a,b', column: 'c', rowId: 'r', workspaceId: null });
    expect(a.equals(b)).toBe(false);
  });
});

describe('parseSealed', () => {
  const nonce = randomBytes(12);
  const body = randomBytes(40);
  const good = formatSealed(dekId, nonce, body);

  it('reads back what formatSealed wrote', () => {
    const parsed = parseSealed(good);
    expect(parsed.dekId).toBe(dekId);
    expect(parsed.nonce.equals(nonce)).toBe(true);
    expect(parsed.body.equals(body)).toBe(true);
    expect(parseSealed(formatSealed(dekId, nonce, randomBytes(16))).body).toHaveLength(16);
  });

  it('refuses every variation formatSealed never writes', () => {
    const [, , n, b] = good.split('.') as [string, string, string, string];
    const variants = [
      '',
      'tlv1',
      `tlv2.${dekId}.${n}.${b}`,
      `TLV1.${dekId}.${n}.${b}`,
      `tlv1.${dekId.toUpperCase()}.${n}.${b}`,
      `tlv1.${dekId.slice(1)}.${n}.${b}`,
      `tlv1.${dekId}.${n}.${b}.extra`,
      `tlv1.${dekId}.${n}`,
      `tlv1.${dekId}.${n}x.${b}`,
      `tlv1.${dekId}.${n.slice(1)}.${b}`,
      `tlv1.${dekId}.${n}.${b.slice(0, 21)}`,
      `tlv1.${dekId}.${n}.${b}=`,
      `tlv1.${dekId}.${n}.+${b.slice(1)}`,
      `tlv1.${dekId}.${n}.${b.slice(0, 10)}/${b.slice(11)}`,
      ` ${good}`,
      `${good}\n`,
    ];
    for (const value of variants) expect(() => parseSealed(value), value).toThrow(expect.objectContaining({ code: 'crypto.malformed' }));
  });
});
