import { AppLink } from '../components/app-link.js';

export function NotFoundPage() {
  return (
    <section className="card not-found">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>There is no page at this address.</p>
      <p>
        <AppLink to="/">Go to the home page</AppLink>
      </p>
    </section>
  );
}
