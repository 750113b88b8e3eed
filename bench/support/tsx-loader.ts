// Starting a TypeScript file in a child node process, as tsx runs the benchmarks themselves.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

/** Absolute, so the child finds tsx whatever its working directory. */
const TSX_LOADER = import.meta.resolve('tsx');

export function spawnTypeScript(file: string, stdio: StdioOptions, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, ['--import', TSX_LOADER, file], { stdio, env });
}
