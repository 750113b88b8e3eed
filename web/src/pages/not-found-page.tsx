import { AppLink } from '../components/app-link.js';
import { t } from '../i18n/index.js';

export function NotFoundPage() {
  return (
    <section className="card not-found">
      <h1 tabIndex={-1}>{t('notFound.title')}</h1>
      <p>{t('notFound.body')}</p>
      <p>
        <AppLink to="/">{t('notFound.home')}</AppLink>
      </p>
    </section>
  );
}
