// "Is everything healthy?" from the key status: every finding worth a platform admin's attention,
// most serious first, and one overall verdict. Pure, so it is tested without a browser.
import type { KeysStatus } from '../../api/admin.js';

/** critical: secrets cannot be read or keys are not rotating; attention: act soon; progress: work under way. */
export type Severity = 'critical' | 'attention' | 'progress' | 'info';
export type Verdict = 'healthy' | 'progress' | 'attention' | 'critical';

export type Finding =
  | { severity: 'critical'; kind: 'kek-missing'; kekId: string; dataKeys: number }
  | { severity: 'attention'; kind: 'kek-rotation-due'; since: string }
  | { severity: 'attention'; kind: 'jwt-rotation-overdue'; since: string }
  | { severity: 'progress'; kind: 'rewrap-running'; remaining: number; total: number }
  | { severity: 'progress'; kind: 'reencryption-running'; retiredDataKeys: number; workspaces: number }
  | { severity: 'info'; kind: 'kek-removable'; kekId: string };

const ORDER: Record<Severity, number> = { critical: 0, attention: 1, progress: 2, info: 3 };

export function keyFindings(status: KeysStatus, now: Date): Finding[] {
  const { encryption, signing } = status;
  const findings: Finding[] = [];
  for (const kek of encryption.keks) {
    // A KEK that data keys still need but the key ring lacks: those workspaces' secrets are unreadable.
    if (!kek.inRing && kek.dataKeys > 0) findings.push({ severity: 'critical', kind: 'kek-missing', kekId: kek.id, dataKeys: kek.dataKeys });
    if (kek.removable && kek.inRing) findings.push({ severity: 'info', kind: 'kek-removable', kekId: kek.id });
  }
  if (encryption.rotationDue) findings.push({ severity: 'attention', kind: 'kek-rotation-due', since: encryption.nextRotationAt });
  // Every app process checks the signing keys every few minutes; a date in the past means none is.
  if (Date.parse(signing.nextRotationAt) < now.getTime()) findings.push({ severity: 'attention', kind: 'jwt-rotation-overdue', since: signing.nextRotationAt });
  if (encryption.rewrap.remaining > 0) findings.push({ severity: 'progress', kind: 'rewrap-running', remaining: encryption.rewrap.remaining, total: encryption.rewrap.dataKeys });
  if (encryption.reencryption.retiredDataKeys > 0) {
    findings.push({ severity: 'progress', kind: 'reencryption-running', retiredDataKeys: encryption.reencryption.retiredDataKeys, workspaces: encryption.reencryption.workspacesPending });
  }
  return findings.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

/** The worst finding decides; "info" alone is still healthy. */
export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.severity === 'critical')) return 'critical';
  if (findings.some((f) => f.severity === 'attention')) return 'attention';
  if (findings.some((f) => f.severity === 'progress')) return 'progress';
  return 'healthy';
}

/** Share of data keys already under the active KEK, 0..100 (100 when there are none). */
export function rewrapPercent(rewrap: KeysStatus['encryption']['rewrap']): number {
  if (rewrap.dataKeys === 0) return 100;
  return Math.floor((rewrap.underActiveKek / rewrap.dataKeys) * 100);
}
