// tsc emits only JavaScript; the reviewed SQL migrations ship beside the compiled runner.
import { cpSync, rmSync } from 'node:fs';

rmSync('dist/db/migrations', { recursive: true, force: true });
cpSync('src/db/migrations', 'dist/db/migrations', { recursive: true });
