// CSV import for any other source (owners and admins): choose a file, say what it holds, preview the
// column mapping, every row's problems and the first rows as they will be imported, then import.
// The server imports all rows or none; the page offers Import only for a file without problems, and
// imports exactly the text it previewed.
import { useEffect, useId, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { ApiError } from '../api/client.js';
import {
  MAX_CSV_BYTES,
  integrationsApi,
  type CsvChannel,
  type CsvDateFormat,
  type CsvDealRow,
  type CsvKind,
  type CsvOptions,
  type CsvPreview,
  type CsvRowError,
  type CsvSpendRow,
} from '../api/integrations.js';
import { t, type MessageKey } from '../i18n/index.js';
import { FieldErrorText, FormAlert, SelectField, SubmitButton, TextField, problemOf, useForm, type FormProblem } from './form.js';
import { formatCount, formatMicros, formatMinor } from './integrations-format.js';

const CHANNELS: readonly { value: CsvChannel; label: MessageKey }[] = [
  { value: 'meta-ads', label: 'csv.channelMeta' },
  { value: 'google-ads', label: 'csv.channelGoogle' },
  { value: 'yandex-direct', label: 'csv.channelYandex' },
  { value: 'vk-ads', label: 'csv.channelVk' },
  { value: 'tiktok-ads', label: 'csv.channelTiktok' },
];

const DATE_FORMATS: readonly CsvDateFormat[] = ['YYYY-MM-DD', 'DD.MM.YYYY', 'MM/DD/YYYY'];

/** The fields the server requires a column for (src/integrations/csv-import.ts REQUIRED). */
const REQUIRED: Record<CsvKind, readonly string[]> = {
  spend: ['date', 'campaign', 'spend'],
  deals: ['dealId', 'status', 'amount', 'createdAt'],
};

const FIELD_LABELS: Record<string, MessageKey> = {
  date: 'csv.fieldDate',
  campaign: 'csv.fieldCampaign',
  campaignId: 'csv.fieldCampaignId',
  spend: 'csv.fieldSpend',
  impressions: 'csv.fieldImpressions',
  clicks: 'csv.fieldClicks',
  conversions: 'csv.fieldConversions',
  account: 'csv.fieldAccount',
  currency: 'csv.fieldCurrency',
  dealId: 'csv.fieldDealId',
  status: 'csv.fieldStatus',
  amount: 'csv.fieldAmount',
  createdAt: 'csv.fieldCreatedAt',
  closedAt: 'csv.fieldClosedAt',
  contactId: 'csv.fieldContactId',
  utmSource: 'csv.fieldUtmSource',
  utmMedium: 'csv.fieldUtmMedium',
  utmCampaign: 'csv.fieldUtmCampaign',
  utmContent: 'csv.fieldUtmContent',
  utmTerm: 'csv.fieldUtmTerm',
  gclid: 'csv.fieldGclid',
  fbclid: 'csv.fieldFbclid',
  yclid: 'csv.fieldYclid',
};

const fieldLabel = (field: string | null): string => (field === null ? t('csv.wholeRow') : Object.hasOwn(FIELD_LABELS, field) ? t(FIELD_LABELS[field] as MessageKey) : field);

function delimiterName(delimiter: string): string {
  if (delimiter === ',') return t('csv.delimiterComma');
  if (delimiter === ';') return t('csv.delimiterSemicolon');
  if (delimiter === '\t') return t('csv.delimiterTab');
  return delimiter;
}

interface ChosenFile {
  name: string;
  size: number;
  /** The file's text, read when chosen; exactly this is previewed and imported. */
  content: string;
}

interface Previewed {
  data: CsvPreview;
  /** What was previewed: the import sends the same. */
  content: string;
  options: CsvOptions;
  fileName: string;
}

type Field = 'file' | 'kind' | 'channel' | 'source' | 'currency' | 'dateFormat' | 'decimalSeparator';

export function CsvImport({ workspaceId, onImported }: { workspaceId: string; onImported: (message: string) => void }) {
  const fileId = useId();
  const [kind, setKind] = useState<CsvKind>('spend');
  const [channel, setChannel] = useState<CsvChannel | ''>('');
  const [source, setSource] = useState('');
  const [currency, setCurrency] = useState('');
  const [dateFormat, setDateFormat] = useState<CsvDateFormat>('YYYY-MM-DD');
  const [decimalSeparator, setDecimalSeparator] = useState<'.' | ','>('.');
  const [file, setFile] = useState<ChosenFile | undefined>(undefined);
  const [reading, setReading] = useState(false);
  /** Columns the person chose over the suggested ones ('' = not used). */
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [previewed, setPreviewed] = useState<Previewed | undefined>(undefined);
  const [remapping, setRemapping] = useState(false);
  const [importing, setImporting] = useState(false);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);
  /** Bumped after an import: a fresh (empty) file input. */
  const [inputGeneration, setInputGeneration] = useState(0);
  const form = useForm<Field>(['file', 'kind', 'channel', 'source', 'currency', 'dateFormat', 'decimalSeparator'], { aliases: { content: 'file' } });
  const previewHeading = useRef<HTMLHeadingElement>(null);
  const problemScope = useRef<HTMLDivElement>(null);
  const previewShown = previewed !== undefined;

  useEffect(() => {
    if (previewShown) previewHeading.current?.focus();
  }, [previewShown]);

  useEffect(() => {
    if (problem !== undefined) problemScope.current?.querySelector<HTMLElement>('[data-form-alert]')?.focus();
  }, [problem]);

  /** Anything that changes what would be imported makes the preview stale. */
  function changed<V>(set: (value: V) => void, options: { resetMapping?: boolean } = {}) {
    return (value: V) => {
      set(value);
      setPreviewed(undefined);
      setProblem(undefined);
      if (options.resetMapping === true) setMapping({});
    };
  }

  function chooseFile(event: ChangeEvent<HTMLInputElement>) {
    const chosen = event.target.files?.[0];
    setPreviewed(undefined);
    setProblem(undefined);
    setMapping({});
    setFile(undefined);
    if (chosen === undefined) return;
    if (chosen.size > MAX_CSV_BYTES) {
      setFile({ name: chosen.name, size: chosen.size, content: '' });
      return;
    }
    setReading(true);
    chosen.text().then(
      (content) => {
        setFile({ name: chosen.name, size: chosen.size, content });
        // A name for the source, from the file's, unless one was typed.
        setSource((typed) => (typed.trim() === '' ? chosen.name.replace(/\.[^.]+$/, '').slice(0, 100) : typed));
      },
      () => setFile({ name: chosen.name, size: chosen.size, content: '' }),
    ).finally(() => setReading(false));
  }

  function optionsWith(columns: Record<string, string>): CsvOptions {
    const code = currency.trim().toUpperCase();
    return {
      kind,
      ...(kind === 'spend' && channel !== '' ? { channel } : {}),
      dateFormat,
      decimalSeparator,
      ...(code === '' ? {} : { currency: code }),
      ...(Object.keys(columns).length === 0 ? {} : { mapping: columns }),
    };
  }

  async function preview(columns: Record<string, string>): Promise<void> {
    if (file === undefined) return;
    const options = optionsWith(columns);
    const data = await integrationsApi.previewCsv(workspaceId, { ...options, content: file.content });
    setPreviewed({ data, content: file.content, options, fileName: file.name });
  }

  function validate() {
    return {
      file:
        file === undefined
          ? t(reading ? 'csv.fileReading' : 'csv.fileRequired')
          : file.size > MAX_CSV_BYTES
            ? t('csv.fileTooLarge')
            : file.content.trim() === ''
              ? t('csv.fileEmpty')
              : undefined,
      channel: kind === 'spend' && channel === '' ? t('csv.channelRequired') : undefined,
      source: source.trim() === '' ? t('csv.sourceRequired') : undefined,
      currency: currency.trim() !== '' && !/^[A-Za-z]{3}$/.test(currency.trim()) ? t('csv.currencyInvalid') : undefined,
    };
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    setProblem(undefined);
    void form.submit(event, validate, () => preview(mapping));
  }

  function remap(field: string, column: string) {
    const next = { ...mapping, [field]: column };
    setMapping(next);
    setProblem(undefined);
    setRemapping(true);
    preview(next)
      .catch((error: unknown) => setProblem(problemOf(error)))
      .finally(() => setRemapping(false));
  }

  async function importFile() {
    if (previewed === undefined) return;
    const name = source.trim();
    if (name === '') {
      setProblem({ message: t('csv.sourceRequired'), requestId: undefined });
      return;
    }
    setImporting(true);
    setProblem(undefined);
    try {
      await integrationsApi.importCsv(workspaceId, { ...previewed.options, content: previewed.content, source: name });
      // The file's rows, as the preview counted them (the answer counts records of every table
      // written: accounts and campaigns too).
      const rows = previewed.data.validRows;
      onImported(t(rows === 1 ? 'csv.importedOne' : 'csv.imported', { rows: formatCount(rows), source: name }));
      setPreviewed(undefined);
      setFile(undefined);
      setMapping({});
      setSource('');
      setInputGeneration((n) => n + 1);
    } catch (error) {
      // The server found problems the preview did not show (the file cannot have changed, but the
      // rules may): show them as the preview's.
      if (error instanceof ApiError && error.code === 'integration.csv_invalid') {
        const errors = (error.details as { errors?: unknown } | undefined)?.errors;
        if (Array.isArray(errors)) setPreviewed({ ...previewed, data: { ...previewed.data, errors: errors as CsvRowError[] } });
      }
      setProblem(problemOf(error));
    } finally {
      setImporting(false);
    }
  }

  const fileError = form.fieldError('file');
  const fileDescribedBy = [`${fileId}-description`, fileError === undefined ? undefined : `${fileId}-error`].filter(Boolean).join(' ');

  return (
    <section className="card" aria-labelledby="csv-heading">
      <h2 id="csv-heading">{t('csv.title')}</h2>
      <p>{t('csv.intro')}</p>
      <FormAlert problem={form.errors.form} />
      <form onSubmit={submit} noValidate>
        <div className="csv-grid">
          <SelectField
            label={t('csv.kind')}
            value={kind}
            options={[
              { value: 'spend', label: t('csv.kindSpend') },
              { value: 'deals', label: t('csv.kindDeals') },
            ]}
            onChange={changed(setKind, { resetMapping: true })}
            error={form.fieldError('kind')}
          />
          {kind === 'spend' && (
            <SelectField<CsvChannel | ''>
              label={t('csv.channel')}
              value={channel}
              options={[{ value: '', label: t('csv.channelChoose') }, ...CHANNELS.map((c) => ({ value: c.value, label: t(c.label) }))]}
              onChange={changed(setChannel)}
              error={form.fieldError('channel')}
            />
          )}
          <div className="field">
            <label htmlFor={fileId}>{t('csv.file')}</label>
            <div id={`${fileId}-description`} className="field-description">
              {t('csv.fileHelp')}
            </div>
            <input
              key={inputGeneration}
              id={fileId}
              type="file"
              accept=".csv,.tsv,.txt,text/csv,text/tab-separated-values,text/plain"
              onChange={chooseFile}
              aria-invalid={fileError === undefined ? undefined : true}
              aria-describedby={fileDescribedBy}
              aria-required
            />
            {fileError !== undefined && <FieldErrorText id={`${fileId}-error`} error={fileError} />}
          </div>
          <TextField
            label={t('csv.source')}
            description={t('csv.sourceHelp')}
            name="csv-source"
            autoComplete="off"
            maxLength={100}
            value={source}
            onChange={setSource}
            error={form.fieldError('source')}
          />
        </div>
        <details className="csv-format">
          <summary>{t('csv.formatTitle')}</summary>
          <div className="csv-grid">
            <SelectField
              label={t('csv.dateFormat')}
              value={dateFormat}
              options={DATE_FORMATS.map((f) => ({ value: f, label: f }))}
              onChange={changed(setDateFormat)}
              error={form.fieldError('dateFormat')}
            />
            <SelectField<'.' | ','>
              label={t('csv.decimalSeparator')}
              value={decimalSeparator}
              options={[
                { value: '.', label: t('csv.decimalPoint') },
                { value: ',', label: t('csv.decimalComma') },
              ]}
              onChange={changed(setDecimalSeparator)}
              error={form.fieldError('decimalSeparator')}
            />
            <TextField
              label={t('csv.currency')}
              description={t('csv.currencyHelp')}
              name="csv-currency"
              autoComplete="off"
              maxLength={3}
              required={false}
              spellCheck={false}
              value={currency}
              onChange={changed(setCurrency)}
              error={form.fieldError('currency')}
            />
          </div>
        </details>
        <div className="form-actions">
          <SubmitButton submitting={form.submitting || reading} busyLabel={reading ? t('csv.reading') : t('csv.previewing')} className="button-secondary">
            {t('csv.preview')}
          </SubmitButton>
        </div>
      </form>

      {previewed !== undefined && (
        <section className="csv-preview" aria-labelledby="csv-preview-heading" aria-busy={remapping || undefined}>
          <h3 id="csv-preview-heading" ref={previewHeading} tabIndex={-1} className="subheading">
            {t('csv.previewTitle', { file: previewed.fileName })}
          </h3>
          <p role="status">
            {t('csv.summary', { rows: formatCount(previewed.data.rowCount), valid: formatCount(previewed.data.validRows), delimiter: delimiterName(previewed.data.delimiter) })}
          </p>
          {previewed.data.errors.length > 0 ? (
            <div className="alert alert-error" role="alert">
              <p>{previewed.data.errors.length === 1 ? t('csv.hasErrorsOne') : t('csv.hasErrors', { count: formatCount(previewed.data.errors.length) })}</p>
            </div>
          ) : (
            <div className="alert alert-info">
              <p>{previewed.data.validRows === 1 ? t('csv.readyOne') : t('csv.ready', { rows: formatCount(previewed.data.validRows) })}</p>
            </div>
          )}
          <MappingTable previewed={previewed} kind={previewed.options.kind} disabled={remapping || importing} onRemap={remap} />
          {previewed.data.errors.length > 0 && <ErrorTable errors={previewed.data.errors} />}
          {previewed.data.sample.length > 0 && <SampleTable kind={previewed.options.kind} rows={previewed.data.sample} total={previewed.data.validRows} />}
          <div ref={problemScope}>
            <FormAlert problem={problem} />
          </div>
          <div className="form-actions">
            <button type="button" className="button-primary" onClick={() => void importFile()} disabled={importing || remapping || previewed.data.errors.length > 0}>
              {importing
                ? t('csv.importing')
                : previewed.data.errors.length > 0
                  ? t('csv.importBlocked')
                  : previewed.data.validRows === 1
                    ? t('csv.importOne')
                    : t('csv.import', { rows: formatCount(previewed.data.validRows) })}
            </button>
            {previewed.data.errors.length > 0 && <span className="muted small">{t('csv.fixFirst')}</span>}
          </div>
        </section>
      )}
    </section>
  );
}

function MappingTable({ previewed, kind, disabled, onRemap }: { previewed: Previewed; kind: CsvKind; disabled: boolean; onRemap: (field: string, column: string) => void }) {
  // Each header once, and no blank one: a <select> option is told apart by its value.
  const columns = [...new Set(previewed.data.header)].filter((h) => h !== '');
  const options = [{ value: '', label: t('csv.notUsed') }, ...columns.map((c) => ({ value: c, label: c }))];
  return (
    <>
      <h4 className="csv-subheading">{t('csv.mappingTitle')}</h4>
      <p className="muted small">{t('csv.mappingHelp')}</p>
      <div className="table-scroll">
        <table className="data-table csv-mapping">
          <caption className="visually-hidden">{t('csv.mappingCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('csv.mappingField')}</th>
              <th scope="col">{t('csv.mappingColumn')}</th>
            </tr>
          </thead>
          <tbody>
            {previewed.data.fields.map((field) => (
              <tr key={field}>
                <th scope="row">
                  {fieldLabel(field)}
                  {REQUIRED[kind].includes(field) && <span className="muted small"> {t('csv.required')}</span>}
                </th>
                <td>
                  <SelectField
                    label={t('csv.columnFor', { field: fieldLabel(field) })}
                    className="field-compact label-hidden"
                    value={previewed.data.mapping[field] ?? ''}
                    options={options}
                    onChange={(column) => onRemap(field, column)}
                    disabled={disabled}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function ErrorTable({ errors }: { errors: readonly CsvRowError[] }) {
  return (
    <>
      <h4 className="csv-subheading">{t('csv.errorsTitle')}</h4>
      <div className="table-scroll">
        <table className="data-table csv-errors">
          <caption className="visually-hidden">{t('csv.errorsCaption', { count: errors.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('csv.errorLine')}</th>
              <th scope="col">{t('csv.errorField')}</th>
              <th scope="col">{t('csv.errorProblem')}</th>
            </tr>
          </thead>
          <tbody>
            {errors.map((error, i) => (
              <tr key={`${error.line}-${error.field ?? ''}-${i}`}>
                <th scope="row" className="nowrap">
                  {t('csv.line', { line: error.line })}
                </th>
                <td>{fieldLabel(error.field)}</td>
                <td>{error.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function SampleTable({ kind, rows, total }: { kind: CsvKind; rows: readonly unknown[]; total: number }) {
  return (
    <>
      <h4 className="csv-subheading">{t('csv.sampleTitle', { shown: formatCount(rows.length), total: formatCount(total) })}</h4>
      <div className="table-scroll">
        {kind === 'spend' ? <SpendSample rows={rows as CsvSpendRow[]} /> : <DealSample rows={rows as CsvDealRow[]} />}
      </div>
    </>
  );
}

function SpendSample({ rows }: { rows: readonly CsvSpendRow[] }) {
  return (
    <table className="data-table">
      <caption className="visually-hidden">{t('csv.sampleCaption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('csv.fieldDate')}</th>
          <th scope="col">{t('csv.fieldCampaign')}</th>
          <th scope="col">{t('csv.fieldAccount')}</th>
          <th scope="col" className="numeric">
            {t('csv.fieldSpend')}
          </th>
          <th scope="col" className="numeric">
            {t('csv.fieldImpressions')}
          </th>
          <th scope="col" className="numeric">
            {t('csv.fieldClicks')}
          </th>
          <th scope="col" className="numeric">
            {t('csv.fieldConversions')}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.accountExternalId}\u0000${row.campaignExternalId}\u0000${row.date}`}>
            <td className="nowrap">{row.date}</td>
            <td>{row.campaignExternalId}</td>
            <td>{row.accountExternalId}</td>
            <td className="numeric">{formatMicros(row.spendMicros)}</td>
            <td className="numeric">{formatCount(row.impressions)}</td>
            <td className="numeric">{formatCount(row.clicks)}</td>
            <td className="numeric">{formatCount(row.platformConversions)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const DEAL_STATUS: Record<CsvDealRow['status'], MessageKey> = { open: 'csv.dealOpen', won: 'csv.dealWon', lost: 'csv.dealLost' };

function DealSample({ rows }: { rows: readonly CsvDealRow[] }) {
  return (
    <table className="data-table">
      <caption className="visually-hidden">{t('csv.sampleCaption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('csv.fieldDealId')}</th>
          <th scope="col">{t('csv.fieldStatus')}</th>
          <th scope="col" className="numeric">
            {t('csv.fieldAmount')}
          </th>
          <th scope="col">{t('csv.fieldCreatedAt')}</th>
          <th scope="col">{t('csv.fieldClosedAt')}</th>
          <th scope="col">{t('csv.fieldUtmSource')}</th>
          <th scope="col">{t('csv.fieldUtmCampaign')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.externalId}>
            <td>{row.externalId}</td>
            <td>{t(DEAL_STATUS[row.status])}</td>
            <td className="numeric nowrap">{formatMinor(row.amountMinor, row.currency)}</td>
            <td className="nowrap">{row.createdAt.slice(0, 10)}</td>
            <td className="nowrap">{row.closedAt === null ? '—' : row.closedAt.slice(0, 10)}</td>
            <td>{row.utm.source ?? '—'}</td>
            <td>{row.utm.campaign ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
