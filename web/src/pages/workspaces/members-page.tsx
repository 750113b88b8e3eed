// People in a workspace: members and their roles, invitations by email, and pending invitations.
// Controls appear by role (admins manage people; only owners touch the owner role); the server
// checks every change again.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { WorkspaceRole, WorkspaceSummary } from '../../api/identity.js';
import { workspacesApi, type Invitation, type InvitationRole, type Member } from '../../api/workspaces.js';
import { FormAlert, Notice, SelectField, SubmitButton, TextField, looksLikeEmail, problemOf, useForm, type FormProblem } from '../../components/form.js';
import { LoadProblem } from '../../components/load-problem.js';
import { useLoad } from '../../components/use-load.js';
import { formatDateTime, t } from '../../i18n/index.js';
import { navigate } from '../../navigation.js';
import { useMe, useSession } from '../../session.js';
import { ROLE_LABELS, WorkspaceFrame, roleAtLeast } from './workspace-frame.js';

const INVITABLE: readonly InvitationRole[] = ['admin', 'analyst', 'viewer'];
const ALL_ROLES: readonly WorkspaceRole[] = ['owner', 'admin', 'analyst', 'viewer'];

export function MembersPage({ workspaceId }: { workspaceId: string }) {
  return <WorkspaceFrame workspaceId={workspaceId} section="members">{(workspace) => <Members workspace={workspace} />}</WorkspaceFrame>;
}

function Members({ workspace }: { workspace: WorkspaceSummary }) {
  const canManage = roleAtLeast(workspace.role, 'admin');
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const loadMembers = useCallback((signal: AbortSignal) => workspacesApi.members(workspace.id, signal), [workspace.id]);
  const members = useLoad(loadMembers);
  const loadInvitations = useCallback(
    (signal: AbortSignal) => (canManage ? workspacesApi.invitations(workspace.id, signal) : Promise.resolve({ invitations: [] as Invitation[] })),
    [workspace.id, canManage],
  );
  const invitations = useLoad(loadInvitations);

  return (
    <div className="stack">
      {notice !== undefined && (
        <Notice>
          <p>{notice}</p>
        </Notice>
      )}
      <section className="card" aria-labelledby="members-heading">
        <h2 id="members-heading">{t('members.title')}</h2>
        {members.state.kind === 'loading' && <p className="muted">{t('common.loading')}</p>}
        {members.state.kind === 'failed' && <LoadProblem problem={members.state.problem} onRetry={members.reload} />}
        {members.state.kind === 'loaded' && (
          <div className="table-scroll">
            <table className="data-table">
              <caption className="visually-hidden">{t('members.caption', { workspace: workspace.name })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('members.name')}</th>
                  <th scope="col">{t('members.role')}</th>
                  <th scope="col">{t('members.twoFactor')}</th>
                  <th scope="col">{t('members.joined')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {members.state.data.members.map((member) => (
                  <MemberRow
                    key={member.id}
                    workspace={workspace}
                    member={member}
                    onChanged={(message) => {
                      setNotice(message);
                      members.reload();
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {canManage && (
        <>
          <InviteForm
            workspace={workspace}
            onInvited={(email) => {
              setNotice(t('invitations.sent', { email }));
              invitations.reload();
            }}
          />
          <section className="card" aria-labelledby="invitations-heading">
            <h2 id="invitations-heading">{t('invitations.pendingTitle')}</h2>
            {invitations.state.kind === 'loading' && <p className="muted">{t('common.loading')}</p>}
            {invitations.state.kind === 'failed' && <LoadProblem problem={invitations.state.problem} onRetry={invitations.reload} />}
            {invitations.state.kind === 'loaded' &&
              (invitations.state.data.invitations.length === 0 ? (
                <p className="muted">{t('invitations.none')}</p>
              ) : (
                <ul className="item-list">
                  {invitations.state.data.invitations.map((invitation) => (
                    <InvitationItem
                      key={invitation.id}
                      workspaceId={workspace.id}
                      invitation={invitation}
                      onRevoked={() => {
                        setNotice(t('invitations.revoked', { email: invitation.email }));
                        invitations.reload();
                      }}
                    />
                  ))}
                </ul>
              ))}
          </section>
        </>
      )}
    </div>
  );
}

function MemberRow({ workspace, member, onChanged }: { workspace: WorkspaceSummary; member: Member; onChanged: (message: string) => void }) {
  const me = useMe();
  const { reload } = useSession();
  const [role, setRole] = useState<WorkspaceRole>(member.role);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);
  const isMe = member.id === me.user.id;
  const isOwner = workspace.role === 'owner';
  // Admins manage admins and below; only an owner grants or takes away the owner role.
  const canChangeRole = !isMe && roleAtLeast(workspace.role, 'admin') && (isOwner || member.role !== 'owner');
  const canRemove = isMe || (roleAtLeast(workspace.role, 'admin') && (isOwner || member.role !== 'owner'));
  const roleOptions = ALL_ROLES.filter((r) => isOwner || r !== 'owner').map((r) => ({ value: r, label: t(ROLE_LABELS[r]) }));
  const problemRef = useRef<HTMLTableCellElement>(null);

  useEffect(() => {
    if (problem !== undefined) problemRef.current?.querySelector<HTMLElement>('[data-form-alert]')?.focus();
  }, [problem]);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setProblem(undefined);
    try {
      await action();
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  }

  const applyRole = () =>
    run(async () => {
      await workspacesApi.changeRole(workspace.id, member.id, role);
      onChanged(t('members.roleChanged', { name: member.name, role: t(ROLE_LABELS[role]) }));
    });

  const remove = () =>
    run(async () => {
      await workspacesApi.removeMember(workspace.id, member.id);
      if (isMe) {
        await reload();
        navigate('/workspaces');
        return;
      }
      onChanged(t('members.removed', { name: member.name }));
    });

  return (
    <tr>
      <th scope="row">
        <span className="device-name">{member.name}</span>
        {isMe && <span className="badge badge-pending badge-inline">{t('members.you')}</span>}
        <br />
        <span className="muted small">{member.email}</span>
      </th>
      <td>
        {canChangeRole ? (
          <div className="inline-controls">
            <SelectField label={t('members.roleOf', { name: member.name })} className="field-compact label-hidden" value={role} options={roleOptions} onChange={setRole} disabled={busy} />
            {role !== member.role && (
              <button type="button" className="button-secondary" onClick={() => void applyRole()} disabled={busy}>
                {t('members.applyRole')}
              </button>
            )}
          </div>
        ) : (
          t(ROLE_LABELS[member.role])
        )}
      </td>
      <td>
        <span className={`badge ${member.twoFactorEnabled ? 'badge-good' : 'badge-pending'}`}>{member.twoFactorEnabled ? t('totp.on') : t('totp.off')}</span>
      </td>
      <td>{formatDateTime(member.joinedAt)}</td>
      <td className="cell-actions" ref={problemRef}>
        <FormAlert problem={problem} />
        {canRemove &&
          (confirming ? (
            <div className="confirm-inline" role="group" aria-label={isMe ? t('members.confirmLeaveLabel') : t('members.confirmRemoveLabel', { name: member.name })}>
              <span>{isMe ? t('members.confirmLeave') : t('members.confirmRemove', { name: member.name })}</span>
              <button type="button" className="button-danger" onClick={() => void remove()} disabled={busy}>
                {isMe ? t('members.leave') : t('members.remove')}
              </button>
              <button type="button" className="button-secondary" onClick={() => setConfirming(false)} disabled={busy}>
                {t('form.cancel')}
              </button>
            </div>
          ) : (
            <button type="button" className="button-danger-quiet" onClick={() => setConfirming(true)} aria-label={isMe ? t('members.leave') : t('members.removeNamed', { name: member.name })}>
              {isMe ? t('members.leave') : t('members.remove')}
            </button>
          ))}
      </td>
    </tr>
  );
}

function InviteForm({ workspace, onInvited }: { workspace: WorkspaceSummary; onInvited: (email: string) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<InvitationRole>('viewer');
  const form = useForm(['email', 'role'] as const);

  function submit(event: FormEvent<HTMLFormElement>) {
    const trimmed = email.trim();
    void form.submit(event, 
      () => ({ email: trimmed === '' ? t('invitations.emailRequired') : looksLikeEmail(trimmed) ? undefined : t('form.emailInvalid') }),
      async () => {
        await workspacesApi.invite(workspace.id, { email: trimmed, role });
        setEmail('');
        onInvited(trimmed);
      },
    );
  }

  return (
    <section className="card" aria-labelledby="invite-heading">
      <h2 id="invite-heading">{t('invitations.title')}</h2>
      <p>{t('invitations.intro')}</p>
      <FormAlert problem={form.errors.form} />
      <form onSubmit={submit} noValidate className="form-row">
        <TextField label={t('field.email')} type="email" name="invite-email" autoComplete="off" spellCheck={false} value={email} onChange={setEmail} error={form.fieldError('email')} />
        <SelectField
          label={t('members.role')}
          value={role}
          options={INVITABLE.map((r) => ({ value: r, label: t(ROLE_LABELS[r]) }))}
          onChange={setRole}
          error={form.fieldError('role')}
        />
        <div className="form-actions">
          <SubmitButton submitting={form.submitting} busyLabel={t('form.sending')}>
            {t('invitations.submit')}
          </SubmitButton>
        </div>
      </form>
      <p className="muted small">{t('invitations.roleHelp')}</p>
    </section>
  );
}

function InvitationItem({ workspaceId, invitation, onRevoked }: { workspaceId: string; invitation: Invitation; onRevoked: () => void }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);

  async function revoke() {
    setBusy(true);
    setProblem(undefined);
    try {
      await workspacesApi.revokeInvitation(workspaceId, invitation.id);
      onRevoked();
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="item">
      <div className="item-main">
        <p className="item-title">{invitation.email}</p>
        <p className="item-meta">
          {t('invitations.meta', { role: t(ROLE_LABELS[invitation.role]), sent: formatDateTime(invitation.createdAt), expires: formatDateTime(invitation.expiresAt) })}
        </p>
        <FormAlert problem={problem} />
      </div>
      <div className="item-actions">
        <button type="button" className="button-danger-quiet" onClick={() => void revoke()} disabled={busy} aria-label={t('invitations.revokeNamed', { email: invitation.email })}>
          {busy ? t('form.working') : t('invitations.revoke')}
        </button>
      </div>
    </li>
  );
}
