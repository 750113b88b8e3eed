// Attribution models: how one deal's credit is shared among the touches that led to it. Credit is
// integer CREDIT_SCALE units, apportioned by largest remainder (ties to the earlier touch), so the
// credits of every deal sum to exactly one deal under every model, for any number of touches.
import { apportion, CREDIT_SCALE } from './money.js';

export const ATTRIBUTION_MODELS = ['first_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay'] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

export const DEFAULT_HALF_LIFE_DAYS = 7;

export interface Touch {
  at: Date;
  /** The touch's channel is direct traffic (see isDirect). */
  direct: boolean;
}

export interface AttributionOptions {
  /** Time decay: a touch this many days older than another gets half its weight. Default 7. */
  halfLifeDays?: number;
}

const DAY_MS = 86_400_000;
// Time-decay weights are fixed-point with this many fractional bits before exact apportionment:
// the float is used only to compute 2^x for x <= 0, and the integer work after it is exact.
const WEIGHT_ONE = 2 ** 53;

export function isAttributionModel(value: unknown): value is AttributionModel {
  return typeof value === 'string' && (ATTRIBUTION_MODELS as readonly string[]).includes(value);
}

function allTo(count: number, index: number): bigint[] {
  const credits = new Array<bigint>(count).fill(0n);
  credits[index] = CREDIT_SCALE;
  return credits;
}

function timeDecayWeights(touches: readonly Touch[], conversionAt: Date, halfLifeDays: number): bigint[] {
  if (!(Number.isFinite(halfLifeDays) && halfLifeDays > 0)) throw new RangeError('halfLifeDays must be a positive number.');
  const conversionMs = conversionAt.getTime();
  if (!Number.isFinite(conversionMs)) throw new RangeError('conversionAt is not a valid date.');
  const ages = touches.map((touch) => {
    const at = touch.at.getTime();
    if (!Number.isFinite(at)) throw new RangeError('A touch has an invalid date.');
    return Math.max(0, conversionMs - at); // a touch after the conversion counts as age 0
  });
  // Relative to the youngest touch, so the largest weight is exactly 1 and nothing overflows; a
  // touch many half-lives older underflows to weight 0, which is its honest share.
  const youngest = ages.reduce((min, age) => (age < min ? age : min), Infinity);
  const halfLifeMs = halfLifeDays * DAY_MS;
  return ages.map((age) => BigInt(Math.round(WEIGHT_ONE * 2 ** ((youngest - age) / halfLifeMs))));
}

/**
 * One credit per touch, in CREDIT_SCALE units, summing exactly to CREDIT_SCALE; [] for no touches.
 * `touches` are in chronological order (the caller sorts). Models:
 * - first_touch: everything to the first touch.
 * - last_non_direct: everything to the last touch that is not direct; to the last touch if all are.
 * - linear: an equal share each.
 * - position_based: one touch 100%; two 50/50; three or more 40% first, 40% last, and 20% shared
 *   equally by the touches between.
 * - time_decay: weight 2^(-age / half-life), age = conversionAt - at in days (0 for touches after
 *   the conversion); half-life `options.halfLifeDays`, 7 by default.
 */
export function attributeCredit(model: AttributionModel, touches: readonly Touch[], conversionAt: Date, options: AttributionOptions = {}): bigint[] {
  const count = touches.length;
  if (!isAttributionModel(model)) throw new RangeError('Unknown attribution model.');
  if (count === 0) return [];
  switch (model) {
    case 'first_touch':
      return allTo(count, 0);
    case 'last_non_direct': {
      const index = touches.findLastIndex((touch) => !touch.direct);
      return allTo(count, index === -1 ? count - 1 : index);
    }
    case 'linear':
      return apportion(CREDIT_SCALE, new Array<bigint>(count).fill(1n));
    case 'position_based': {
      if (count <= 2) return apportion(CREDIT_SCALE, new Array<bigint>(count).fill(1n));
      // Weights 2(n-2) : 1 : ... : 1 : 2(n-2) over a total of 5(n-2) give exactly 40% / 20% / 40%.
      const end = 2n * BigInt(count - 2);
      const weights = new Array<bigint>(count).fill(1n);
      weights[0] = end;
      weights[count - 1] = end;
      return apportion(CREDIT_SCALE, weights);
    }
    case 'time_decay':
      return apportion(CREDIT_SCALE, timeDecayWeights(touches, conversionAt, options.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS));
  }
}
