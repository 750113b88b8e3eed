// The workspace's audit log: filter by action, result and date; page back through older entries;
// export what the filter selects as CSV or JSON Lines.
import { useCallback, useId, useRef, useState, type FormEvent } from 'react';
import type { WorkspaceSummary } from '../../api/identity.js';
import { workspacesApi, type AuditEntry, type AuditFilter } from '../../api/workspaces.js';
import { FormAlert, SelectField, problemOf, type FormProblem } from '../../components/form.js';
import { LoadProblem } from '../../components/load-problem.js';
import { useLoad } from '../../components/use-load.js';
import { saveFile } from '../../files.js';
import { formatDateTime, t, type MessageKey } from '../../i18n/index.js';
import { WorkspaceFrame } from './workspace-frame.js';

const PAGE_SIZE = 50;

/** The actions a workspace's log can hold (src/audit/schema.ts), for the filter. */
const ACTIONS = [
  'auth.login.succeeded',
  'auth.login.failed',
  'auth.2fa.enabled',
  'auth.2fa.disabled',
  'auth.api_key.created',
  'auth.api_key.revoked',
  'workspace.created',
  'workspace.settings.changed',
  'workspace.invitation.created',
  'workspace.invitation.accepted',
  'workspace.invitation.revoked',
  'workspace.member.added',
  'workspace.member.removed',
  'workspace.member.role_changed',
  'integration.connected',
  'integration.disconnected',
  'data.exported',
  'audit.exported',
] as const;

type ResultFilter = '' | 'success' | 'failure' | 'denied';

const RESULT_LABELS: Record<AuditEntry['result'], MessageKey> = { success: 'audit.resultSuccess', failure: 'audit.resultFailure', denied: 'audit.resultDenied' };

/** `YYYY-MM-DD` from a date input, as the start of that day (or of the next, for "to") in local time. */
function dayBoundary(day: string, endOfDay: boolean): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (match === null) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + (endOfDay ? 1 : 0));
  return date.toISOString();
}

export function AuditPage({ workspaceId }: { workspaceId: string }) {
  return <WorkspaceFrame workspaceId={workspaceId} section="audit">{(workspace) => <AuditLog workspace={workspace} />}</WorkspaceFrame>;
}

/** Who acted, by name when they are (still) a member; the log itself keeps only ids. */
function actorOf(entry: AuditEntry, names: ReadonlyMap<string, string>): string {
  if (entry.actorKind === 'system') return t('audit.actorSystem');
  if (entry.actorId === null) return t('audit.actorUnknown');
  if (entry.actorKind === 'api_key') return t('audit.actorApiKey', { id: entry.actorId.slice(0, 8) });
  return names.get(entry.actorId) ?? entry.actorId;
}

function AuditLog({ workspace }: { workspace: WorkspaceSummary }) {
  const [action, setAction] = useState('');
  const [result, setResult] = useState<ResultFilter>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  // The filter in force (applied on submit), and the cursors of the pages before this one.
  const [filter, setFilter] = useState<AuditFilter>({ limit: PAGE_SIZE });
  const [previous, setPrevious] = useState<(string | undefined)[]>([]);
  const [exportProblem, setExportProblem] = useState<FormProblem | undefined>(undefined);
  const [exporting, setExporting] = useState<'csv' | 'jsonl' | undefined>(undefined);
  const tableRef = useRef<HTMLTableElement>(null);

  const load = useCallback((signal: AbortSignal) => workspacesApi.audit(workspace.id, filter, signal), [workspace.id, filter]);
  const page = useLoad(load);
  const loadMembers = useCallback((signal: AbortSignal) => workspacesApi.members(workspace.id, signal), [workspace.id]);
  const members = useLoad(loadMembers);
  const names = new Map(members.state.kind === 'loaded' ? members.state.data.members.map((m) => [m.id, m.name] as const) : []);

  function apply(event: FormEvent) {
    event.preventDefault();
    setPrevious([]);
    setFilter({
      limit: PAGE_SIZE,
      ...(action === '' ? {} : { action }),
      ...(result === '' ? {} : { result }),
      ...(from === '' ? {} : { from: dayBoundary(from, false) }),
      ...(to === '' ? {} : { to: dayBoundary(to, true) }),
    });
  }

  function older(cursor: string) {
    setPrevious((stack) => [...stack, filter.cursor]);
    setFilter((current) => ({ ...current, cursor }));
    tableRef.current?.focus();
  }

  function newer() {
    const cursor = previous[previous.length - 1];
    setPrevious((stack) => stack.slice(0, -1));
    setFilter((current) => {
      const { cursor: _drop, ...rest } = current;
      return cursor === undefined ? rest : { ...rest, cursor };
    });
    tableRef.current?.focus();
  }

  async function exportAs(format: 'csv' | 'jsonl') {
    setExporting(format);
    setExportProblem(undefined);
    try {
      const { cursor: _cursor, limit: _limit, ...selection } = filter;
      const file = await workspacesApi.exportAudit(workspace.id, format, selection);
      saveFile(file.blob, file.filename ?? `audit-${workspace.id}.${format}`);
    } catch (error) {
      setExportProblem(problemOf(error));
    } finally {
      setExporting(undefined);
    }
  }

  const pageNumber = previous.length + 1;
  return (
    <div className="stack">
      <section className="card" aria-labelledby="audit-filter-heading">
        <h2 id="audit-filter-heading">{t('audit.filterTitle')}</h2>
        <form onSubmit={apply} className="form-row" noValidate>
          <SelectField
            label={t('audit.action')}
            value={action}
            options={[{ value: '', label: t('audit.anyAction') }, ...ACTIONS.map((a) => ({ value: a, label: a }))]}
            onChange={setAction}
          />
          <SelectField
            label={t('audit.result')}
            value={result}
            options={[
              { value: '', label: t('audit.anyResult') },
              { value: 'success', label: t('audit.resultSuccess') },
              { value: 'failure', label: t('audit.resultFailure') },
              { value: 'denied', label: t('audit.resultDenied') },
            ]}
            onChange={setResult}
          />
          <DateField label={t('audit.from')} value={from} onChange={setFrom} />
          <DateField label={t('audit.to')} value={to} onChange={setTo} />
          <div className="form-actions">
            <button type="submit" className="button-primary">
              {t('audit.apply')}
            </button>
          </div>
        </form>
        <div className="button-row">
          <span className="muted">{t('audit.exportLabel')}</span>
          <button type="button" className="button-secondary" onClick={() => void exportAs('csv')} disabled={exporting !== undefined}>
            {exporting === 'csv' ? t('form.working') : t('audit.exportCsv')}
          </button>
          <button type="button" className="button-secondary" onClick={() => void exportAs('jsonl')} disabled={exporting !== undefined}>
            {exporting === 'jsonl' ? t('form.working') : t('audit.exportJsonl')}
          </button>
        </div>
        <FormAlert problem={exportProblem} />
      </section>

      <section className="card" aria-labelledby="audit-heading">
        <div className="card-header">
          <h2 id="audit-heading">{t('audit.title')}</h2>
          <p className="muted" aria-live="polite">
            {t('audit.page', { page: pageNumber })}
          </p>
        </div>
        {page.state.kind === 'loading' && <p className="muted">{t('common.loading')}</p>}
        {page.state.kind === 'failed' && <LoadProblem problem={page.state.problem} onRetry={page.reload} />}
        {page.state.kind === 'loaded' && (
          <>
            {page.state.data.entries.length === 0 ? (
              <p className="muted">{t('audit.none')}</p>
            ) : (
              <div className="table-scroll">
                <table className="data-table" ref={tableRef} tabIndex={-1}>
                  <caption className="visually-hidden">{t('audit.caption', { page: pageNumber })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('audit.time')}</th>
                      <th scope="col">{t('audit.actor')}</th>
                      <th scope="col">{t('audit.action')}</th>
                      <th scope="col">{t('audit.target')}</th>
                      <th scope="col">{t('audit.result')}</th>
                      <th scope="col">{t('audit.ip')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.state.data.entries.map((entry) => (
                      <tr key={entry.id}>
                        <td className="nowrap">{formatDateTime(entry.occurredAt)}</td>
                        <td>{actorOf(entry, names)}</td>
                        <td>
                          <code>{entry.action}</code>
                        </td>
                        <td>{entry.targetType === null ? '—' : `${entry.targetType}${entry.targetId === null ? '' : ` ${entry.targetId}`}`}</td>
                        <td>
                          <span className={`badge badge-inline ${entry.result === 'success' ? 'badge-good' : 'badge-bad'}`}>{t(RESULT_LABELS[entry.result])}</span>
                        </td>
                        <td>{entry.ip ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <nav className="pager" aria-label={t('audit.pagination')}>
              <button type="button" className="button-secondary" onClick={newer} disabled={previous.length === 0}>
                {t('audit.newer')}
              </button>
              <button
                type="button"
                className="button-secondary"
                onClick={() => {
                  const next = page.state.kind === 'loaded' ? page.state.data.nextCursor : null;
                  if (next !== null) older(next);
                }}
                disabled={page.state.data.nextCursor === null}
              >
                {t('audit.older')}
              </button>
            </nav>
          </>
        )}
      </section>
    </div>
  );
}

/** A filter date: optional, so without the "optional" marker every filter field would carry. */
function DateField({ label, value, onChange }: { label: string; value: string; onChange: (value: string) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="date" value={value} onChange={(event) => onChange(event.target.value)} />
    </div>
  );
}
