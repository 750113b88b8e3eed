// How benchmarks report: each prints its own summary lines, and when started by run-all.ts (an
// IPC channel is open) also hands its figures to the parent for the final table.

export type Verdict = 'PASS' | 'MISS' | 'INFO' | 'SKIP' | 'ERROR';

export interface BenchFigure {
  bench: string;
  figure: string;
  value: string;
  target: string;
  verdict: Verdict;
}

export interface BenchResultMessage {
  type: 'bench-figures';
  figures: BenchFigure[];
}

/** A precondition the operator can fix (say, a missing build): printed as one line, no stack. */
export class BenchSetupError extends Error {
  override name = 'BenchSetupError';
}

export function summaryLine(figure: BenchFigure): string {
  return `${figure.verdict.padEnd(4)}  ${figure.bench}: ${figure.figure} = ${figure.value} (target ${figure.target})`;
}

/**
 * Runs a benchmark as a script: prints its summary, sends the figures to run-all.ts if it started
 * us, and sets the exit code: 1 when it failed to run; 2 when BENCH_STRICT=1 and a target was
 * missed; 0 otherwise (a miss on a noisy machine is a finding to read, not a crash).
 */
export async function runAsScript(name: string, bench: () => Promise<BenchFigure[]>): Promise<void> {
  const started = performance.now();
  let figures: BenchFigure[];
  try {
    figures = await bench();
  } catch (error) {
    const detail = error instanceof BenchSetupError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${name}: ${detail}\n`);
    process.exitCode = 1;
    return;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  process.stdout.write(`\n${name} summary (${seconds} s)\n${figures.map(summaryLine).join('\n')}\n`);
  const missed = figures.some((f) => f.verdict === 'MISS');
  process.exitCode = missed && process.env.BENCH_STRICT === '1' ? 2 : 0;
  const send = process.send?.bind(process);
  if (send !== undefined) {
    const message: BenchResultMessage = { type: 'bench-figures', figures };
    await new Promise<void>((resolve) => send(message, undefined, {}, () => resolve()));
    process.disconnect();
  }
}
