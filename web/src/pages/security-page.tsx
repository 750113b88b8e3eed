// The vulnerability disclosure policy that security.txt's `Policy:` line points to.
import { useEffect, useState } from 'react';
import { t } from '../i18n/index.js';
import { fetchSecurityContacts, type SecurityContact } from '../security-contact.js';

type ContactState = { kind: 'loading' } | { kind: 'found'; contacts: SecurityContact[] } | { kind: 'failed' };

function ReportingContact() {
  const [state, setState] = useState<ContactState>({ kind: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    fetchSecurityContacts(controller.signal).then(
      (contacts) => {
        if (!controller.signal.aborted) setState(contacts.length > 0 ? { kind: 'found', contacts } : { kind: 'failed' });
      },
      () => {
        if (!controller.signal.aborted) setState({ kind: 'failed' });
      },
    );
    return () => controller.abort();
  }, []);

  if (state.kind === 'loading') return <p className="contact">{t('policy.contactLoading')}</p>;
  if (state.kind === 'failed') {
    return (
      <p className="contact">
        {t('policy.contactPublishedIn')} <a href="/.well-known/security.txt">/.well-known/security.txt</a>.
      </p>
    );
  }
  return (
    <p className="contact">
      {t('policy.reportTo')}{' '}
      {state.contacts.map((contact, index) => (
        <span key={contact.uri}>
          {index > 0 && ` ${t('policy.or')} `}
          <a href={contact.uri}>{contact.label}</a>
        </span>
      ))}
      {t('policy.sameAddress')} <a href="/.well-known/security.txt">/.well-known/security.txt</a>.
    </p>
  );
}

export function SecurityPage() {
  return (
    <article className="card prose">
      <h1 tabIndex={-1}>{t('policy.title')}</h1>
      <p className="lead">{t('policy.lead')}</p>

      <h2>{t('policy.howTitle')}</h2>
      <ReportingContact />
      <p>{t('policy.include')}</p>
      <ul>
        <li>{t('policy.includeWhat')}</li>
        <li>{t('policy.includeSteps')}</li>
        <li>{t('policy.includeImpact')}</li>
      </ul>
      <p>{t('policy.languages')}</p>

      <h2>{t('policy.expectTitle')}</h2>
      <ul>
        <li>{t('policy.expectAck')}</li>
        <li>{t('policy.expectUpdates')}</li>
      </ul>

      <h2>{t('policy.rulesTitle')}</h2>
      <ul>
        <li>{t('policy.ruleExploit')}</li>
        <li>{t('policy.ruleData')}</li>
        <li>{t('policy.ruleDos')}</li>
        <li>{t('policy.ruleTime')}</li>
      </ul>

      <h2>{t('policy.harbourTitle')}</h2>
      <p>{t('policy.harbour')}</p>

      <h2>{t('policy.rewardsTitle')}</h2>
      <p>{t('policy.rewards')}</p>
    </article>
  );
}
