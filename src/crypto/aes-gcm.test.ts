// AES-256-GCM through our wrapper against the GCM specification's AES-256 test cases (McGrew &
// Viega, "The Galois/Counter Mode of Operation", test cases 13-16, as used in NIST's CAVP
// vectors), plus the properties the wrapper itself promises.
import { describe, expect, it } from 'vitest';
import { gcmOpen, gcmSeal, gcmSealWithNonce, NONCE_BYTES } from './aes-gcm.js';
import { isCryptoError } from './errors.js';

const hex = (s: string) => Buffer.from(s, 'hex');
const K15 = 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308';
const P15 = 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const C15 = '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';

const VECTORS = [
  { name: 'test case 13 (empty)', key: '00'.repeat(32), iv: '00'.repeat(12), pt: '', aad: '', ct: '', tag: '530f8afbc74536b9a963b4f1c4cb738b' },
  { name: 'test case 14 (one zero block)', key: '00'.repeat(32), iv: '00'.repeat(12), pt: '00'.repeat(16), aad: '', ct: 'cea7403d4d606b6e074ec5d3baf39d18', tag: 'd0d1c8a799996bf0265b98b5d48ab919' },
  { name: 'test case 15 (four blocks)', key: K15, iv: 'cafebabefacedbaddecaf888', pt: P15, aad: '', ct: C15, tag: 'b094dac5d93471bdec1a502270e3cc6c' },
  {
    name: 'test case 16 (partial block, with AAD)',
    key: K15,
    iv: 'cafebabefacedbaddecaf888',
    pt: P15.slice(0, 120),
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    ct: C15.slice(0, 120),
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

describe('AES-256-GCM wrapper', () => {
  it.each(VECTORS)('matches the known answer for $name', (v) => {
    const sealed = gcmSealWithNonce(hex(v.key), hex(v.iv), hex(v.pt), hex(v.aad));
    expect(sealed.body.toString('hex')).toBe(v.ct + v.tag);
    expect(gcmOpen(hex(v.key), hex(v.iv), sealed.body, hex(v.aad)).toString('hex')).toBe(v.pt);
  });

  it.each(VECTORS)('rejects $name with one bit of ciphertext, tag, nonce or AAD flipped', (v) => {
    const body = hex(v.ct + v.tag);
    const flips: Array<[Buffer, Buffer, Buffer]> = [];
    for (const i of [0, body.length - 1]) {
      const b = Buffer.from(body);
      b[i] = (b[i] as number) ^ 1;
      flips.push([hex(v.iv), b, hex(v.aad)]);
    }
    const iv = hex(v.iv);
    iv[0] = (iv[0] as number) ^ 0x80;
    flips.push([iv, body, hex(v.aad)]);
    flips.push([hex(v.iv), body, Buffer.concat([hex(v.aad), Buffer.from([0])])]);
    for (const [nonce, b, aad] of flips) {
      expect(() => gcmOpen(hex(v.key), nonce, b, aad)).toThrow(expect.objectContaining({ code: 'crypto.decrypt_failed' }));
    }
  });

  it('rejects the right ciphertext under the wrong key with a generic error', () => {
    const key = Buffer.alloc(32, 7);
    const sealed = gcmSeal(key, Buffer.from('ya29.a0AfH6SMB-token'), Buffer.from('aad'));
    let caught: unknown;
    try {
      gcmOpen(Buffer.alloc(32, 8), sealed.nonce, sealed.body, Buffer.from('aad'));
    } catch (error) {
      caught = error;
    }
    expect(isCryptoError(caught, 'crypto.decrypt_failed')).toBe(true);
    expect((caught as Error).message).toBe('The stored secret could not be decrypted.');
  });

  it('uses a fresh 96-bit nonce for every seal', () => {
    const key = Buffer.alloc(32, 1);
    const nonces = new Set<string>();
    for (let i = 0; i < 1000; i += 1) {
      const sealed = gcmSeal(key, Buffer.from('same'), Buffer.alloc(0));
      expect(sealed.nonce.length).toBe(NONCE_BYTES);
      nonces.add(sealed.nonce.toString('hex'));
    }
    expect(nonces.size).toBe(1000);
  });

  it('refuses a truncated body or a nonce of the wrong size as malformed', () => {
    const key = Buffer.alloc(32, 1);
    expect(() => gcmOpen(key, Buffer.alloc(12), Buffer.alloc(15), Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'crypto.malformed' }));
    expect(() => gcmOpen(key, Buffer.alloc(16), Buffer.alloc(32), Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'crypto.malformed' }));
  });
});
