// The npm registry mirror reachable here serves only the linux-x64-gnu build of @node-rs/bcrypt,
// so `npm install` leaves the other platform builds out of package-lock.json and `npm ci` then
// refuses the lock ("Missing: @node-rs/bcrypt-darwin-arm64@ from lock file"). This re-adds them
// as optional, platform-gated entries, exactly as a lock written against the full registry has
// them (npm skips them on other platforms). Run after any `npm install` that rewrites the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = 'package-lock.json';
const lock = JSON.parse(readFileSync(LOCK, 'utf8'));

const PLATFORMS = {
  'android-arm-eabi': { os: ['android'], cpu: ['arm'] },
  'android-arm64': { os: ['android'], cpu: ['arm64'] },
  'darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  'darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  'freebsd-x64': { os: ['freebsd'], cpu: ['x64'] },
  'linux-arm-gnueabihf': { os: ['linux'], cpu: ['arm'] },
  'linux-arm64-gnu': { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] },
  'linux-arm64-musl': { os: ['linux'], cpu: ['arm64'], libc: ['musl'] },
  'linux-x64-gnu': { os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
  'linux-x64-musl': { os: ['linux'], cpu: ['x64'], libc: ['musl'] },
  'win32-arm64-msvc': { os: ['win32'], cpu: ['arm64'] },
  'win32-ia32-msvc': { os: ['win32'], cpu: ['ia32'] },
  'win32-x64-msvc': { os: ['win32'], cpu: ['x64'] },
};

let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  const match = /^node_modules\/(@node-rs\/[a-z]+)$/.exec(key);
  if (match === null || entry.optionalDependencies === undefined) continue;
  for (const [name, version] of Object.entries(entry.optionalDependencies)) {
    const path = `node_modules/${name}`;
    if (lock.packages[path] !== undefined) continue;
    const platform = PLATFORMS[name.slice(match[1].length + 1)];
    if (platform === undefined) throw new Error(`unknown platform package ${name}`);
    lock.packages[path] = { version, ...platform, license: entry.license, optional: true, engines: { node: '>= 10' } };
    added += 1;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platform-packages: added ${added} platform entries`);
