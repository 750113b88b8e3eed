// The landing page: what Throughline is, whether this server is healthy, and where to read more.
import { AppLink } from '../components/app-link.js';
import { StatusCard } from '../components/status-card.js';
import { t, type MessageKey } from '../i18n/index.js';

const SOURCES: readonly { kind: MessageKey; names: MessageKey }[] = [
  { kind: 'home.sourceAds', names: 'home.sourceAdsNames' },
  { kind: 'home.sourceCrm', names: 'home.sourceCrmNames' },
  { kind: 'home.sourceAnalytics', names: 'home.sourceAnalyticsNames' },
];

// The abbreviations are the same in every language the product speaks to marketers in.
const METRICS: readonly { abbr: string; title: MessageKey }[] = [
  { abbr: 'CPL', title: 'home.metricCpl' },
  { abbr: 'CAC', title: 'home.metricCac' },
  { abbr: 'ROMI', title: 'home.metricRomi' },
  { abbr: 'ROAS', title: 'home.metricRoas' },
  { abbr: 'LTV', title: 'home.metricLtv' },
];

export function HomePage() {
  return (
    <>
      <div className="intro">
        <h1 tabIndex={-1}>{t('home.title')}</h1>
        <p className="lead">{t('home.lead')}</p>
      </div>

      <div className="grid">
        <StatusCard />

        <section className="card" aria-labelledby="about-heading">
          <h2 id="about-heading">{t('home.aboutTitle')}</h2>
          <p>{t('home.aboutIntro')}</p>
          <dl className="source-list">
            {SOURCES.map((source) => (
              <div key={source.kind}>
                <dt>{t(source.kind)}</dt>
                <dd>{t(source.names)}</dd>
              </div>
            ))}
          </dl>
          <p>{t('home.joinIntro')}</p>
          <ul className="metric-list">
            {METRICS.map((metric) => (
              <li key={metric.abbr}>
                <abbr title={t(metric.title)}>{metric.abbr}</abbr>
                <span>{t(metric.title)}</span>
              </li>
            ))}
          </ul>
        </section>
      </div>

      <section className="card" aria-labelledby="resources-heading">
        <h2 id="resources-heading">{t('home.resourcesTitle')}</h2>
        <ul className="resource-list">
          <li>
            <AppLink to="/security">{t('home.resourcePolicy')}</AppLink>
            <span>{t('home.resourcePolicyHelp')}</span>
          </li>
          <li>
            <a href="/api/openapi.json">{t('home.resourceOpenApi')}</a>
            <span>{t('home.resourceOpenApiHelp')}</span>
          </li>
          <li>
            <a href="/.well-known/security.txt">{t('home.resourceSecurityTxt')}</a>
            <span>{t('home.resourceSecurityTxtHelp')}</span>
          </li>
        </ul>
      </section>
    </>
  );
}
