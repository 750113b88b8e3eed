// Form building blocks shared by every page: labelled fields whose errors are tied to the input
// (aria-invalid + aria-describedby), one alert per form that screen readers announce, and a hook
// that runs a submission, maps the server's error onto the fields and moves focus to the first problem.
import { useEffect, useId, useRef, useState, type ChangeEvent, type FormEvent, type HTMLAttributes, type ReactNode, type RefObject } from 'react';
import { ApiError } from '../api/client.js';
import { t } from '../i18n/index.js';

export interface FieldError {
  message: string;
  hints: string[];
}

export interface FormProblem {
  message: string;
  requestId: string | undefined;
}

export interface FormErrors<F extends string> {
  form: FormProblem | undefined;
  fields: Partial<Record<F, FieldError>>;
}

interface TextFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: FieldError | undefined;
  description?: ReactNode;
  type?: 'text' | 'email' | 'password' | 'search';
  name?: string;
  autoComplete?: string;
  inputMode?: HTMLAttributes<HTMLInputElement>['inputMode'];
  maxLength?: number;
  required?: boolean;
  spellCheck?: boolean;
  inputRef?: RefObject<HTMLInputElement | null>;
  className?: string;
  disabled?: boolean;
}

export function TextField({ label, value, onChange, error, description, type = 'text', inputRef, className, required = true, ...input }: TextFieldProps) {
  const id = useId();
  const describedBy = [description === undefined ? undefined : `${id}-description`, error === undefined ? undefined : `${id}-error`].filter(Boolean).join(' ');
  return (
    <div className={`field${className === undefined ? '' : ` ${className}`}`}>
      <label htmlFor={id}>
        {label}
        {!required && <span className="field-optional"> {t('form.optional')}</span>}
      </label>
      {description !== undefined && (
        <div id={`${id}-description`} className="field-description">
          {description}
        </div>
      )}
      <input
        id={id}
        ref={inputRef}
        type={type}
        value={value}
        onChange={(event: ChangeEvent<HTMLInputElement>) => onChange(event.target.value)}
        aria-invalid={error === undefined ? undefined : true}
        aria-describedby={describedBy === '' ? undefined : describedBy}
        aria-required={required}
        {...input}
      />
      {error !== undefined && <FieldErrorText id={`${id}-error`} error={error} />}
    </div>
  );
}

export function FieldErrorText({ id, error }: { id: string; error: FieldError }) {
  return (
    <div id={id} className="field-error">
      <p>{error.message}</p>
      {error.hints.length > 0 && (
        <ul>
          {error.hints.map((hint) => (
            <li key={hint}>{hint}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

interface SelectFieldProps<V extends string> {
  label: string;
  value: V;
  options: readonly { value: V; label: string }[];
  onChange: (value: V) => void;
  error?: FieldError | undefined;
  description?: ReactNode;
  disabled?: boolean;
  className?: string;
}

export function SelectField<V extends string>({ label, value, options, onChange, error, description, disabled, className }: SelectFieldProps<V>) {
  const id = useId();
  const describedBy = [description === undefined ? undefined : `${id}-description`, error === undefined ? undefined : `${id}-error`].filter(Boolean).join(' ');
  return (
    <div className={`field${className === undefined ? '' : ` ${className}`}`}>
      <label htmlFor={id}>{label}</label>
      {description !== undefined && (
        <div id={`${id}-description`} className="field-description">
          {description}
        </div>
      )}
      <select
        id={id}
        value={value}
        disabled={disabled}
        onChange={(event) => onChange(options.find((o) => o.value === event.target.value)?.value ?? value)}
        aria-invalid={error === undefined ? undefined : true}
        aria-describedby={describedBy === '' ? undefined : describedBy}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {error !== undefined && <FieldErrorText id={`${id}-error`} error={error} />}
    </div>
  );
}

/** The form's error, announced when it appears (role=alert) and focusable so focus can go to it. */
export function FormAlert({ problem }: { problem: FormProblem | undefined }) {
  if (problem === undefined) return null;
  return (
    <div className="alert alert-error" role="alert" tabIndex={-1} data-form-alert="">
      <p>{problem.message}</p>
      {problem.requestId !== undefined && <p className="alert-meta">{t('error.requestId', { requestId: problem.requestId })}</p>}
    </div>
  );
}

/** A success or progress message, read out politely (role=status). */
export function Notice({ children, tone = 'success' }: { children: ReactNode; tone?: 'success' | 'info' | 'warning' }) {
  return (
    <div className={`alert alert-${tone}`} role="status">
      {children}
    </div>
  );
}

export function SubmitButton({ submitting, children, busyLabel, className = 'button-primary' }: { submitting: boolean; children: ReactNode; busyLabel?: string; className?: string }) {
  return (
    <button type="submit" className={className} disabled={submitting} aria-disabled={submitting}>
      {submitting ? (busyLabel ?? t('form.working')) : children}
    </button>
  );
}

export function problemOf(error: unknown): FormProblem {
  // The request id helps support find a server fault; for the user's own mistakes it is noise.
  if (error instanceof ApiError) return { message: error.message, requestId: error.status >= 500 ? error.requestId : undefined };
  return { message: t('error.unexpected'), requestId: undefined };
}

/** Moves focus to the first invalid field of `container`, else to its alert. */
export function focusFirstProblem(container: HTMLElement | null): void {
  if (container === null) return;
  const target = container.querySelector<HTMLElement>('[aria-invalid="true"]') ?? container.querySelector<HTMLElement>('[data-form-alert]');
  target?.focus();
}

export type Validation<F extends string> = Partial<Record<F, string>>;

export interface FormController<F extends string> {
  submitting: boolean;
  errors: FormErrors<F>;
  fieldError(field: F): FieldError | undefined;
  /**
   * For the form's submit event: validates locally, then runs `action`; an ApiError becomes the
   * form's alert plus field errors (the server's `details`), and focus moves to the first problem
   * inside the submitted form. Never throws.
   */
  submit(event: FormEvent<HTMLElement>, validate: () => Validation<F>, action: () => Promise<void>): Promise<void>;
  reset(): void;
}

export interface FormOptions<F extends string> {
  /** Server field names that mean one of this form's fields (`{ password: 'newPassword' }`). */
  aliases?: Readonly<Record<string, F>>;
  /** Error codes that are about one field (`{ 'auth.mfa_invalid': 'code' }`): its message goes there too. */
  codeFields?: Readonly<Record<string, F>>;
}

/**
 * @param fields the form's fields, by the names the server uses in error details (`body/<name>`).
 */
export function useForm<F extends string>(fields: readonly F[], options: FormOptions<F> = {}): FormController<F> {
  const aliases = options.aliases ?? {};
  const codeFields = options.codeFields ?? {};
  // The submitted form: where focus goes looking for the first problem.
  const container = useRef<HTMLElement | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [errors, setErrors] = useState<FormErrors<F>>({ form: undefined, fields: {} });
  // Bumped when problems are shown; the effect then moves focus once they are rendered.
  const [focusRequest, setFocusRequest] = useState(0);
  const busy = useRef(false);

  useEffect(() => {
    if (focusRequest > 0) focusFirstProblem(container.current);
  }, [focusRequest]);

  function toField(name: string): F | undefined {
    if (Object.hasOwn(aliases, name)) return aliases[name];
    return (fields as readonly string[]).includes(name) ? (name as F) : undefined;
  }

  function fromError(error: unknown): FormErrors<F> {
    const next: FormErrors<F> = { form: problemOf(error), fields: {} };
    if (!(error instanceof ApiError)) return next;
    const codeField = Object.hasOwn(codeFields, error.code) ? codeFields[error.code] : undefined;
    if (codeField !== undefined) next.fields[codeField] = { message: error.message, hints: [] };
    for (const problem of error.fieldProblems()) {
      const field = toField(problem.field);
      if (field === undefined || next.fields[field] !== undefined) continue;
      // A weak password: the headline is the error's message; the field lists what would help.
      next.fields[field] =
        error.code === 'auth.password_weak'
          ? { message: error.message, hints: problem.hints.filter((hint) => hint !== error.message) }
          : { message: problem.message, hints: problem.hints };
    }
    return next;
  }

  return {
    submitting,
    errors,
    fieldError: (field) => errors.fields[field],
    async submit(event, validate, action) {
      event.preventDefault();
      // The form's card, so a form-level alert rendered just above the <form> is found too.
      container.current = event.currentTarget.closest<HTMLElement>('section, .card, [data-form-scope]') ?? event.currentTarget;
      if (busy.current) return;
      const local = validate();
      const invalid = Object.entries(local).filter((entry): entry is [F, string] => typeof entry[1] === 'string');
      if (invalid.length > 0) {
        const fieldErrors: Partial<Record<F, FieldError>> = {};
        for (const [field, message] of invalid) fieldErrors[field] = { message, hints: [] };
        setErrors({ form: undefined, fields: fieldErrors });
        setFocusRequest((n) => n + 1);
        return;
      }
      busy.current = true;
      setSubmitting(true);
      setErrors({ form: undefined, fields: {} });
      try {
        await action();
      } catch (error) {
        setErrors(fromError(error));
        setFocusRequest((n) => n + 1);
      } finally {
        busy.current = false;
        setSubmitting(false);
      }
    },
    reset() {
      setErrors({ form: undefined, fields: {} });
    },
  };
}

/** A simple check for an email address; the server is the judge, this only catches typos early. */
export function looksLikeEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim());
}
