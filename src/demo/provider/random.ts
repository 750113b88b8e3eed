// Deterministic randomness for the demo world: every draw is a pure function of the world's seed
// and a key naming what is drawn (campaign, day, field), so any day can be generated on its own,
// in any order, and always comes out the same. Not for anything secret.

/** cyrb53 (bryc, public domain): a fast 53-bit string hash with good avalanche. */
function cyrb53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export interface Draw {
  /** Uniform in [0, 1). */
  unit(key: string): number;
  /** Standard normal (Box-Muller over two uniform draws). */
  normal(key: string): number;
  /** An integer in [min, max]. */
  int(key: string, min: number, max: number): number;
  /** One of the items. */
  pick<T>(key: string, items: readonly T[]): T;
  /** Poisson with mean lambda (inversion for small means, a normal approximation above 40). */
  poisson(key: string, lambda: number): number;
  /** A string of `length` characters from `alphabet`. */
  token(key: string, length: number, alphabet: string): string;
}

export function seededDraw(seed: string): Draw {
  const seedNumber = cyrb53(seed, 0x9e3779b9) % 2147483647;
  const unit = (key: string) => cyrb53(key, seedNumber) / 9007199254740992;
  const draw: Draw = {
    unit,
    normal(key) {
      const u1 = Math.max(unit(`${key}#1`), 1e-12);
      const u2 = unit(`${key}#2`);
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
    int: (key, min, max) => min + Math.floor(unit(key) * (max - min + 1)),
    pick: <T>(key: string, items: readonly T[]) => items[Math.floor(unit(key) * items.length)] as T,
    poisson(key, lambda) {
      if (lambda <= 0) return 0;
      if (lambda > 40) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * draw.normal(key)));
      const u = unit(key);
      let k = 0;
      let p = Math.exp(-lambda);
      let cumulative = p;
      while (u > cumulative && k < 200) {
        k += 1;
        p *= lambda / k;
        cumulative += p;
      }
      return k;
    },
    token(key, length, alphabet) {
      // One 53-bit draw yields eight characters (6 bits each, reduced onto the alphabet).
      let out = '';
      for (let block = 0; out.length < length; block += 1) {
        let bits = cyrb53(`${key}:${block}`, seedNumber);
        for (let i = 0; i < 8 && out.length < length; i += 1) {
          out += alphabet[(bits % 64) % alphabet.length];
          bits = Math.floor(bits / 64);
        }
      }
      return out;
    },
  };
  return draw;
}
