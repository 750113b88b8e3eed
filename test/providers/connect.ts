// Connects a provider through the real HTTP flow (start, consent at the fake, callback, complete),
// for tests that need a live integration with real sealed tokens.
import { expect } from 'vitest';
import type { Person } from '../support/accounts.js';
import type { TestApp } from '../support/app.js';
import type { FakeOAuth } from './oauth.js';

export async function connectThroughApp(
  t: TestApp,
  person: Person,
  workspaceId: string,
  provider: string,
  oauth: FakeOAuth,
  extra: { accountDomain?: string } = {},
): Promise<{ id: string; externalAccount: string | null; settings: Record<string, unknown> }> {
  const started = await person.client.post(`/api/workspaces/${workspaceId}/integrations/${provider}/connect`, {});
  expect(started.statusCode, started.body).toBe(200);
  const consent = oauth.consent((started.json() as { authorizeUrl: string }).authorizeUrl);
  const completed = await person.client.post('/api/integrations/oauth/complete', { code: consent.code, state: consent.state, ...extra });
  expect(completed.statusCode, completed.body).toBe(200);
  return (completed.json() as { integration: { id: string; externalAccount: string | null; settings: Record<string, unknown> } }).integration;
}
