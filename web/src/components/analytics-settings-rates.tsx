// Daily currency rates into the reporting currency: the latest ones, and for owners and admins one
// rate typed in or many pasted as CSV. A paste is checked line by line here first and is sent only
// when every line is right, so a bad line never leaves half a paste saved.
import { useCallback, useId, useState, type FormEvent } from 'react';
import { MAX_RATES_PER_SAVE, analyticsSettingsApi } from '../api/analytics-settings.js';
import { currentLocale, t } from '../i18n/index.js';
import { checkRate, parseRatesCsv, plainDecimal, type CsvLineProblem } from './analytics-settings-model.js';
import { FieldErrorText, FormAlert, Notice, SubmitButton, TextField, focusFirstProblem, problemOf, useForm, type FormProblem } from './form.js';
import { LoadProblem } from './load-problem.js';
import { useLoad } from './use-load.js';

const PAGE = 25;

const formatCount = (value: number) => new Intl.NumberFormat(currentLocale()).format(value);

/** Remount with `key={quote}`: the rates shown are always those into the current reporting currency. */
export function CurrencyRatesSection({ workspaceId, quote, canEdit }: { workspaceId: string; quote: string; canEdit: boolean }) {
  const load = useCallback((signal: AbortSignal) => analyticsSettingsApi.rates(workspaceId, signal), [workspaceId]);
  const rates = useLoad(load);
  const [shown, setShown] = useState(PAGE);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const loaded = rates.state.kind === 'loaded' ? rates.state.data : undefined;

  const onSaved = (message: string) => {
    setNotice(message);
    rates.reload();
  };

  return (
    <section className="card" aria-labelledby="rates-heading">
      <h2 id="rates-heading">{t('analyticsSettings.rates.title')}</h2>
      <p>{t('analyticsSettings.rates.intro', { quote })}</p>
      {notice !== undefined && (
        <Notice>
          <p>{notice}</p>
        </Notice>
      )}
      <section aria-labelledby="rates-latest-heading">
        <h3 id="rates-latest-heading">{t('analyticsSettings.rates.latestTitle')}</h3>
        {rates.state.kind === 'loading' && <p className="muted">{t('common.loading')}</p>}
        {rates.state.kind === 'failed' && <LoadProblem problem={rates.state.problem} onRetry={rates.reload} />}
        {loaded !== undefined &&
          (loaded.rates.length === 0 ? (
            <p className="empty-state">{t('analyticsSettings.rates.none', { quote: loaded.quote })}</p>
          ) : (
            <>
              <div className="table-scroll">
                <table className="data-table rates-table">
                  <caption className="visually-hidden">{t('analyticsSettings.rates.caption', { quote: loaded.quote })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('analyticsSettings.rates.date')}</th>
                      <th scope="col">{t('analyticsSettings.rates.base')}</th>
                      <th scope="col" className="numeric">
                        {t('analyticsSettings.rates.rate')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {loaded.rates.slice(0, shown).map((rate) => (
                      <tr key={`${rate.date} ${rate.base}`}>
                        <td className="nowrap">{rate.date}</td>
                        <th scope="row">{rate.base}</th>
                        <td className="numeric">{t('analyticsSettings.rates.equation', { base: rate.base, rate: plainDecimal(rate.rate), quote: loaded.quote })}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p className="muted small">{t('analyticsSettings.rates.showing', { shown: formatCount(Math.min(shown, loaded.rates.length)), total: formatCount(loaded.rates.length) })}</p>
              {shown < loaded.rates.length && (
                <button type="button" className="button-secondary" onClick={() => setShown((n) => n + PAGE)}>
                  {t('analyticsSettings.rates.showMore')}
                </button>
              )}
            </>
          ))}
      </section>
      {canEdit ? (
        <>
          <AddRateForm workspaceId={workspaceId} quote={quote} onSaved={onSaved} onStart={() => setNotice(undefined)} />
          <ImportRatesForm workspaceId={workspaceId} quote={quote} onSaved={onSaved} onStart={() => setNotice(undefined)} />
        </>
      ) : (
        <p className="muted">{t('analyticsSettings.adminsOnly')}</p>
      )}
    </section>
  );
}

function AddRateForm({ workspaceId, quote, onSaved, onStart }: { workspaceId: string; quote: string; onSaved: (message: string) => void; onStart: () => void }) {
  const [date, setDate] = useState('');
  const [base, setBase] = useState('');
  const [value, setValue] = useState('');
  const form = useForm(['date', 'base', 'rate'] as const);

  function submit(event: FormEvent<HTMLFormElement>) {
    onStart();
    const { rate, problems } = checkRate({ date, base, rate: value }, quote);
    void form.submit(
      event,
      () => problems,
      async () => {
        await analyticsSettingsApi.saveRates(workspaceId, [rate]);
        setDate('');
        setBase('');
        setValue('');
        onSaved(t('analyticsSettings.rates.addedOne', { base: rate.base, rate: rate.rate, quote, date: rate.date }));
      },
    );
  }

  return (
    <section aria-labelledby="rate-add-heading" className="inline-form">
      <h3 id="rate-add-heading">{t('analyticsSettings.rates.addTitle')}</h3>
      <FormAlert problem={form.errors.form} />
      <form onSubmit={submit} noValidate className="form-row">
        <TextField
          label={t('analyticsSettings.rates.date')}
          name="rate-date"
          autoComplete="off"
          maxLength={10}
          value={date}
          onChange={setDate}
          error={form.fieldError('date')}
          description={t('analyticsSettings.rates.dateHelp')}
        />
        <TextField
          label={t('analyticsSettings.rates.base')}
          name="rate-base"
          autoComplete="off"
          spellCheck={false}
          maxLength={3}
          value={base}
          onChange={(next) => setBase(next.toUpperCase())}
          error={form.fieldError('base')}
          description={t('analyticsSettings.rates.baseHelp')}
        />
        <TextField
          label={t('analyticsSettings.rates.rateIn', { quote })}
          name="rate-value"
          inputMode="decimal"
          autoComplete="off"
          maxLength={26}
          value={value}
          onChange={setValue}
          error={form.fieldError('rate')}
          description={t('analyticsSettings.rates.rateHelp', { quote })}
        />
        <div className="form-actions">
          <SubmitButton submitting={form.submitting} busyLabel={t('analyticsSettings.recomputing')}>
            {t('analyticsSettings.rates.add')}
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}

function ImportRatesForm({ workspaceId, quote, onSaved, onStart }: { workspaceId: string; quote: string; onSaved: (message: string) => void; onStart: () => void }) {
  const id = useId();
  const [text, setText] = useState('');
  const [lineProblems, setLineProblems] = useState<CsvLineProblem[]>([]);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);
  const [submitting, setSubmitting] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    onStart();
    const scope = event.currentTarget.closest<HTMLElement>('section');
    const parsed = parseRatesCsv(text, quote);
    setLineProblems(parsed.problems);
    if (parsed.problems.length > 0) {
      setProblem({
        message: parsed.problems.length === 1 ? t('analyticsSettings.csv.problemsOne') : t('analyticsSettings.csv.problems', { count: formatCount(parsed.problems.length) }),
        requestId: undefined,
      });
      requestAnimationFrame(() => focusFirstProblem(scope));
      return;
    }
    setProblem(undefined);
    setSubmitting(true);
    try {
      const { saved } = await analyticsSettingsApi.saveRates(workspaceId, parsed.rates);
      setText('');
      onSaved(t('analyticsSettings.csv.imported', { count: formatCount(saved), quote }));
    } catch (error) {
      setProblem(problemOf(error));
      requestAnimationFrame(() => focusFirstProblem(scope));
    } finally {
      setSubmitting(false);
    }
  }

  const invalid = lineProblems.length > 0;
  return (
    <section aria-labelledby="rate-import-heading" className="inline-form">
      <h3 id="rate-import-heading">{t('analyticsSettings.csv.title')}</h3>
      <FormAlert problem={problem} />
      <form onSubmit={(event) => void submit(event)} noValidate>
        <div className="field">
          <label htmlFor={id}>{t('analyticsSettings.csv.label')}</label>
          <div id={`${id}-description`} className="field-description">
            <p>{t('analyticsSettings.csv.help', { quote, max: formatCount(MAX_RATES_PER_SAVE) })}</p>
            <pre className="csv-example">{`date,base,rate\n2026-03-01,USD,0.92\n2026-03-01,GBP,1.17`}</pre>
          </div>
          <textarea
            id={id}
            className="rates-csv"
            rows={6}
            spellCheck={false}
            autoComplete="off"
            value={text}
            onChange={(event) => {
              setText(event.target.value);
              setLineProblems([]);
            }}
            aria-invalid={invalid ? true : undefined}
            aria-describedby={invalid ? `${id}-description ${id}-error` : `${id}-description`}
          />
          {invalid && (
            <div id={`${id}-error`}>
              <FieldErrorText id={`${id}-error-summary`} error={{ message: t('analyticsSettings.csv.fixLines'), hints: [] }} />
              <div className="table-scroll">
                <table className="data-table csv-line-problems">
                  <caption className="visually-hidden">{t('analyticsSettings.csv.problemsCaption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('analyticsSettings.csv.line')}</th>
                      <th scope="col">{t('analyticsSettings.csv.problem')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {lineProblems.slice(0, 100).map((entry) => (
                      <tr key={`${entry.line} ${entry.message}`}>
                        <th scope="row" className="nowrap">
                          {t('analyticsSettings.csv.lineN', { line: entry.line })}
                        </th>
                        <td>{entry.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {lineProblems.length > 100 && <p className="muted small">{t('analyticsSettings.csv.moreProblems', { count: formatCount(lineProblems.length - 100) })}</p>}
            </div>
          )}
        </div>
        <div className="form-actions">
          <SubmitButton submitting={submitting} busyLabel={t('analyticsSettings.recomputing')}>
            {t('analyticsSettings.csv.import')}
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
