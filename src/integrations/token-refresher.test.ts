// Token refresh before expiry, refresh-token rotation (amoCRM), a rotation won by another process,
// and the needs-reconnect path, against the fake providers and the real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.js';
import { createPeople, createWorkspace, type Person } from '../../test/support/accounts.js';
import { queryAsOwnerWithoutRls } from '../../test/support/database.js';
import { AMOCRM_CLIENT, startFakeAmoCrm, type FakeAmoCrm } from '../../test/providers/amocrm.js';
import { connectThroughApp } from '../../test/providers/connect.js';
import { HUBSPOT_CLIENT, startFakeHubSpot, type FakeHubSpot } from '../../test/providers/hubspot.js';
import { createAuditService } from '../audit/index.js';
import { createIntegrationTokenStore } from '../crypto/index.js';
import { ProviderError } from './contract.js';
import { createProviderRegistry, type ProviderRegistry } from './registry.js';
import { createTokenRefresher } from './token-refresher.js';

let t: TestApp;
let hubspot: FakeHubSpot;
let amo: FakeAmoCrm;
let registry: ProviderRegistry;
let people: ReturnType<typeof createPeople>;

const HOUR = 3_600_000;

beforeAll(async () => {
  hubspot = await startFakeHubSpot();
  amo = await startFakeAmoCrm();
  const env = {
    PUBLIC_URL: 'https://app.throughline.test',
    HUBSPOT_CLIENT_ID: HUBSPOT_CLIENT.id,
    HUBSPOT_CLIENT_SECRET: HUBSPOT_CLIENT.secret,
    HUBSPOT_API_BASE_URL: hubspot.server.url,
    HUBSPOT_OAUTH_BASE_URL: hubspot.server.url,
    AMOCRM_CLIENT_ID: AMOCRM_CLIENT.id,
    AMOCRM_CLIENT_SECRET: AMOCRM_CLIENT.secret,
    AMOCRM_API_BASE_URL: amo.server.url,
    AMOCRM_OAUTH_BASE_URL: amo.server.url,
  };
  t = await createTestApp({ env });
  registry = createProviderRegistry({ config: env, redirectUri: 'https://app.throughline.test/api/integrations/oauth/callback' });
  people = createPeople(t, 62);
});
afterAll(async () => {
  await t?.close();
  await hubspot?.close();
  await amo?.close();
});

async function setUp(provider: 'hubspot' | 'amocrm'): Promise<{ person: Person; workspaceId: string; integrationId: string }> {
  const person = await people.signUp(`refresh-${Math.random().toString(36).slice(2)}@example.test`);
  const workspaceId = await createWorkspace(person, 'Refresh Co');
  const integration =
    provider === 'hubspot'
      ? await connectThroughApp(t, person, workspaceId, 'hubspot', hubspot.oauth)
      : await connectThroughApp(t, person, workspaceId, 'amocrm', amo.oauth, { accountDomain: 'acme.amocrm.ru' });
  return { person, workspaceId, integrationId: integration.id };
}

function refresher(offsetMs = 0) {
  return createTokenRefresher({ db: t.database.db, vault: t.vault, registry, audit: createAuditService({ db: t.database.db }), now: () => new Date(Date.now() + offsetMs) });
}

const store = () => createIntegrationTokenStore(t.vault);
const storedTokens = (workspaceId: string, integrationId: string) => t.database.db.withWorkspace(workspaceId, (tx) => store().find(tx, integrationId));

describe('refreshing before expiry', () => {
  it('returns the stored token while it is fresh, and refreshes when it expires within five minutes', async () => {
    const { workspaceId, integrationId } = await setUp('hubspot');
    const before = await storedTokens(workspaceId, integrationId);
    const calls = hubspot.oauth.tokenCalls.length;
    const fresh = await refresher().refreshIfNeeded(workspaceId, integrationId);
    expect(fresh.accessToken).toBe(before?.accessToken);
    expect(fresh.apiBaseUrl).toBe(hubspot.server.url);
    expect(hubspot.oauth.tokenCalls.length).toBe(calls);

    // HubSpot tokens last 30 minutes: 27 minutes on, it is inside the margin.
    const renewed = await refresher(27 * 60_000).refreshIfNeeded(workspaceId, integrationId);
    expect(renewed.accessToken).not.toBe(before?.accessToken);
    expect(hubspot.oauth.tokenCalls.at(-1)?.['grant_type']).toBe('refresh_token');
    expect(hubspot.oauth.isValidAccessToken(renewed.accessToken)).toBe(true);
    const after = await storedTokens(workspaceId, integrationId);
    expect(after?.accessToken).toBe(renewed.accessToken);
    // HubSpot does not rotate: the same refresh token is kept.
    expect(after?.refreshToken).toBe(before?.refreshToken);
  });

  it('refreshes on demand (force) after the provider refused the access token', async () => {
    const { workspaceId, integrationId } = await setUp('hubspot');
    const before = await storedTokens(workspaceId, integrationId);
    const forced = await refresher().refreshIfNeeded(workspaceId, integrationId, { force: true });
    expect(forced.accessToken).not.toBe(before?.accessToken);
  });

  it('shares one refresh between concurrent callers in a process', async () => {
    const { workspaceId, integrationId } = await setUp('hubspot');
    const r = refresher(HOUR);
    const calls = hubspot.oauth.tokenCalls.length;
    const results = await Promise.all([r.refreshIfNeeded(workspaceId, integrationId), r.refreshIfNeeded(workspaceId, integrationId), r.refreshIfNeeded(workspaceId, integrationId)]);
    expect(new Set(results.map((c) => c.accessToken)).size).toBe(1);
    expect(hubspot.oauth.tokenCalls.length).toBe(calls + 1);
  });
});

describe('rotating refresh tokens (amoCRM)', () => {
  it('stores the new refresh token before returning; the old one is dead at the provider and never used again', async () => {
    const { workspaceId, integrationId } = await setUp('amocrm');
    const original = await storedTokens(workspaceId, integrationId);
    const first = await refresher(2 * 24 * HOUR).refreshIfNeeded(workspaceId, integrationId);
    const afterFirst = await storedTokens(workspaceId, integrationId);
    expect(afterFirst?.refreshToken).not.toBe(original?.refreshToken);
    expect(afterFirst?.accessToken).toBe(first.accessToken);
    expect(amo.oauth.liveRefreshTokens()).toContain(afterFirst?.refreshToken);
    expect(amo.oauth.liveRefreshTokens()).not.toContain(original?.refreshToken);
    // amoCRM wants redirect_uri with the refresh grant.
    expect(amo.oauth.tokenCalls.at(-1)?.['redirect_uri']).toBe('https://app.throughline.test/api/integrations/oauth/callback');

    // The next refresh presents the rotated token and succeeds.
    const second = await refresher(4 * 24 * HOUR).refreshIfNeeded(workspaceId, integrationId);
    expect(amo.oauth.tokenCalls.at(-1)?.['refresh_token']).toBe(afterFirst?.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.apiBaseUrl).toBe(amo.server.url);
  });

  it('uses the tokens of another process that rotated first instead of declaring the grant dead', async () => {
    const { workspaceId, integrationId } = await setUp('amocrm');
    const original = await storedTokens(workspaceId, integrationId);
    // Another worker refreshes (and stores) while this one's request is in flight.
    const otherProcess = refresher(2 * 24 * HOUR);
    amo.oauth.onRefresh = async (presented) => {
      amo.oauth.onRefresh = undefined;
      if (presented === original?.refreshToken) await otherProcess.refreshIfNeeded(workspaceId, integrationId);
    };
    const ours = await refresher(2 * 24 * HOUR).refreshIfNeeded(workspaceId, integrationId);
    const stored = await storedTokens(workspaceId, integrationId);
    expect(ours.accessToken).toBe(stored?.accessToken);
    const [row] = await queryAsOwnerWithoutRls<{ status: string }>(t.database.owner, ['integrations'], 'SELECT status FROM integrations WHERE id = $1', [integrationId]);
    expect(row?.status).toBe('active');
  });
});

describe('a grant that is gone', () => {
  it('marks the integration needs_reconnect with plain words, audits it, and stops calling the provider', async () => {
    const { person, workspaceId, integrationId } = await setUp('amocrm');
    amo.oauth.revokeAll();
    const r = refresher(2 * 24 * HOUR);
    const error = await r.refreshIfNeeded(workspaceId, integrationId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).kind).toBe('reauth_required');
    const list = (await person.client.get(`/api/workspaces/${workspaceId}/integrations`)).json() as { integrations: Array<{ id: string; status: string; statusMessage: string }> };
    const shown = list.integrations.find((i) => i.id === integrationId);
    expect(shown?.status).toBe('needs_reconnect');
    expect(shown?.statusMessage).toMatch(/amoCRM no longer accepts this connection.*Reconnect/);
    const audit = (await person.client.get(`/api/workspaces/${workspaceId}/audit?action=integration.needs_reconnect`)).json() as { entries: Array<{ targetId: string }> };
    expect(audit.entries[0]?.targetId).toBe(integrationId);

    const calls = amo.oauth.tokenCalls.length;
    await expect(r.refreshIfNeeded(workspaceId, integrationId)).rejects.toMatchObject({ kind: 'reauth_required' });
    expect(amo.oauth.tokenCalls.length).toBe(calls);
  });

  it('lets the sync engine mark needs_reconnect when a connector is refused (code 190 and the like)', async () => {
    const { person, workspaceId, integrationId } = await setUp('hubspot');
    await refresher().markNeedsReconnect(workspaceId, integrationId, 'HubSpot says this connection lacks a permission it needs; reconnect HubSpot.');
    const list = (await person.client.get(`/api/workspaces/${workspaceId}/integrations`)).json() as { integrations: Array<{ status: string; statusMessage: string }> };
    expect(list.integrations[0]).toMatchObject({ status: 'needs_reconnect', statusMessage: expect.stringMatching(/lacks a permission/) });
    // A reconnect brings it back to active.
    await connectThroughApp(t, person, workspaceId, 'hubspot', hubspot.oauth);
    const again = (await person.client.get(`/api/workspaces/${workspaceId}/integrations`)).json() as { integrations: Array<{ status: string }> };
    expect(again.integrations).toEqual([expect.objectContaining({ status: 'active' })]);
  });

  it('keeps nothing when the integration was disconnected while the refresh was in flight', async () => {
    const { person, workspaceId, integrationId } = await setUp('hubspot');
    hubspot.oauth.onRefresh = async () => {
      hubspot.oauth.onRefresh = undefined;
      expect((await person.client.delete(`/api/workspaces/${workspaceId}/integrations/${integrationId}`)).statusCode).toBe(200);
    };
    await expect(refresher(HOUR).refreshIfNeeded(workspaceId, integrationId)).rejects.toMatchObject({ kind: 'permanent' });
    expect(await storedTokens(workspaceId, integrationId)).toBeUndefined();
  });
});
