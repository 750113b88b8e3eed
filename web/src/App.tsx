// The app shell: header, navigation and the page for the current path. Pages that need a signed-in
// user send a signed-out visitor to /login?next=<here>, which brings them back afterwards.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { AppLink } from './components/app-link.js';
import { LanguageSwitcher } from './components/language-switcher.js';
import { t } from './i18n/index.js';
import { loginPathReturningHere, navigate, useCurrentPath } from './navigation.js';
import { NOT_FOUND, matchRoute } from './routes.js';
import { SessionProvider, useSession } from './session.js';

export function App() {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const path = useCurrentPath();
  const { state } = useSession();
  const matched = matchRoute(path);
  // A platform-admin page does not exist for anyone else signed in, as /api/admin answers them 404.
  const refused = matched.route.access === 'platform-admin' && state.status === 'signed-in' && !state.me.user.isPlatformAdmin;
  const { route, params } = refused ? { route: NOT_FOUND, params: {} } : matched;
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  const ready = state.status !== 'loading';

  useEffect(() => setDocumentTitle(t(route.title)), [route.title]);

  useEffect(() => {
    // After an in-page navigation, move focus to the new heading so keyboard and screen-reader
    // users start on the new page, as they would after a full load. Not on the first load.
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    if (ready) main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [path, ready]);

  return (
    <>
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <AppLink to="/" className="brand">
            <img src="/favicon.svg" alt="" width="28" height="28" />
            <span>Throughline</span>
          </AppLink>
          <nav aria-label={t('nav.main')}>
            <ul className="nav-list">
              <li>
                <AppLink to="/">{t('nav.overview')}</AppLink>
              </li>
              <li>
                <AppLink to="/security">{t('nav.disclosure')}</AppLink>
              </li>
            </ul>
          </nav>
          <AccountNav />
        </div>
      </header>
      <main id="main" ref={main} className="container site-main" tabIndex={-1}>
        {route.access === 'public' ? route.render(params) : <SignedInOnly>{route.render(params)}</SignedInOnly>}
      </main>
      <footer className="site-footer">
        <div className="container footer-inner">{t('footer.text')}<LanguageSwitcher /></div>
      </footer>
    </>
  );
}

function setDocumentTitle(title: string): void {
  document.title = title;
}

function AccountNav() {
  const session = useSession();
  const [signingOut, setSigningOut] = useState(false);
  const { state } = session;
  if (state.status === 'loading') return <div className="account-nav" />;
  if (state.status !== 'signed-in') {
    return (
      <nav aria-label={t('nav.account')} className="account-nav">
        <ul className="nav-list">
          <li>
            <AppLink to="/login">{t('nav.signIn')}</AppLink>
          </li>
          <li>
            <AppLink to="/signup" className="nav-cta">
              {t('nav.signUp')}
            </AppLink>
          </li>
        </ul>
      </nav>
    );
  }
  async function signOut() {
    setSigningOut(true);
    try {
      await session.signOut();
    } finally {
      setSigningOut(false);
    }
  }
  return (
    <nav aria-label={t('nav.account')} className="account-nav">
      <ul className="nav-list">
        <li>
          <AppLink to="/workspaces">{t('nav.workspaces')}</AppLink>
        </li>
        <li>
          <AppLink to="/account/security">{t('nav.accountSecurity')}</AppLink>
        </li>
        {state.me.user.isPlatformAdmin && (
          <li>
            <AppLink to="/admin">{t('nav.admin')}</AppLink>
          </li>
        )}
        <li>
          <button type="button" className="nav-button" onClick={() => void signOut()} disabled={signingOut}>
            {signingOut ? t('nav.signingOut') : t('nav.signOut')}
          </button>
        </li>
      </ul>
    </nav>
  );
}

function SignedInOnly({ children }: { children: ReactNode }) {
  const session = useSession();
  const { state } = session;

  useEffect(() => {
    if (state.status === 'signed-out') navigate(loginPathReturningHere(), { replace: true });
  }, [state.status]);

  if (state.status === 'signed-in') return children;
  if (state.status === 'unavailable') {
    return (
      <section className="card not-found">
        <h1 tabIndex={-1}>{t('app.unavailableTitle')}</h1>
        <div className="alert alert-error" role="alert">
          <p>{state.error.message}</p>
        </div>
        <button type="button" className="button-secondary" onClick={() => void session.reload()}>
          {t('common.tryAgain')}
        </button>
      </section>
    );
  }
  return (
    <p className="muted" role="status">
      {t('common.loading')}
    </p>
  );
}
