// Loads data for a page: aborts when the page goes away or the loader changes, never shows one
// loader's data for another (another workspace's members, say), and can be re-run.
import { useCallback, useEffect, useState } from 'react';
import { problemOf, type FormProblem } from './form.js';

export type LoadState<T> = { kind: 'loading' } | { kind: 'loaded'; data: T } | { kind: 'failed'; problem: FormProblem };

type Loader<T> = (signal: AbortSignal) => Promise<T>;

/** @param load must be stable (useCallback): a new function is a new load. */
export function useLoad<T>(load: Loader<T>): { state: LoadState<T>; reload: () => void } {
  const [result, setResult] = useState<{ from: Loader<T>; state: LoadState<T> } | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setResult({ from: load, state: { kind: 'loaded', data } });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setResult({ from: load, state: { kind: 'failed', problem: problemOf(error) } });
      },
    );
    return () => controller.abort();
  }, [load, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { state: result !== undefined && result.from === load ? result.state : { kind: 'loading' }, reload };
}
