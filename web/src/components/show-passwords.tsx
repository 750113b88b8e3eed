// A "show password" switch: a real checkbox, so it is labelled, focusable and announced as checked.
import { useId } from 'react';
import { t } from '../i18n/index.js';

export function ShowPasswords({ checked, onChange, plural = false }: { checked: boolean; onChange: (checked: boolean) => void; plural?: boolean }) {
  const id = useId();
  return (
    <div className="field-check">
      <input id={id} type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <label htmlFor={id}>{t(plural ? 'password.showAll' : 'password.show')}</label>
    </div>
  );
}
