// Workspace settings: its name (admins), and whether every member must use two-factor
// authentication (owners). Members without a second factor are then sent to set one up.
// Below them, the analytics settings (components/analytics-settings-sections.tsx).
import { useCallback, useId, useState, type FormEvent } from 'react';
import type { WorkspaceSummary } from '../../api/identity.js';
import { workspacesApi, type WorkspaceDetails } from '../../api/workspaces.js';
import { AnalyticsSettingsSections } from '../../components/analytics-settings-sections.js';
import { FormAlert, Notice, SubmitButton, TextField, useForm } from '../../components/form.js';
import { LoadProblem } from '../../components/load-problem.js';
import { useLoad } from '../../components/use-load.js';
import { t } from '../../i18n/index.js';
import { useMe, useSession } from '../../session.js';
import { WorkspaceFrame, roleAtLeast } from './workspace-frame.js';

export function SettingsPage({ workspaceId }: { workspaceId: string }) {
  return <WorkspaceFrame workspaceId={workspaceId} section="settings">{(workspace) => <Settings workspace={workspace} />}</WorkspaceFrame>;
}

function Settings({ workspace }: { workspace: WorkspaceSummary }) {
  const load = useCallback((signal: AbortSignal) => workspacesApi.get(workspace.id, signal), [workspace.id]);
  const details = useLoad(load);
  if (details.state.kind === 'loading') return <p className="muted">{t('common.loading')}</p>;
  if (details.state.kind === 'failed') return <LoadProblem problem={details.state.problem} onRetry={details.reload} />;
  return (
    <div className="stack">
      <NameForm workspace={workspace} details={details.state.data} onSaved={details.reload} />
      <RequireMfaForm workspace={workspace} details={details.state.data} onSaved={details.reload} />
      <AnalyticsSettingsSections workspaceId={workspace.id} role={workspace.role} />
    </div>
  );
}

function NameForm({ workspace, details, onSaved }: { workspace: WorkspaceSummary; details: WorkspaceDetails; onSaved: () => void }) {
  const { reload } = useSession();
  const [name, setName] = useState(details.name);
  const [saved, setSaved] = useState(false);
  const form = useForm(['name'] as const);
  const canEdit = roleAtLeast(workspace.role, 'admin');

  function submit(event: FormEvent<HTMLFormElement>) {
    setSaved(false);
    const trimmed = name.trim();
    void form.submit(event, 
      () => ({ name: trimmed === '' ? t('workspaces.nameRequired') : undefined }),
      async () => {
        await workspacesApi.update(workspace.id, { name: trimmed });
        setSaved(true);
        onSaved();
        await reload();
      },
    );
  }

  return (
    <section className="card" aria-labelledby="name-heading">
      <h2 id="name-heading">{t('settings.nameTitle')}</h2>
      {saved && (
        <Notice>
          <p>{t('settings.saved')}</p>
        </Notice>
      )}
      <FormAlert problem={form.errors.form} />
      <form onSubmit={submit} noValidate className="form-narrow">
        <TextField label={t('workspaces.nameLabel')} name="workspace-name" autoComplete="organization" maxLength={100} value={name} onChange={setName} error={form.fieldError('name')} disabled={!canEdit} />
        {canEdit ? (
          <div className="form-actions">
            <SubmitButton submitting={form.submitting} busyLabel={t('form.saving')}>
              {t('form.save')}
            </SubmitButton>
          </div>
        ) : (
          <p className="muted">{t('settings.adminsOnly')}</p>
        )}
      </form>
    </section>
  );
}

function RequireMfaForm({ workspace, details, onSaved }: { workspace: WorkspaceSummary; details: WorkspaceDetails; onSaved: () => void }) {
  const me = useMe();
  const [requireMfa, setRequireMfa] = useState(details.requireMfa);
  const [saved, setSaved] = useState(false);
  const form = useForm(['requireMfa'] as const);
  const checkId = useId();
  const isOwner = workspace.role === 'owner';
  const iHaveTwoFactor = me.user.twoFactorEnabled;

  function submit(event: FormEvent<HTMLFormElement>) {
    setSaved(false);
    void form.submit(event, 
      () => ({ requireMfa: requireMfa && !iHaveTwoFactor ? t('settings.requireMfaSelfFirst') : undefined }),
      async () => {
        await workspacesApi.update(workspace.id, { requireMfa });
        setSaved(true);
        onSaved();
      },
    );
  }

  const error = form.fieldError('requireMfa');
  return (
    <section className="card" aria-labelledby="mfa-policy-heading">
      <h2 id="mfa-policy-heading">{t('settings.mfaTitle')}</h2>
      <p>{t('settings.mfaIntro')}</p>
      {saved && (
        <Notice>
          <p>{requireMfa ? t('settings.mfaOnSaved') : t('settings.mfaOffSaved')}</p>
        </Notice>
      )}
      <FormAlert problem={form.errors.form} />
      <form onSubmit={submit} noValidate>
        <div className="field-check">
          <input
            id={checkId}
            type="checkbox"
            checked={requireMfa}
            onChange={(event) => setRequireMfa(event.target.checked)}
            disabled={!isOwner}
            aria-invalid={error === undefined ? undefined : true}
            aria-describedby={error === undefined ? `${checkId}-help` : `${checkId}-help ${checkId}-error`}
          />
          <label htmlFor={checkId}>{t('settings.requireMfa')}</label>
        </div>
        <p id={`${checkId}-help`} className="field-description">
          {t('settings.requireMfaHelp')}
        </p>
        {error !== undefined && (
          <p id={`${checkId}-error`} className="field-error">
            {error.message}
          </p>
        )}
        {isOwner ? (
          <div className="form-actions">
            <SubmitButton submitting={form.submitting} busyLabel={t('form.saving')}>
              {t('form.save')}
            </SubmitButton>
          </div>
        ) : (
          <p className="muted">{t('settings.ownersOnly')}</p>
        )}
      </form>
    </section>
  );
}
