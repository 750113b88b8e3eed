// The vulnerability disclosure policy that security.txt's `Policy:` line points to.
import { useEffect, useState } from 'react';
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

  if (state.kind === 'loading') return <p className="contact">Loading the security contact…</p>;
  if (state.kind === 'failed') {
    return (
      <p className="contact">
        The contact is published in <a href="/.well-known/security.txt">/.well-known/security.txt</a>.
      </p>
    );
  }
  return (
    <p className="contact">
      Report to{' '}
      {state.contacts.map((contact, index) => (
        <span key={contact.uri}>
          {index > 0 && ' or '}
          <a href={contact.uri}>{contact.label}</a>
        </span>
      ))}
      . The same address is published in <a href="/.well-known/security.txt">/.well-known/security.txt</a>.
    </p>
  );
}

export function SecurityPage() {
  return (
    <article className="card prose">
      <h1 tabIndex={-1}>Vulnerability disclosure policy</h1>
      <p className="lead">
        We welcome reports of security weaknesses in this service. If you believe you have found one, please tell us
        privately so we can fix it before it is used against anyone.
      </p>

      <h2>How to report</h2>
      <ReportingContact />
      <p>Please include:</p>
      <ul>
        <li>what you found and where (the URL or endpoint, and the version if you know it);</li>
        <li>the steps to reproduce it, with any proof-of-concept code or requests;</li>
        <li>what an attacker could do with it.</li>
      </ul>
      <p>We read reports in English and Russian.</p>

      <h2>What you can expect from us</h2>
      <ul>
        <li>We acknowledge your report within 5 business days.</li>
        <li>We keep you informed while we investigate and fix the issue.</li>
      </ul>

      <h2>Rules</h2>
      <ul>
        <li>Do not exploit a weakness beyond what is needed to demonstrate it.</li>
        <li>Do not access, modify or delete data that belongs to other users.</li>
        <li>Do not run denial-of-service tests without our written approval.</li>
        <li>Give us a reasonable time to fix the issue before you disclose it publicly.</li>
      </ul>

      <h2>Safe harbour</h2>
      <p>
        If you follow this policy in good faith, we will not pursue legal action against you for your research.
      </p>

      <h2>Rewards</h2>
      <p>
        There is no public bug bounty. We may acknowledge your contribution at our discretion, with your permission.
      </p>
    </article>
  );
}
