// Finishes connecting a provider. The provider sends the browser to our OAuth callback, which moves
// `code`, `state` (and amoCRM's `referer`) into this page's URL fragment; this page POSTs them, now
// same-site and so with the session cookies and CSRF headers, then goes to the workspace's
// integrations page. A declined consent or a stale attempt is explained in plain words.
import { useEffect, useRef, useState } from 'react';
import { integrationsApi } from '../api/integrations.js';
import { AppLink } from '../components/app-link.js';
import { problemOf, type FormProblem } from '../components/form.js';
import { leaveIntegrationsNotice } from '../components/integrations-notice.js';
import { AuthCard } from '../components/layout.js';
import { t } from '../i18n/index.js';
import { landingParamsFor, navigate } from '../navigation.js';
import { useMe } from '../session.js';
import { workspacePath } from './workspaces/workspace-frame.js';

const COMPLETE_PATH = '/integrations/oauth/complete';

interface Handback {
  code: string | undefined;
  state: string | undefined;
  /** amoCRM: the account's host, which its API lives on. */
  referer: string | undefined;
  /** The provider's error (`access_denied` when the person declined), or the callback's `missing_code`. */
  error: string | undefined;
}

/**
 * SECURITY: the authorisation code must not linger in the address bar, the history entry, a bookmark
 * or a screenshot. main.tsx's captureLandingToken() removes the whole fragment before anything
 * renders and keeps its parameters for the page this load landed on; it was never sent to a server
 * either (fragments are not), so it reached no log.
 */
function readHandback(): Handback | undefined {
  const params = landingParamsFor(COMPLETE_PATH);
  if (params === undefined) return undefined;
  const get = (name: string) => {
    const value = params.get(name);
    return value === null || value === '' ? undefined : value;
  };
  return { code: get('code'), state: get('state'), referer: get('referer'), error: get('error') };
}

type Outcome = { kind: 'working' } | { kind: 'failed'; problem: FormProblem };

/** One exchange per state, even if React mounts the page twice: a code works once. */
const completions = new Map<string, ReturnType<typeof integrationsApi.completeConnect>>();

/** A provider's error code in words; the code itself is shown (shortened) only when it is not a known one. */
function providerProblem(error: string): FormProblem {
  if (error === 'access_denied') return { message: t('oauth.declined'), requestId: undefined };
  if (error === 'missing_code') return { message: t('oauth.missingCode'), requestId: undefined };
  return { message: t('oauth.providerError', { code: error.slice(0, 80) }), requestId: undefined };
}

function initialOutcome(handback: Handback | undefined): Outcome {
  if (handback === undefined) return { kind: 'failed', problem: { message: t('oauth.nothingToFinish'), requestId: undefined } };
  if (handback.error !== undefined) return { kind: 'failed', problem: providerProblem(handback.error) };
  if (handback.code === undefined || handback.state === undefined) return { kind: 'failed', problem: providerProblem('missing_code') };
  return { kind: 'working' };
}

export function OAuthCompletePage() {
  const me = useMe();
  const [handback] = useState(readHandback);
  const [outcome, setOutcome] = useState<Outcome>(() => initialOutcome(handback));
  const result = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (handback?.code === undefined || handback.state === undefined || handback.error !== undefined) return;
    const { code, state, referer } = handback;
    let current = true;
    let completion = completions.get(state);
    if (completion === undefined) {
      completion = integrationsApi.completeConnect({ code, state, ...(referer === undefined ? {} : { accountDomain: referer }) });
      completions.set(state, completion);
    }
    completion.then(
      ({ workspaceId, integration }) => {
        if (!current) return;
        leaveIntegrationsNotice(workspaceId, t('oauth.connected', { name: integration.displayName }));
        navigate(workspacePath(workspaceId, 'integrations'), { replace: true });
      },
      (error: unknown) => {
        if (current) setOutcome({ kind: 'failed', problem: problemOf(error) });
      },
    );
    return () => {
      current = false;
    };
  }, [handback]);

  useEffect(() => {
    if (outcome.kind === 'failed') result.current?.focus();
  }, [outcome.kind]);

  // The state names the workspace it was started for; go back there if this person is a member.
  const claimedWorkspace = handback?.state?.split('.')[0];
  const workspace = me.workspaces.find((w) => w.id === claimedWorkspace);

  return (
    <AuthCard title={outcome.kind === 'working' ? t('oauth.workingTitle') : t('oauth.failedTitle')}>
      {outcome.kind === 'working' ? (
        <p role="status" className="muted">
          {t('oauth.working')}
        </p>
      ) : (
        <div ref={result} tabIndex={-1}>
          <div className="alert alert-error" role="alert">
            <p>{outcome.problem.message}</p>
            {outcome.problem.requestId !== undefined && <p className="alert-meta">{t('error.requestId', { requestId: outcome.problem.requestId })}</p>}
          </div>
          <p>
            {workspace === undefined ? (
              <AppLink to="/workspaces">{t('oauth.backToWorkspaces')}</AppLink>
            ) : (
              <AppLink to={workspacePath(workspace.id, 'integrations')}>{t('oauth.backToIntegrations', { workspace: workspace.name })}</AppLink>
            )}
          </p>
        </div>
      )}
    </AuthCard>
  );
}
