// The platform audit chain (events outside any workspace: sign-ins, admin access, address blocks,
// key rotations, grants of platform admin), as the workspace audit page shows a workspace's: filter
// by action, result, actor and date; page back through older entries; export CSV or JSON Lines.
import { useCallback, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { AUDIT_ACTIONS, adminApi, type PlatformAuditEntry } from '../../api/admin.js';
import type { AuditFilter } from '../../api/workspaces.js';
import { FormAlert, SelectField, problemOf, type FormProblem } from '../../components/form.js';
import { LoadProblem } from '../../components/load-problem.js';
import { useLoad } from '../../components/use-load.js';
import { saveFile } from '../../files.js';
import { t, type MessageKey } from '../../i18n/index.js';
import { useMe } from '../../session.js';
import { AdminFrame } from './admin-frame.js';
import { formatTimestamp } from './format.js';

const PAGE_SIZE = 50;
/** Longer detail values are cut in the table; the export has them whole. */
const DETAIL_CHARS = 80;

type ResultFilter = '' | 'success' | 'failure' | 'denied';

const RESULT_LABELS: Record<PlatformAuditEntry['result'], MessageKey> = { success: 'audit.resultSuccess', failure: 'audit.resultFailure', denied: 'audit.resultDenied' };

/** A UUID's first 8 characters, as git shows commits; any other id whole. */
function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(id) ? `${id.slice(0, 8)}…` : id;
}

/** `YYYY-MM-DD` from a date input, as the start of that day (or of the next, for "to") in local time. */
function dayBoundary(day: string, endOfDay: boolean): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (match === null) return undefined;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + (endOfDay ? 1 : 0)).toISOString();
}

export function PlatformAuditPage() {
  return (
    <AdminFrame title={t('platformAudit.title')} lead={t('platformAudit.lead')}>
      <PlatformAuditLog />
    </AdminFrame>
  );
}

function PlatformAuditLog() {
  const me = useMe();
  const [action, setAction] = useState('');
  const [result, setResult] = useState<ResultFilter>('');
  const [actorId, setActorId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  // The filter in force (applied on submit), and the cursors of the pages before this one.
  const [filter, setFilter] = useState<AuditFilter>({ limit: PAGE_SIZE });
  const [previous, setPrevious] = useState<(string | undefined)[]>([]);
  const [exportProblem, setExportProblem] = useState<FormProblem | undefined>(undefined);
  const [exporting, setExporting] = useState<'csv' | 'jsonl' | undefined>(undefined);
  const tableRef = useRef<HTMLTableElement>(null);

  const load = useCallback((signal: AbortSignal) => adminApi.audit(filter, signal), [filter]);
  const page = useLoad(load);

  function apply(event: FormEvent) {
    event.preventDefault();
    setPrevious([]);
    const actor = actorId.trim();
    setFilter({
      limit: PAGE_SIZE,
      ...(action === '' ? {} : { action }),
      ...(result === '' ? {} : { result }),
      ...(actor === '' ? {} : { actorId: actor }),
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
      const file = await adminApi.exportAudit(format, selection);
      saveFile(file.blob, file.filename ?? `audit-platform.${format}`);
    } catch (error) {
      setExportProblem(problemOf(error));
    } finally {
      setExporting(undefined);
    }
  }

  /** Shows only what `actor` did: the field takes the full id, and the filter applies at once. */
  function filterByActor(actor: string) {
    setActorId(actor);
    setPrevious([]);
    setFilter((current) => {
      const { cursor: _drop, ...rest } = current;
      return { ...rest, actorId: actor };
    });
  }

  function actorOf(entry: PlatformAuditEntry): ReactNode {
    if (entry.actorKind === 'system') return entry.actorId === null ? t('audit.actorSystem') : t('platformAudit.actorSystemNamed', { id: entry.actorId });
    if (entry.actorId === null) return t('audit.actorUnknown');
    const actor = entry.actorId;
    const label = entry.actorKind === 'api_key' ? t('audit.actorApiKey', { id: actor.slice(0, 8) }) : actor === me.user.id ? t('platformAudit.actorYou') : shortId(actor);
    // The accessible name starts with the visible text (WCAG 2.5.3), then says what the button does.
    const named = label === shortId(actor) ? actor : label;
    return (
      <button type="button" className="button-link" title={actor} onClick={() => filterByActor(actor)} aria-label={t('platformAudit.onlyActor', { actor: named })}>
        {label}
      </button>
    );
  }

  const filtered = filter.action !== undefined || filter.result !== undefined || filter.actorId !== undefined || filter.from !== undefined || filter.to !== undefined;
  const pageNumber = previous.length + 1;
  return (
    <div className="stack">
      <section className="card" aria-labelledby="audit-filter-heading">
        <h2 id="audit-filter-heading">{t('audit.filterTitle')}</h2>
        <form onSubmit={apply} className="filter-grid" noValidate>
          <SelectField
            label={t('audit.action')}
            value={action}
            options={[{ value: '', label: t('audit.anyAction') }, ...AUDIT_ACTIONS.map((a) => ({ value: a, label: a }))]}
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
          <FilterField label={t('platformAudit.actorFilter')} description={t('platformAudit.actorFilterHelp')} value={actorId} onChange={setActorId} maxLength={200} />
          <FilterField label={t('audit.from')} type="date" value={from} onChange={setFrom} />
          <FilterField label={t('audit.to')} type="date" value={to} onChange={setTo} />
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
          <h2 id="audit-heading">{t('platformAudit.listTitle')}</h2>
          <p className="muted" aria-live="polite">
            {t('audit.page', { page: pageNumber })}
          </p>
        </div>
        {page.state.kind === 'loading' && <p className="muted">{t('common.loading')}</p>}
        {page.state.kind === 'failed' && <LoadProblem problem={page.state.problem} onRetry={page.reload} />}
        {page.state.kind === 'loaded' && (
          <>
            {page.state.data.entries.length === 0 ? (
              <p className="muted">{filtered ? t('audit.none') : pageNumber > 1 ? t('platformAudit.noOlder') : t('platformAudit.empty')}</p>
            ) : (
              <div className="table-scroll">
                <table className="data-table" ref={tableRef} tabIndex={-1}>
                  <caption className="visually-hidden">{t('platformAudit.caption', { page: pageNumber })}</caption>
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
                        <td className="nowrap">{formatTimestamp(entry.occurredAt)}</td>
                        <td>{actorOf(entry)}</td>
                        <td>
                          <code>{entry.action}</code>
                          <Details details={entry.details} />
                        </td>
                        <td className="cell-id">
                          {entry.targetType ?? '—'}
                          {entry.targetId !== null && (
                            <>
                              {' '}
                              <span title={entry.targetId}>{shortId(entry.targetId)}</span>
                            </>
                          )}
                        </td>
                        <td>
                          <span className={`badge badge-inline badge-flush ${entry.result === 'success' ? 'badge-good' : 'badge-bad'}`}>{t(RESULT_LABELS[entry.result])}</span>
                        </td>
                        <td className="nowrap">{entry.ip ?? '—'}</td>
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

/** An entry's details as `name value` lines; text only, so nothing in a detail can become markup. */
function Details({ details }: { details: Readonly<Record<string, unknown>> }) {
  const entries = Object.entries(details);
  if (entries.length === 0) return null;
  return (
    <dl className="detail-list">
      {entries.map(([name, value]) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        const cut = text.length > DETAIL_CHARS ? `${text.slice(0, DETAIL_CHARS)}…` : text;
        return (
          <div key={name}>
            <dt>{name}</dt>
            <dd title={cut === text ? undefined : text}>{cut}</dd>
          </div>
        );
      })}
    </dl>
  );
}

/** An optional filter input: without the "optional" marker that every filter field would carry. */
function FilterField({
  label,
  value,
  onChange,
  type = 'text',
  description,
  maxLength,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'date';
  description?: string;
  maxLength?: number;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {description !== undefined && (
        <div id={`${id}-description`} className="field-description">
          {description}
        </div>
      )}
      <input
        id={id}
        type={type}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-describedby={description === undefined ? undefined : `${id}-description`}
        maxLength={maxLength}
        {...(type === 'text' ? { autoComplete: 'off', spellCheck: false } : {})}
      />
    </div>
  );
}
