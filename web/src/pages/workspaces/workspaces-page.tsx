// The user's workspaces, and a form to create another.
import { useState, type FormEvent } from 'react';
import { workspacesApi } from '../../api/workspaces.js';
import { AppLink } from '../../components/app-link.js';
import { FormAlert, SubmitButton, TextField, useForm } from '../../components/form.js';
import { PageHeader } from '../../components/layout.js';
import { t } from '../../i18n/index.js';
import { navigate } from '../../navigation.js';
import { useMe, useSession } from '../../session.js';
import { ROLE_LABELS, workspacePath } from './workspace-frame.js';

export function WorkspacesPage() {
  const me = useMe();
  const { reload } = useSession();
  const [name, setName] = useState('');
  const form = useForm(['name'] as const);

  function create(event: FormEvent<HTMLFormElement>) {
    const trimmed = name.trim();
    void form.submit(event, 
      () => ({ name: trimmed === '' ? t('workspaces.nameRequired') : undefined }),
      async () => {
        const workspace = await workspacesApi.create({ name: trimmed });
        await reload();
        navigate(workspacePath(workspace.id));
      },
    );
  }

  return (
    <>
      <PageHeader title={t('workspaces.title')} lead={t('workspaces.lead')} />
      {!me.user.emailVerified && (
        <div className="alert alert-info" role="status">
          <p>
            {t('workspaces.verifyEmail', { email: me.user.email })} <AppLink to="/account/security">{t('workspaces.verifyEmailLink')}</AppLink>
          </p>
        </div>
      )}
      <div className="grid grid-wide">
        <section className="card" aria-labelledby="workspace-list-heading">
          <h2 id="workspace-list-heading">{t('workspaces.yours')}</h2>
          {me.workspaces.length === 0 ? (
            <p className="muted">{t('workspaces.none')}</p>
          ) : (
            <ul className="item-list">
              {me.workspaces.map((workspace) => (
                <li key={workspace.id} className="item">
                  <div className="item-main">
                    <p className="item-title">
                      <AppLink to={workspacePath(workspace.id)}>{workspace.name}</AppLink>
                    </p>
                    <p className="item-meta">{t(ROLE_LABELS[workspace.role])}</p>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="workspace-create-heading">
          <h2 id="workspace-create-heading">{t('workspaces.create')}</h2>
          <FormAlert problem={form.errors.form} />
          <form onSubmit={create} noValidate>
            <TextField label={t('workspaces.nameLabel')} name="workspace-name" autoComplete="organization" maxLength={100} value={name} onChange={setName} error={form.fieldError('name')} />
            <div className="form-actions">
              <SubmitButton submitting={form.submitting}>{t('workspaces.createSubmit')}</SubmitButton>
            </div>
          </form>
        </section>
      </div>
    </>
  );
}
