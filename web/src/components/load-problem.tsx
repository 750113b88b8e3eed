import { t } from '../i18n/index.js';
import type { FormProblem } from './form.js';

/** A failed load: what the server said, and a way to try again. */
export function LoadProblem({ problem, onRetry }: { problem: FormProblem; onRetry: () => void }) {
  return (
    <div className="alert alert-error" role="alert">
      <p>{problem.message}</p>
      {problem.requestId !== undefined && <p className="alert-meta">{t('error.requestId', { requestId: problem.requestId })}</p>}
      <button type="button" className="button-secondary" onClick={onRetry}>
        {t('common.tryAgain')}
      </button>
    </div>
  );
}
