// The registry: every provider's declared scopes are exactly what its authorization URL asks for,
// each with a reason; overrides move origins only; unconfigured providers are listed, not broken.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { buildAuthorizeUrl, pkceChallenge, createPkcePair } from './oauth.js';
import { applyOverride, createProviderRegistry, IMPLEMENTED_PROVIDERS, PROVIDERS } from './registry.js';

const config = {
  META_ADS_CLIENT_ID: 'm',
  META_ADS_CLIENT_SECRET: 'ms',
  GOOGLE_ADS_CLIENT_ID: 'g',
  GOOGLE_ADS_CLIENT_SECRET: 'gs',
  GOOGLE_ADS_DEVELOPER_TOKEN: 'dev',
  YANDEX_DIRECT_CLIENT_ID: 'y',
  YANDEX_DIRECT_CLIENT_SECRET: 'ys',
  AMOCRM_CLIENT_ID: 'a',
  AMOCRM_CLIENT_SECRET: 'as',
  HUBSPOT_CLIENT_ID: 'h',
  HUBSPOT_CLIENT_SECRET: 'hs',
};
const registry = createProviderRegistry({ config, redirectUri: 'https://app.example/api/integrations/oauth/callback' });

const EXPECTED_SCOPES: Record<string, string[]> = {
  'meta-ads': ['ads_read'],
  'google-ads': ['https://www.googleapis.com/auth/adwords'],
  'yandex-direct': ['direct:api'],
  amocrm: [],
  hubspot: ['oauth', 'crm.objects.contacts.read', 'crm.objects.deals.read'],
};

describe('provider declarations', () => {
  it.each(IMPLEMENTED_PROVIDERS.map((p) => [p.id, p] as const))('%s requests exactly its declared minimal scopes, each with a reason', (id, provider) => {
    const runtime = registry.runtime(provider.id);
    expect(runtime).toBeDefined();
    const url = new URL(buildAuthorizeUrl(provider.oauth, runtime!, { redirectUri: registry.redirectUri, state: 's', codeChallenge: provider.oauth.pkce ? 'c' : null }));
    const requested = (url.searchParams.get('scope') ?? '').split(provider.oauth.scopeDelimiter).filter(Boolean);
    expect(requested).toEqual(EXPECTED_SCOPES[id]);
    expect(requested).toEqual(provider.oauth.scopes.map((s) => s.scope));
    for (const s of provider.oauth.scopes) expect(s.reason.length).toBeGreaterThan(20);
    expect(url.searchParams.get('code_challenge_method')).toBe(provider.oauth.pkce ? 'S256' : null);
    expect(url.protocol).toBe('https:');
  });

  it('declares PKCE, refresh-token rotation and revocation as the providers document them', () => {
    const by = Object.fromEntries(PROVIDERS.map((p) => [p.id, p.oauth]));
    expect(by['google-ads']).toMatchObject({ pkce: true, rotatesRefreshToken: false, revokeUrl: 'https://oauth2.googleapis.com/revoke' });
    expect(by['google-ads']?.authorizeParams).toMatchObject({ access_type: 'offline', prompt: 'consent' });
    expect(by['hubspot']).toMatchObject({ pkce: true, rotatesRefreshToken: false });
    expect(by['yandex-direct']).toMatchObject({ pkce: true });
    expect(by['amocrm']).toMatchObject({ pkce: false, rotatesRefreshToken: true, revokeUrl: null });
    expect(by['meta-ads']).toMatchObject({ pkce: false, rotatesRefreshToken: false });
  });

  it('lists VK Ads, TikTok Ads, Bitrix24, GA4 and Yandex Metrica as planned, with their seam', () => {
    const planned = PROVIDERS.filter((p) => !p.implemented);
    expect(planned.map((p) => p.id).sort()).toEqual(['bitrix24', 'ga4', 'tiktok-ads', 'vk-ads', 'yandex-metrica']);
    for (const p of planned) {
      expect(registry.availability(p.id)).toBe('planned');
      expect(registry.connector(p.id)).toBeUndefined();
      expect('seam' in p && p.seam.length > 20).toBe(true);
    }
    // Read-only analytics scopes where the provider has them.
    expect(PROVIDERS.find((p) => p.id === 'ga4')?.oauth.scopes.map((s) => s.scope)).toEqual(['https://www.googleapis.com/auth/analytics.readonly']);
    expect(PROVIDERS.find((p) => p.id === 'yandex-metrica')?.oauth.scopes.map((s) => s.scope)).toEqual(['metrika:read']);
  });

  it('lists a provider without client id and secret as not configured, and gives it no connector', () => {
    const bare = createProviderRegistry({ config: {}, redirectUri: 'https://x/cb' });
    for (const p of IMPLEMENTED_PROVIDERS) {
      expect(bare.availability(p.id)).toBe('not_configured');
      expect(bare.runtime(p.id)).toBeUndefined();
      expect(bare.connector(p.id)).toBeUndefined();
    }
    expect(registry.availability('hubspot')).toBe('available');
    expect(registry.connector('hubspot')?.streams).toEqual(['contacts', 'leads', 'deals']);
  });
});

describe('config', () => {
  it('requires a client id and secret together, the developer token with Google, and https overrides in production', () => {
    expect(() => loadConfig({ HUBSPOT_CLIENT_ID: 'x' })).toThrow(/HUBSPOT_CLIENT_SECRET must be set together/);
    expect(() => loadConfig({ GOOGLE_ADS_CLIENT_ID: 'x', GOOGLE_ADS_CLIENT_SECRET: 'y' })).toThrow(/GOOGLE_ADS_DEVELOPER_TOKEN/);
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://a.example', ENCRYPTION_KEYS: undefined as unknown as string, META_ADS_API_BASE_URL: 'http://10.0.0.1' })).toThrow(/META_ADS_API_BASE_URL must be an https/);
    expect(() => loadConfig({ AMOCRM_OAUTH_BASE_URL: 'ftp://x' })).toThrow(/AMOCRM_OAUTH_BASE_URL/);
  });

  it('never echoes a client secret in a config error', () => {
    try {
      loadConfig({ HUBSPOT_CLIENT_SECRET: 'super-secret-value' });
    } catch (error) {
      expect(String(error)).not.toContain('super-secret-value');
    }
  });
});

describe('overrides', () => {
  it('replace scheme, host and port and keep the provider\'s path', () => {
    expect(applyOverride('https://graph.facebook.com/v23.0/oauth/access_token', 'http://127.0.0.1:4000')).toBe('http://127.0.0.1:4000/v23.0/oauth/access_token');
    expect(applyOverride('https://api.direct.yandex.com', 'https://api-sandbox.direct.yandex.com')).toBe('https://api-sandbox.direct.yandex.com');
    expect(applyOverride('https://googleads.googleapis.com/v26', 'https://proxy.internal/google/')).toBe('https://proxy.internal/google/v26');
    expect(applyOverride('https://api.hubapi.com', undefined)).toBe('https://api.hubapi.com');
  });

  it('trust exactly the overridden origins in the SSRF guard', () => {
    const r = createProviderRegistry({ config: { ...config, HUBSPOT_API_BASE_URL: 'http://127.0.0.1:5555', YANDEX_DIRECT_OAUTH_BASE_URL: 'https://oauth.proxy.internal/y' }, redirectUri: 'https://x/cb' });
    expect([...r.trustedOrigins].sort()).toEqual(['http://127.0.0.1:5555', 'https://oauth.proxy.internal']);
    expect(r.runtime('hubspot')?.apiBaseUrl).toBe('http://127.0.0.1:5555');
    expect(r.runtime('yandex-direct')?.tokenUrl).toBe('https://oauth.proxy.internal/y/token');
  });
});

describe('PKCE', () => {
  it('makes a 43-character verifier and its RFC 7636 S256 challenge', () => {
    // RFC 7636 appendix B.
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const pair = createPkcePair();
    expect(pair.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pkceChallenge(pair.verifier)).toBe(pair.challenge);
    expect(createPkcePair().verifier).not.toBe(pair.verifier);
  });
});
