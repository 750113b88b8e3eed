// The landing page: what Throughline is, whether this server is healthy, and where to read more.
import { AppLink } from '../components/app-link.js';
import { StatusCard } from '../components/status-card.js';

const SOURCES = [
  { kind: 'Ad accounts', names: 'Meta, Google Ads, Yandex Direct, VK, TikTok' },
  { kind: 'CRM', names: 'amoCRM, Bitrix24, HubSpot' },
  { kind: 'Web analytics', names: 'Google Analytics 4, Yandex Metrica' },
];

const METRICS = [
  { abbr: 'CPL', title: 'Cost per lead' },
  { abbr: 'CAC', title: 'Customer acquisition cost' },
  { abbr: 'ROMI', title: 'Return on marketing investment' },
  { abbr: 'ROAS', title: 'Return on ad spend' },
  { abbr: 'LTV', title: 'Customer lifetime value' },
];

export function HomePage() {
  return (
    <>
      <div className="intro">
        <h1 tabIndex={-1}>End-to-end marketing analytics</h1>
        <p className="lead">
          Throughline follows every lead from the ad that was clicked to the deal that closed, on a server you run
          yourself.
        </p>
      </div>

      <div className="grid">
        <StatusCard />

        <section className="card" aria-labelledby="about-heading">
          <h2 id="about-heading">What it does</h2>
          <p>It connects the systems your marketing spend and revenue already live in:</p>
          <dl className="source-list">
            {SOURCES.map((source) => (
              <div key={source.kind}>
                <dt>{source.kind}</dt>
                <dd>{source.names}</dd>
              </div>
            ))}
          </dl>
          <p>
            Clicks, leads and deals are joined by UTM tags and click identifiers, so each campaign is measured by the
            revenue it brought in:
          </p>
          <ul className="metric-list">
            {METRICS.map((metric) => (
              <li key={metric.abbr}>
                <abbr title={metric.title}>{metric.abbr}</abbr>
                <span>{metric.title}</span>
              </li>
            ))}
          </ul>
        </section>
      </div>

      <section className="card" aria-labelledby="resources-heading">
        <h2 id="resources-heading">Resources</h2>
        <ul className="resource-list">
          <li>
            <AppLink to="/security">Vulnerability disclosure policy</AppLink>
            <span>How to report a security issue, and what we promise in return.</span>
          </li>
          <li>
            <a href="/api/openapi.json">OpenAPI description</a>
            <span>The HTTP API, machine-readable.</span>
          </li>
          <li>
            <a href="/.well-known/security.txt">security.txt</a>
            <span>The security contact, in the RFC 9116 format.</span>
          </li>
        </ul>
      </section>
    </>
  );
}
