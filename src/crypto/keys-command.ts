// `throughline keys status | rotate`: prints key ids, ages, next rotation and re-wrap progress.
// Never prints key material (the vault never exposes it).
import type { KeysStatus, Vault } from './vault.js';

export type KeysSubcommand = 'status' | 'rotate';

export interface KeysCommandDeps {
  vault: Pick<Vault, 'keysStatus' | 'rotateKek' | 'rewrapDataKeys' | 'reencryptPendingWorkspaces'>;
  out: (line: string) => void;
  err: (line: string) => void;
  now?: Date;
}

const day = (d: Date | null) => (d === null ? '-' : d.toISOString().slice(0, 10));

export function formatKeysStatus(status: KeysStatus): string[] {
  const lines = [
    `Key source: ${status.source}`,
    `Active KEK: ${status.activeKekId}; rotation every ${status.rotationDays} days; next ${day(status.nextRotationAt)}${status.rotationDue ? ' (DUE)' : ''}`,
    '',
    'KEK          active  activated   age(d)  retired     data keys  removable',
    ...status.keks.map((k) =>
      [
        `${k.id}${k.inRing ? '' : ' (MISSING)'}`.padEnd(12),
        (k.active ? 'yes' : 'no').padEnd(6),
        day(k.activatedAt).padEnd(10),
        String(k.ageDays ?? '-').padEnd(6),
        day(k.retiredAt).padEnd(10),
        String(k.dataKeys).padEnd(9),
        k.removable ? 'yes' : 'no',
      ].join('  '),
    ),
    '',
    `Re-wrap: ${status.rewrap.underActiveKek}/${status.rewrap.dataKeys} data keys under the active KEK (${status.rewrap.remaining} remaining)`,
    `Re-encryption: ${status.reencryption.workspacesPending} workspaces pending (${status.reencryption.retiredDataKeys} retired data keys)`,
  ];
  return lines;
}

/** Runs one keys subcommand; resolves to the process exit code. */
export async function runKeysCommand(subcommand: KeysSubcommand, deps: KeysCommandDeps): Promise<number> {
  const now = deps.now ?? new Date();
  if (subcommand === 'rotate') {
    const rotation = await deps.vault.rotateKek(now, { force: true });
    if (!rotation.rotated) {
      deps.err(
        `keys come from ENCRYPTION_KEYS: generate one (openssl rand -base64 32), put it first as "kN:<key>,${rotation.activeKekId}:...", ` +
          'restart every process, then run `throughline keys rotate` again to re-wrap (docs/security/crypto.md)',
      );
    } else {
      deps.out(`New KEK ${rotation.activeKekId} is active (was ${rotation.previousKekId}).`);
    }
    const rewrap = await deps.vault.rewrapDataKeys({
      now,
      onProgress: (p) => deps.out(`  re-wrapped ${p.rewrapped} data keys, ${p.remaining} remaining`),
    });
    deps.out(`Re-wrap complete: ${rewrap.rewrapped} data keys re-wrapped under ${rewrap.activeKekId}.`);
    if (rewrap.retiredKekIds.length > 0) deps.out(`Retired (no longer referenced): ${rewrap.retiredKekIds.join(', ')}.`);
    await deps.vault.reencryptPendingWorkspaces();
    if (!rotation.rotated && rewrap.rewrapped === 0) return 1;
  }
  for (const line of formatKeysStatus(await deps.vault.keysStatus(now))) deps.out(line);
  return 0;
}
