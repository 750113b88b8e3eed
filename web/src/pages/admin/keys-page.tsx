// The encryption and signing keys at a glance: one verdict with what needs doing, then the KEKs
// (age, rotation, re-wrap progress, re-encryption) and the JWT signing keys. Ids, dates and counts
// only: the server never sends key material.
import { useCallback, useId } from 'react';
import { adminApi, type KekStatus, type KeysStatus, type SigningKeyStatus } from '../../api/admin.js';
import { LoadProblem } from '../../components/load-problem.js';
import { useLoad } from '../../components/use-load.js';
import { formatDateTime, t, type MessageKey } from '../../i18n/index.js';
import { AdminFrame } from './admin-frame.js';
import { formatDays, formatRelative, formatTimestamp } from './format.js';
import { keyFindings, rewrapPercent, verdictOf, type Finding, type Severity, type Verdict } from './key-health.js';

type Tone = 'good' | 'bad' | 'warning' | 'progress' | 'pending';

const VERDICTS: Record<Verdict, { tone: Tone; label: MessageKey; summary: MessageKey }> = {
  healthy: { tone: 'good', label: 'keys.verdictHealthy', summary: 'keys.summaryHealthy' },
  progress: { tone: 'progress', label: 'keys.verdictProgress', summary: 'keys.summaryProgress' },
  attention: { tone: 'warning', label: 'keys.verdictAttention', summary: 'keys.summaryAttention' },
  critical: { tone: 'bad', label: 'keys.verdictCritical', summary: 'keys.summaryCritical' },
};

const SEVERITIES: Record<Severity, { tone: Tone; label: MessageKey }> = {
  critical: { tone: 'bad', label: 'keys.severityCritical' },
  attention: { tone: 'warning', label: 'keys.severityAttention' },
  progress: { tone: 'progress', label: 'keys.severityProgress' },
  info: { tone: 'pending', label: 'keys.severityInfo' },
};

export function KeysPage() {
  return (
    <AdminFrame title={t('keys.title')} lead={t('keys.lead')}>
      <KeysStatusView />
    </AdminFrame>
  );
}

function KeysStatusView() {
  const load = useCallback(async (signal: AbortSignal) => ({ status: await adminApi.keys(signal), checkedAt: new Date() }), []);
  const keys = useLoad(load);
  if (keys.state.kind === 'loading') {
    return (
      <p className="muted" role="status">
        {t('common.loading')}
      </p>
    );
  }
  if (keys.state.kind === 'failed') return <LoadProblem problem={keys.state.problem} onRetry={keys.reload} />;
  const { status, checkedAt } = keys.state.data;
  return (
    <div className="stack">
      <HealthSummary status={status} checkedAt={checkedAt} onRefresh={keys.reload} />
      <EncryptionKeys encryption={status.encryption} now={checkedAt} />
      <SigningKeys signing={status.signing} now={checkedAt} />
    </div>
  );
}

function describeFinding(finding: Finding): string {
  switch (finding.kind) {
    case 'kek-missing':
      return t('keys.findingKekMissing', { id: finding.kekId, count: finding.dataKeys });
    case 'kek-rotation-due':
      return t('keys.findingKekRotationDue', { date: formatDateTime(finding.since) });
    case 'jwt-rotation-overdue':
      return t('keys.findingJwtOverdue', { date: formatDateTime(finding.since) });
    case 'rewrap-running':
      return t('keys.findingRewrap', { remaining: finding.remaining, total: finding.total });
    case 'reencryption-running':
      return t('keys.findingReencryption', { keys: finding.retiredDataKeys, workspaces: finding.workspaces });
    case 'kek-removable':
      return t('keys.findingKekRemovable', { id: finding.kekId });
  }
}

function HealthSummary({ status, checkedAt, onRefresh }: { status: KeysStatus; checkedAt: Date; onRefresh: () => void }) {
  const findings = keyFindings(status, checkedAt);
  const verdict = VERDICTS[verdictOf(findings)];
  return (
    <section className={`card health-card health-${verdict.tone}`} aria-labelledby="key-health-heading" data-verdict={verdictOf(findings)}>
      <div className="card-header">
        <h2 id="key-health-heading">{t('keys.healthTitle')}</h2>
        <p className={`badge badge-large badge-${verdict.tone}`} role="status">
          <span className="badge-dot" aria-hidden="true" />
          {t(verdict.label)}
        </p>
      </div>
      <p>{t(verdict.summary)}</p>
      {findings.length > 0 && (
        <ul className="finding-list" aria-label={t('keys.findingsLabel')}>
          {findings.map((finding) => (
            <li key={`${finding.kind}-${'kekId' in finding ? finding.kekId : ''}`} className="finding">
              <span className={`badge badge-${SEVERITIES[finding.severity].tone}`}>{t(SEVERITIES[finding.severity].label)}</span>
              <span>{describeFinding(finding)}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="button-row button-row-end">
        <span className="muted small" role="status">
          {t('keys.checkedAt', { time: formatTimestamp(checkedAt.toISOString()) })}
        </span>
        <button type="button" className="button-secondary" onClick={onRefresh}>
          {t('keys.refresh')}
        </button>
      </div>
    </section>
  );
}

/** Where the KEKs come from, in words; a provider this page does not know by its own name. */
function describeSource(source: string): string {
  if (source === 'environment') return t('keys.sourceEnvironment');
  if (source === 'generated-file') return t('keys.sourceGeneratedFile');
  return source;
}

function kekState(kek: KekStatus): { tone: Tone; label: MessageKey } {
  if (!kek.inRing) return { tone: 'bad', label: 'keys.kekMissing' };
  if (kek.active) return { tone: 'good', label: 'keys.kekActive' };
  if (kek.retiredAt !== null) return { tone: 'pending', label: 'keys.kekRetired' };
  return { tone: 'progress', label: 'keys.kekReplaced' };
}

function EncryptionKeys({ encryption, now }: { encryption: KeysStatus['encryption']; now: Date }) {
  const progressId = useId();
  const { rewrap, reencryption } = encryption;
  const percent = rewrapPercent(rewrap);
  return (
    <section className="card" aria-labelledby="kek-heading">
      <h2 id="kek-heading">{t('keys.kekTitle')}</h2>
      <p className="muted">{t('keys.kekIntro')}</p>
      <dl className="status-list">
        <div>
          <dt>{t('keys.activeKek')}</dt>
          <dd>
            <code>{encryption.activeKekId}</code>
          </dd>
        </div>
        <div>
          <dt>{t('keys.source')}</dt>
          <dd>{describeSource(encryption.source)}</dd>
        </div>
        <div>
          <dt>{t('keys.rotationPeriod')}</dt>
          <dd>{t('keys.every', { period: formatDays(encryption.rotationDays) })}</dd>
        </div>
        <div>
          <dt>{t('keys.nextRotation')}</dt>
          <dd>
            {formatDateTime(encryption.nextRotationAt)} ({formatRelative(encryption.nextRotationAt, now)})
            {encryption.rotationDue && <span className="badge badge-warning badge-inline">{t('keys.due')}</span>}
          </dd>
        </div>
      </dl>

      <h3 id={`${progressId}-label`} className="subheading">{t('keys.rewrapTitle')}</h3>
      <div className="progress-row">
        <progress
          className={`meter${rewrap.remaining === 0 ? ' meter-done' : ''}`}
          max={Math.max(rewrap.dataKeys, 1)}
          value={rewrap.dataKeys === 0 ? 1 : rewrap.underActiveKek}
          aria-labelledby={`${progressId}-label`}
          aria-describedby={`${progressId}-text`}
        >
          {percent}%
        </progress>
        <span className="progress-figure" aria-hidden="true">
          {percent}%
        </span>
      </div>
      <p id={`${progressId}-text`} className="muted small">
        {rewrap.dataKeys === 0
          ? t('keys.rewrapNone')
          : rewrap.remaining === 0
            ? t('keys.rewrapDone', { total: rewrap.dataKeys, kek: encryption.activeKekId })
            : t('keys.rewrapRunning', { done: rewrap.underActiveKek, total: rewrap.dataKeys, remaining: rewrap.remaining })}
      </p>

      <h3 className="subheading">{t('keys.reencryptionTitle')}</h3>
      <p className="inline-controls">
        <span className={`badge ${reencryption.retiredDataKeys === 0 ? 'badge-good' : 'badge-progress'}`}>
          {reencryption.retiredDataKeys === 0 ? t('keys.reencryptionIdle') : t('keys.reencryptionBusy')}
        </span>
        <span className="muted small">
          {reencryption.retiredDataKeys === 0
            ? t('keys.reencryptionNone')
            : t('keys.reencryptionRunning', { keys: reencryption.retiredDataKeys, workspaces: reencryption.workspacesPending })}
        </span>
      </p>

      <h3 className="subheading">{t('keys.kekListTitle')}</h3>
      <div className="table-scroll">
        <table className="data-table">
          <caption className="visually-hidden">{t('keys.kekCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('keys.id')}</th>
              <th scope="col">{t('keys.state')}</th>
              <th scope="col">{t('keys.activated')}</th>
              <th scope="col">{t('keys.age')}</th>
              <th scope="col">{t('keys.retired')}</th>
              <th scope="col" className="numeric">
                {t('keys.dataKeys')}
              </th>
              <th scope="col">{t('keys.removable')}</th>
            </tr>
          </thead>
          <tbody>
            {encryption.keks.map((kek) => {
              const state = kekState(kek);
              return (
                <tr key={kek.id}>
                  <th scope="row">
                    <code>{kek.id}</code>
                  </th>
                  <td>
                    <span className={`badge badge-${state.tone}`}>{t(state.label)}</span>
                  </td>
                  <td>{kek.activatedAt === null ? t('keys.unknown') : formatDateTime(kek.activatedAt)}</td>
                  <td className="nowrap">{kek.ageDays === null ? t('keys.unknown') : formatDays(kek.ageDays)}</td>
                  <td>{kek.retiredAt === null ? '—' : formatDateTime(kek.retiredAt)}</td>
                  <td className="numeric">{kek.dataKeys}</td>
                  <td>{kek.removable ? t('keys.removableYes') : t('keys.removableNo')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function signingState(key: SigningKeyStatus, activeKid: string, now: Date): { tone: Tone; text: string } {
  if (key.kid === activeKid) return { tone: 'good', text: t('keys.jwtSigning') };
  if (key.retireAt !== null && Date.parse(key.retireAt) <= now.getTime()) return { tone: 'pending', text: t('keys.jwtRetired') };
  return { tone: 'pending', text: t('keys.jwtVerifying') };
}

function SigningKeys({ signing, now }: { signing: KeysStatus['signing']; now: Date }) {
  const overdue = Date.parse(signing.nextRotationAt) < now.getTime();
  return (
    <section className="card" aria-labelledby="jwt-heading">
      <h2 id="jwt-heading">{t('keys.jwtTitle')}</h2>
      <p className="muted">{t('keys.jwtIntro')}</p>
      <dl className="status-list">
        <div>
          <dt>{t('keys.jwtActive')}</dt>
          <dd>
            <code>{signing.activeKid}</code>
          </dd>
        </div>
        <div>
          <dt>{t('keys.nextRotation')}</dt>
          <dd>
            {formatDateTime(signing.nextRotationAt)} ({formatRelative(signing.nextRotationAt, now)})
            {overdue && <span className="badge badge-warning badge-inline">{t('keys.overdue')}</span>}
          </dd>
        </div>
      </dl>
      <div className="table-scroll">
        <table className="data-table">
          <caption className="visually-hidden">{t('keys.jwtCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('keys.kid')}</th>
              <th scope="col">{t('keys.state')}</th>
              <th scope="col">{t('keys.created')}</th>
              <th scope="col">{t('keys.rotated')}</th>
              <th scope="col">{t('keys.retires')}</th>
            </tr>
          </thead>
          <tbody>
            {signing.keys.map((key) => {
              const state = signingState(key, signing.activeKid, now);
              return (
                <tr key={key.kid}>
                  <th scope="row">
                    <code className="key-id">{key.kid}</code>
                  </th>
                  <td>
                    <span className={`badge badge-${state.tone}`}>{state.text}</span>
                  </td>
                  <td>{formatDateTime(key.createdAt)}</td>
                  <td>{key.rotatedAt === null ? '—' : formatDateTime(key.rotatedAt)}</td>
                  <td>{key.retireAt === null ? t('keys.jwtRetiresAfterNext') : formatDateTime(key.retireAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
