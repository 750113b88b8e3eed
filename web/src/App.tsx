// The app shell: header, navigation and the page for the current path.
import { useEffect, useRef, type ComponentType } from 'react';
import { AppLink } from './components/app-link.js';
import { useCurrentPath } from './navigation.js';
import { HomePage } from './pages/home-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { SecurityPage } from './pages/security-page.js';

const PAGES: Record<string, { title: string; Page: ComponentType }> = {
  '/': { title: 'Throughline — end-to-end marketing analytics', Page: HomePage },
  '/security': { title: 'Vulnerability disclosure policy — Throughline', Page: SecurityPage },
};
const NOT_FOUND = { title: 'Page not found — Throughline', Page: NotFoundPage };

export function App() {
  const path = useCurrentPath();
  const { title, Page } = PAGES[path] ?? NOT_FOUND;
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    document.title = title;
    // After an in-page navigation, move focus to the new heading so keyboard and screen-reader
    // users start on the new page, as they would after a full load. Not on the first load.
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [path, title]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <AppLink to="/" className="brand">
            <img src="/favicon.svg" alt="" width="28" height="28" />
            <span>Throughline</span>
          </AppLink>
          <nav aria-label="Main">
            <ul className="nav-list">
              <li>
                <AppLink to="/">Overview</AppLink>
              </li>
              <li>
                <AppLink to="/security">Security</AppLink>
              </li>
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" ref={main} className="container site-main" tabIndex={-1}>
        <Page />
      </main>
      <footer className="site-footer">
        <div className="container">Throughline · self-hosted marketing analytics</div>
      </footer>
    </>
  );
}
