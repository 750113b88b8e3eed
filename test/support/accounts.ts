// People for HTTP tests, made the way users make themselves: sign up, confirm the emailed link,
// sign in, optionally turn on TOTP. Each person gets their own client address, so one test's
// brute-force counters never touch another's.
import { generate } from 'otplib';
import { expect } from 'vitest';
import { readOutbox, type OutboxMessage } from '../../src/mail/index.js';
import type { TestApp } from './app.js';
import { TestClient } from './http-client.js';

/** Strong enough for the zxcvbn policy. */
export const PASSWORD = 'Glacier-Orbit-Tandem-42';

export interface Person {
  client: TestClient;
  userId: string;
  email: string;
  /** The personal workspace sign-up created. */
  personalWorkspaceId: string;
  /** Set once TOTP is on. */
  totpSecret?: string;
}

/** The newest mail to `to` whose subject starts with `subject`, waiting for it (mail leaves after the response). */
export async function waitForMail(outboxDir: string, to: string, subject = '', after = 0): Promise<OutboxMessage> {
  for (let i = 0; i < 250; i += 1) {
    const found = (await readOutbox(outboxDir)).filter((m) => m.to.toLowerCase() === to.toLowerCase() && m.subject.startsWith(subject));
    if (found.length > after) return found[found.length - 1] as OutboxMessage;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no mail to ${to} with subject "${subject}"`);
}

export async function countMail(outboxDir: string, to: string, subject = ''): Promise<number> {
  return (await readOutbox(outboxDir)).filter((m) => m.to.toLowerCase() === to.toLowerCase() && m.subject.startsWith(subject)).length;
}

/** The token in a `#token=` link. */
export function fragmentToken(text: string): string {
  const token = /#token=([^\s]+)/.exec(text)?.[1];
  if (token === undefined) throw new Error('no #token= link in the message');
  return token;
}

export function createPeople(t: TestApp, network: number) {
  let host = 10;
  const nextClient = () => new TestClient(t.app, `10.${network}.${Math.floor(host / 250)}.${(host++ % 250) + 1}`);

  async function signUp(email: string, options: { verify?: boolean; name?: string } = {}): Promise<Person> {
    const client = nextClient();
    const signup = await client.post('/api/auth/signup', { email, password: PASSWORD, name: options.name ?? email.split('@')[0] });
    expect(signup.statusCode, signup.body).toBe(202);
    if (options.verify !== false) {
      const mail = await waitForMail(t.outboxDir, email, 'Confirm your email');
      const verified = await client.post('/api/auth/email/verify', { token: fragmentToken(mail.text) });
      expect(verified.statusCode, verified.body).toBe(200);
    }
    const login = await client.post('/api/auth/login', { email, password: PASSWORD });
    expect(login.statusCode, login.body).toBe(200);
    const me = (await client.get('/api/me')).json() as { user: { id: string }; workspaces: { id: string }[] };
    return { client, userId: me.user.id, email, personalWorkspaceId: me.workspaces[0]?.id as string };
  }

  /** Turns TOTP on for the signed-in person; their current session then counts as 2FA. */
  async function enableTotp(person: Person): Promise<string> {
    const setup = await person.client.post('/api/auth/totp/setup');
    expect(setup.statusCode, setup.body).toBe(200);
    const { secret } = setup.json() as { secret: string };
    const enabled = await person.client.post('/api/auth/totp/enable', { code: await generate({ secret }) });
    expect(enabled.statusCode, enabled.body).toBe(200);
    person.totpSecret = secret;
    return secret;
  }

  return { nextClient, signUp, enableTotp };
}

export type MemberRole = 'owner' | 'admin' | 'analyst' | 'viewer';

/**
 * Brings `person` into the workspace as `role` through the real flow: an invitation from
 * `inviter`, accepted from the emailed link; owners are then promoted by `inviter` (an owner).
 */
export async function addMember(t: TestApp, inviter: Person, workspaceId: string, person: Person, role: MemberRole): Promise<void> {
  const before = await countMail(t.outboxDir, person.email, 'Invitation to');
  const invited = await inviter.client.post(`/api/workspaces/${workspaceId}/invitations`, { email: person.email, role: role === 'owner' ? 'admin' : role });
  expect(invited.statusCode, invited.body).toBe(201);
  const mail = await waitForMail(t.outboxDir, person.email, 'Invitation to', before);
  const accepted = await person.client.post('/api/invitations/accept', { token: fragmentToken(mail.text) });
  expect(accepted.statusCode, accepted.body).toBe(200);
  if (role === 'owner') {
    const promoted = await inviter.client.request('PATCH', `/api/workspaces/${workspaceId}/members/${person.userId}`, { body: { role: 'owner' } });
    expect(promoted.statusCode, promoted.body).toBe(200);
  }
}

/** A new workspace owned by `owner`. */
export async function createWorkspace(owner: Person, name = 'Acme Marketing'): Promise<string> {
  const created = await owner.client.post('/api/workspaces', { name });
  expect(created.statusCode, created.body).toBe(201);
  return (created.json() as { id: string }).id;
}
