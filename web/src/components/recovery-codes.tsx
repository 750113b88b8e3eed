// Shows freshly issued recovery codes once: they are not stored readable anywhere, so the user
// copies or downloads them and confirms before the panel can be closed.
import { useEffect, useId, useRef, useState } from 'react';
import { copyText, saveText } from '../files.js';
import { formatDateTime, t } from '../i18n/index.js';

export function RecoveryCodes({ codes, email, onDone }: { codes: readonly string[]; email: string; onDone: () => void }) {
  const [saved, setSaved] = useState(false);
  const [copyStatus, setCopyStatus] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const checkId = useId();

  useEffect(() => {
    heading.current?.focus();
  }, []);

  const asText = () =>
    [t('recovery.fileTitle', { email }), t('recovery.fileGenerated', { date: formatDateTime(new Date().toISOString()) }), '', t('recovery.fileHelp'), '', ...codes, ''].join('\n');

  async function copy() {
    setCopyStatus(t((await copyText(codes.join('\n'))) ? 'recovery.copied' : 'recovery.copyFailed'));
  }

  return (
    <section className="recovery-codes-panel" aria-labelledby={`${checkId}-title`}>
      <h3 id={`${checkId}-title`} ref={heading} tabIndex={-1}>
        {t('recovery.title')}
      </h3>
      <p>{t('recovery.intro')}</p>
      <ol className="recovery-codes" aria-label={t('recovery.listLabel')}>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="button-row">
        <button type="button" className="button-secondary" onClick={() => void copy()}>
          {t('recovery.copy')}
        </button>
        <button type="button" className="button-secondary" onClick={() => saveText(asText(), 'throughline-recovery-codes.txt')}>
          {t('recovery.download')}
        </button>
        <span className="inline-status" role="status">
          {copyStatus}
        </span>
      </div>
      <div className="field-check">
        <input id={checkId} type="checkbox" checked={saved} onChange={(event) => setSaved(event.target.checked)} />
        <label htmlFor={checkId}>{t('recovery.confirmSaved')}</label>
      </div>
      <button type="button" className="button-primary" disabled={!saved} onClick={onDone}>
        {t('recovery.done')}
      </button>
    </section>
  );
}
