// The workspace's channel rules: which channel a lead's or deal's tags belong to. Admins add, edit,
// reorder (first match wins) and remove rules, preview how the most common tags would be classified
// next to the saved rules, and save (the server then rebuilds the reports). Everyone else sees the
// rules read-only. The built-in rules, which run after the workspace's, are always shown.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  CONDITION_OPS,
  DEFAULT_CHANNEL_RULES,
  KNOWN_CHANNELS,
  MAX_CHANNEL_RULES,
  MAX_CONDITION_LENGTH,
  RULE_FIELDS,
  analyticsSettingsApi,
  type ChannelRule,
  type ChannelRulePreview,
  type Condition,
  type ConditionOp,
  type RuleField,
} from '../api/analytics-settings.js';
import { currentLocale, t, type MessageKey } from '../i18n/index.js';
import {
  checkRules,
  hasProblems,
  newEditableRule,
  ruleProblemsFromServer,
  toChannelRule,
  type EditableRule,
  type RuleProblems,
} from './analytics-settings-model.js';
import { FormAlert, Notice, SelectField, TextField, focusFirstProblem, problemOf, type FormProblem } from './form.js';

const OP_LABELS: Record<ConditionOp, MessageKey> = {
  equals: 'analyticsSettings.rules.op.equals',
  contains: 'analyticsSettings.rules.op.contains',
  starts_with: 'analyticsSettings.rules.op.starts_with',
};

const FIELD_LABELS: Record<RuleField, MessageKey> = {
  source: 'analyticsSettings.rules.source',
  medium: 'analyticsSettings.rules.medium',
  campaign: 'analyticsSettings.rules.campaign',
};

const formatCount = (value: number) => new Intl.NumberFormat(currentLocale()).format(value);

const sameRules = (a: readonly ChannelRule[], b: readonly ChannelRule[]) => JSON.stringify(a) === JSON.stringify(b);

function ConditionText({ condition }: { condition: Condition | undefined }) {
  if (condition === undefined) return <span className="muted">{t('analyticsSettings.rules.any')}</span>;
  return (
    <>
      {t(OP_LABELS[condition.op])} <code>{condition.value}</code>
    </>
  );
}

/** Rules as a table: the workspace's (read-only view) or the built-in ones. */
function RulesTable({ rules, caption }: { rules: readonly ChannelRule[]; caption: string }) {
  return (
    <div className="table-scroll">
      <table className="data-table rules-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="numeric">
              {t('analyticsSettings.rules.order')}
            </th>
            <th scope="col">{t('analyticsSettings.rules.channel')}</th>
            {RULE_FIELDS.map((field) => (
              <th scope="col" key={field}>
                {t(FIELD_LABELS[field])}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rules.map((rule, index) => (
            // Shown in their saved order and never reordered here: the position is the rule's identity.
            <tr key={index}>
              <td className="numeric">{index + 1}</td>
              <th scope="row">
                <code>{rule.channel}</code>
              </th>
              {RULE_FIELDS.map((field) => (
                <td key={field}>
                  <ConditionText condition={rule[field]} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function BuiltInRules() {
  return (
    <section aria-labelledby="builtin-rules-heading" className="rules-builtin">
      <h3 id="builtin-rules-heading">{t('analyticsSettings.rules.builtInTitle')}</h3>
      <p className="muted">{t('analyticsSettings.rules.builtInIntro')}</p>
      <RulesTable rules={DEFAULT_CHANNEL_RULES} caption={t('analyticsSettings.rules.builtInCaption')} />
      <ul className="rules-fallbacks">
        <li>{t('analyticsSettings.rules.fallbackClickIds')}</li>
        <li>{t('analyticsSettings.rules.fallbackDirect')}</li>
        <li>{t('analyticsSettings.rules.fallbackOther')}</li>
      </ul>
      <p className="muted small">{t('analyticsSettings.rules.normalisation')}</p>
    </section>
  );
}

export function ChannelRulesSection({
  workspaceId,
  rules,
  canEdit,
  onSaved,
}: {
  workspaceId: string;
  rules: readonly ChannelRule[];
  canEdit: boolean;
  onSaved: () => void;
}) {
  return (
    <section className="card" aria-labelledby="channel-rules-heading">
      <h2 id="channel-rules-heading">{t('analyticsSettings.rules.title')}</h2>
      <p>{t('analyticsSettings.rules.intro')}</p>
      {canEdit ? (
        <ChannelRulesEditor workspaceId={workspaceId} savedRules={rules} onSaved={onSaved} />
      ) : (
        <>
          {rules.length === 0 ? (
            <p className="empty-state">{t('analyticsSettings.rules.none')}</p>
          ) : (
            <RulesTable rules={rules} caption={t('analyticsSettings.rules.savedCaption')} />
          )}
          <p className="muted">{t('analyticsSettings.adminsOnly')}</p>
        </>
      )}
      <BuiltInRules />
    </section>
  );
}

function ChannelRulesEditor({ workspaceId, savedRules, onSaved }: { workspaceId: string; savedRules: readonly ChannelRule[]; onSaved: () => void }) {
  const [saved, setSaved] = useState<readonly ChannelRule[]>(savedRules);
  const [rules, setRules] = useState<EditableRule[]>(() => savedRules.map((rule) => newEditableRule(rule)));
  const [problems, setProblems] = useState<RuleProblems[]>([]);
  const [alert, setAlert] = useState<FormProblem | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [preview, setPreview] = useState<ChannelRulePreview | undefined>(undefined);
  const [busy, setBusy] = useState<'preview' | 'save' | undefined>(undefined);
  const [announcement, setAnnouncement] = useState('');
  // What to focus once the list has re-rendered: a rule's button or field (`<rule id>:<part>`), or "add".
  const [focusTarget, setFocusTarget] = useState<{ key: string; fallback?: string } | undefined>(undefined);
  const [problemFocus, setProblemFocus] = useState(0);
  const scope = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (focusTarget === undefined) return;
    const find = (key: string) => scope.current?.querySelector<HTMLElement>(`[data-focus="${key}"]`) ?? null;
    let target = find(focusTarget.key);
    if ((target === null || (target instanceof HTMLButtonElement && target.disabled)) && focusTarget.fallback !== undefined) target = find(focusTarget.fallback);
    target?.focus();
  }, [focusTarget]);

  useEffect(() => {
    if (problemFocus > 0) focusFirstProblem(scope.current);
  }, [problemFocus]);

  const current = rules.map(toChannelRule);
  const dirty = !sameRules(current, saved);

  function edit(next: EditableRule[]) {
    setRules(next);
    // A preview shows what these exact rules do; after an edit it would show something else.
    setPreview(undefined);
    setNotice(undefined);
  }

  function change(id: string, update: (rule: EditableRule) => EditableRule) {
    edit(rules.map((rule) => (rule.id === id ? update(rule) : rule)));
  }

  function move(index: number, by: -1 | 1) {
    const target = index + by;
    const moving = rules[index];
    const other = rules[target];
    if (moving === undefined || other === undefined) return;
    const next = [...rules];
    next[index] = other;
    next[target] = moving;
    // Problems follow their rules.
    const nextProblems = [...problems];
    [nextProblems[index], nextProblems[target]] = [problems[target] ?? {}, problems[index] ?? {}];
    setProblems(nextProblems);
    edit(next);
    const part = by < 0 ? 'up' : 'down';
    setFocusTarget({ key: `${moving.id}:${part}`, fallback: `${moving.id}:${by < 0 ? 'down' : 'up'}` });
    setAnnouncement(t('analyticsSettings.rules.moved', { from: index + 1, to: target + 1 }));
  }

  function remove(index: number) {
    const next = rules.filter((_, i) => i !== index);
    setProblems(problems.filter((_, i) => i !== index));
    edit(next);
    const neighbour = next[index] ?? next[index - 1];
    setFocusTarget({ key: neighbour === undefined ? 'add' : `${neighbour.id}:remove` });
    setAnnouncement(t('analyticsSettings.rules.removed', { n: index + 1 }));
  }

  function add() {
    const rule = newEditableRule();
    edit([...rules, rule]);
    setFocusTarget({ key: `${rule.id}:channel` });
    setAnnouncement(t('analyticsSettings.rules.added', { n: rules.length + 1 }));
  }

  function undo() {
    edit(saved.map((rule) => newEditableRule(rule)));
    setProblems([]);
    setAlert(undefined);
    setAnnouncement(t('analyticsSettings.rules.undone'));
  }

  /** The rules as the server takes them, or undefined after showing what is wrong with them. */
  function checked(): ChannelRule[] | undefined {
    const found = checkRules(rules);
    if (!hasProblems(found)) return current;
    setProblems(found);
    setAlert({ message: t('analyticsSettings.rules.fixMarked'), requestId: undefined });
    setProblemFocus((n) => n + 1);
    return undefined;
  }

  function showServerProblem(error: unknown) {
    const placed = ruleProblemsFromServer(error, rules.length);
    setProblems(placed.rules);
    const problem = problemOf(error);
    setAlert(
      hasProblems(placed.rules)
        ? { message: [t('analyticsSettings.rules.fixMarked'), ...placed.other].join(' '), requestId: undefined }
        : { ...problem, message: [problem.message, ...placed.other].join(' ') },
    );
    setProblemFocus((n) => n + 1);
  }

  async function runPreview() {
    if (busy !== undefined) return;
    setNotice(undefined);
    const proposed = checked();
    if (proposed === undefined) return;
    setBusy('preview');
    setProblems([]);
    setAlert(undefined);
    try {
      setPreview(await analyticsSettingsApi.preview(workspaceId, proposed));
    } catch (error) {
      showServerProblem(error);
    } finally {
      setBusy(undefined);
    }
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy !== undefined) return;
    setNotice(undefined);
    const proposed = checked();
    if (proposed === undefined) return;
    setBusy('save');
    setProblems([]);
    setAlert(undefined);
    try {
      const next = await analyticsSettingsApi.update(workspaceId, { channelRules: proposed });
      setSaved(next.channelRules);
      setRules(next.channelRules.map((rule) => newEditableRule(rule)));
      // The preview compared against the rules saved before; they are no longer the current ones.
      setPreview(undefined);
      setNotice(next.channelRules.length === 0 ? t('analyticsSettings.rules.savedNone') : t('analyticsSettings.rules.saved', { count: next.channelRules.length }));
      onSaved();
    } catch (error) {
      showServerProblem(error);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <div ref={scope} data-form-scope="">
      {notice !== undefined && (
        <Notice>
          <p>{notice}</p>
        </Notice>
      )}
      <FormAlert problem={alert} />
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <form onSubmit={(event) => void save(event)} noValidate aria-labelledby="channel-rules-heading">
        {rules.length === 0 ? (
          <p className="empty-state">{t('analyticsSettings.rules.noneYet')}</p>
        ) : (
          <ol className="rule-list">
            {rules.map((rule, index) => (
              <RuleEditor
                key={rule.id}
                rule={rule}
                index={index}
                count={rules.length}
                problems={problems[index] ?? {}}
                onChange={(update) => change(rule.id, update)}
                onMove={(by) => move(index, by)}
                onRemove={() => remove(index)}
              />
            ))}
          </ol>
        )}
        <datalist id="known-channels">
          {KNOWN_CHANNELS.map((channel) => (
            <option key={channel} value={channel} />
          ))}
        </datalist>
        <div className="button-row">
          <button type="button" className="button-secondary" data-focus="add" onClick={add} disabled={rules.length >= MAX_CHANNEL_RULES}>
            {t('analyticsSettings.rules.add')}
          </button>
          {rules.length >= MAX_CHANNEL_RULES && <span className="muted small">{t('analyticsSettings.rules.limit', { max: MAX_CHANNEL_RULES })}</span>}
        </div>
        <div className="form-actions rules-actions">
          <button type="button" className="button-secondary" onClick={() => void runPreview()} disabled={busy !== undefined} aria-disabled={busy !== undefined}>
            {busy === 'preview' ? t('analyticsSettings.rules.previewing') : t('analyticsSettings.rules.preview')}
          </button>
          <button type="submit" className="button-primary" disabled={busy !== undefined} aria-disabled={busy !== undefined}>
            {busy === 'save' ? t('analyticsSettings.recomputing') : t('analyticsSettings.rules.save')}
          </button>
          {dirty && (
            <>
              <button type="button" className="button-link" onClick={undo} disabled={busy !== undefined}>
                {t('analyticsSettings.rules.undo')}
              </button>
              <span className="muted small">{t('analyticsSettings.rules.unsaved')}</span>
            </>
          )}
        </div>
      </form>
      {preview !== undefined && <PreviewTable preview={preview} />}
    </div>
  );
}

function RuleEditor({
  rule,
  index,
  count,
  problems,
  onChange,
  onMove,
  onRemove,
}: {
  rule: EditableRule;
  index: number;
  count: number;
  problems: RuleProblems;
  onChange: (update: (rule: EditableRule) => EditableRule) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const n = index + 1;
  const ruleErrorId = `${rule.id}-problem`;
  const setCondition = (field: RuleField, patch: Partial<{ op: ConditionOp; value: string }>) =>
    onChange((r) => ({ ...r, conditions: { ...r.conditions, [field]: { ...r.conditions[field], ...patch } } }));
  return (
    <li className="rule-item" data-rule={rule.id}>
      <fieldset className="rule-fieldset" aria-describedby={problems.rule === undefined ? undefined : ruleErrorId}>
        <legend>{t('analyticsSettings.rules.ruleN', { n })}</legend>
        {problems.rule !== undefined && (
          <p id={ruleErrorId} className="field-error">
            {problems.rule}
          </p>
        )}
        <div className="rule-grid">
          <ChannelField rule={rule} error={problems.channel} onChange={(channel) => onChange((r) => ({ ...r, channel }))} />
          {RULE_FIELDS.map((field) => (
            <fieldset key={field} className="rule-condition">
              <legend>{t(FIELD_LABELS[field])}</legend>
              <SelectField
                label={t('analyticsSettings.rules.match')}
                value={rule.conditions[field].op}
                options={CONDITION_OPS.map((op) => ({ value: op, label: t(OP_LABELS[op]) }))}
                onChange={(op) => setCondition(field, { op })}
              />
              <TextField
                label={t('analyticsSettings.rules.value')}
                required={false}
                autoComplete="off"
                spellCheck={false}
                maxLength={MAX_CONDITION_LENGTH}
                value={rule.conditions[field].value}
                onChange={(value) => setCondition(field, { value })}
                error={problems[field] === undefined ? undefined : { message: problems[field], hints: [] }}
              />
            </fieldset>
          ))}
        </div>
        <div className="button-row rule-buttons">
          <button type="button" className="button-secondary" data-focus={`${rule.id}:up`} onClick={() => onMove(-1)} disabled={index === 0} aria-label={t('analyticsSettings.rules.moveUpNamed', { n })}>
            {t('analyticsSettings.rules.moveUp')}
          </button>
          <button
            type="button"
            className="button-secondary"
            data-focus={`${rule.id}:down`}
            onClick={() => onMove(1)}
            disabled={index === count - 1}
            aria-label={t('analyticsSettings.rules.moveDownNamed', { n })}
          >
            {t('analyticsSettings.rules.moveDown')}
          </button>
          <button type="button" className="button-danger-quiet" data-focus={`${rule.id}:remove`} onClick={onRemove} aria-label={t('analyticsSettings.rules.removeNamed', { n })}>
            {t('analyticsSettings.rules.remove')}
          </button>
        </div>
      </fieldset>
    </li>
  );
}

/** The channel key box, with the engine's own channels offered as suggestions. */
function ChannelField({ rule, error, onChange }: { rule: EditableRule; error: string | undefined; onChange: (value: string) => void }) {
  const id = `${rule.id}-channel`;
  return (
    <div className="field rule-channel">
      <label htmlFor={id}>{t('analyticsSettings.rules.channel')}</label>
      <p id={`${id}-description`} className="field-description">
        {t('analyticsSettings.rules.channelHelp')}
      </p>
      <input
        id={id}
        data-focus={`${rule.id}:channel`}
        type="text"
        list="known-channels"
        autoComplete="off"
        spellCheck={false}
        maxLength={60}
        value={rule.channel}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error === undefined ? undefined : true}
        aria-describedby={error === undefined ? `${id}-description` : `${id}-description ${id}-error`}
        aria-required
      />
      {error !== undefined && (
        <div id={`${id}-error`} className="field-error">
          <p>{error}</p>
        </div>
      )}
    </div>
  );
}

function TagText({ value }: { value: string | null }) {
  return value === null ? <span className="muted">{t('analyticsSettings.preview.noTag')}</span> : <>{value}</>;
}

function PreviewTable({ preview }: { preview: ChannelRulePreview }) {
  const [onlyChanged, setOnlyChanged] = useState(false);
  const changedRows = preview.rows.filter((row) => row.current !== row.proposed).length;
  const rows = onlyChanged ? preview.rows.filter((row) => row.current !== row.proposed) : preview.rows;
  return (
    <section className="rules-preview" aria-labelledby="rules-preview-heading">
      <h3 id="rules-preview-heading">{t('analyticsSettings.preview.title')}</h3>
      <p role="status" className={preview.changed > 0 ? 'preview-summary preview-summary-changed' : 'preview-summary'}>
        {preview.rows.length === 0
          ? t('analyticsSettings.preview.noData')
          : preview.changed === 0
            ? t('analyticsSettings.preview.noChange', { rows: formatCount(preview.rows.length) })
            : t('analyticsSettings.preview.changed', { touches: formatCount(preview.changed), rows: formatCount(changedRows) })}
      </p>
      {preview.rows.length > 0 && (
        <>
          <p className="muted small">{t('analyticsSettings.preview.intro', { rows: formatCount(preview.rows.length) })}</p>
          <div className="field-check">
            <input id="preview-only-changed" type="checkbox" checked={onlyChanged} onChange={(event) => setOnlyChanged(event.target.checked)} />
            <label htmlFor="preview-only-changed">{t('analyticsSettings.preview.onlyChanged')}</label>
          </div>
          <div className="table-scroll">
            <table className="data-table preview-table">
              <caption className="visually-hidden">{t('analyticsSettings.preview.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('analyticsSettings.rules.source')}</th>
                  <th scope="col">{t('analyticsSettings.rules.medium')}</th>
                  <th scope="col">{t('analyticsSettings.rules.campaign')}</th>
                  <th scope="col">{t('analyticsSettings.preview.clickId')}</th>
                  <th scope="col" className="numeric">
                    {t('analyticsSettings.preview.touches')}
                  </th>
                  <th scope="col">{t('analyticsSettings.preview.current')}</th>
                  <th scope="col">{t('analyticsSettings.preview.proposed')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => {
                  const changed = row.current !== row.proposed;
                  return (
                    <tr key={JSON.stringify([row.source, row.medium, row.campaign, row.clickId])} className={changed ? 'preview-changed' : undefined}>
                      <td>
                        <TagText value={row.source} />
                      </td>
                      <td>
                        <TagText value={row.medium} />
                      </td>
                      <td>
                        <TagText value={row.campaign} />
                      </td>
                      <td>{row.clickId ? t('analyticsSettings.preview.yes') : t('analyticsSettings.preview.no')}</td>
                      <td className="numeric">{formatCount(row.touches)}</td>
                      <td>
                        <code>{row.current}</code>
                      </td>
                      <td>
                        {changed ? (
                          <>
                            <strong>
                              <code>{row.proposed}</code>
                            </strong>{' '}
                            <span className="badge badge-warning badge-inline">{t('analyticsSettings.preview.changedBadge')}</span>
                          </>
                        ) : (
                          <code>{row.proposed}</code>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
