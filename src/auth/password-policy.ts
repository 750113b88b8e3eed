// What a new password must be: at least 10 characters, at most 72 bytes (bcrypt's limit, refused
// rather than truncated), and not guessable by zxcvbn (score >= 3 of 4), judged also against the
// user's own email and name.
// The estimate runs on the event loop and grows with length (~20 ms at 12 characters, ~500 ms at
// 72 here), so it sees the first 24 characters only: a password whose prefix is strong is strong.
// Routes that call it are rate limited.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEn from '@zxcvbn-ts/language-en';
import { AppError } from '../http/errors.js';
import { PASSWORD_MAX_BYTES, assertPasswordFitsBcrypt } from './password.js';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MIN_SCORE = 3;
const ESTIMATE_PREFIX = 24;

let estimator: ZxcvbnFactory | undefined;
function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEn.translations,
  });
  return estimator;
}

/** @throws AppError('auth.password_weak' | 'request.invalid') with a hint the form can show. */
export function assertAcceptablePassword(password: string, userInputs: readonly string[]): void {
  assertPasswordFitsBcrypt(password);
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    throw new AppError('auth.password_weak', {
      message: `Use at least ${PASSWORD_MIN_LENGTH} characters.`,
      details: [{ location: 'body/password', message: `at least ${PASSWORD_MIN_LENGTH} characters, at most ${PASSWORD_MAX_BYTES} bytes` }],
    });
  }
  const inputs = userInputs.flatMap((v) => [v, ...v.toLowerCase().split(/[^a-z0-9]+/)]).filter((v) => v.length >= 3);
  const result = zxcvbn().check(password.slice(0, ESTIMATE_PREFIX), [...inputs, 'throughline']);
  if (result.score < PASSWORD_MIN_SCORE) {
    const hint = [result.feedback.warning, ...result.feedback.suggestions].filter((v): v is string => typeof v === 'string' && v !== '');
    throw new AppError('auth.password_weak', {
      message: hint[0] ?? 'Choose a longer password that is harder to guess.',
      details: [{ location: 'body/password', message: 'too easy to guess', hints: hint }],
    });
  }
}
