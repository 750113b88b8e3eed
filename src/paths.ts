// Where the package's own files are, whether running from src/ (tests, tsx) or dist/ (built).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WEB_ROOT = fileURLToPath(new URL('../dist/web/', import.meta.url));

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
export const PACKAGE_VERSION = packageJson.version;
