// Providers declared for the catalogue whose connectors land in a later issue. Each entry keeps the
// seam obvious: its OAuth endpoints and minimal scopes as documented, its API base, and what the
// connector must read. To implement one: add providers/<id>/index.ts exporting an ImplementedProvider
// (see providers/hubspot for a CRM, providers/google-ads for an ads API), its config prefix in
// INTEGRATION_CONFIG_PREFIXES (src/config.ts), and swap the entry in registry.ts.
import type { PlannedProvider } from '../provider-types.js';

export const plannedProviders: readonly PlannedProvider[] = [
  {
    id: 'vk-ads',
    kind: 'ads',
    displayName: 'VK Ads',
    implemented: false,
    configPrefix: 'VK_ADS',
    docsUrl: 'https://ads.vk.com/help/articles/api',
    oauth: {
      // VK Ads (the former myTarget API): authorization code grant on the ads cabinet; tokens from /api/v2/oauth2/token.json.
      authorizeUrl: 'https://ads.vk.com/hq/settings/access',
      tokenUrl: 'https://ads.vk.com/api/v2/oauth2/token.json',
      revokeUrl: 'https://ads.vk.com/api/v2/oauth2/token/delete.json',
      scopes: [{ scope: 'read_ads', reason: 'reads campaigns (ad plans) and their statistics' }],
      scopeDelimiter: ',',
      pkce: false,
      rotatesRefreshToken: false,
    },
    apiBaseUrl: 'https://ads.vk.com/api',
    seam: 'ad_plans (campaigns) and /api/v3/statistics/ad_plans/day.json (daily base metrics: shows, clicks, spent) into campaigns and ad_stats.',
  },
  {
    id: 'tiktok-ads',
    kind: 'ads',
    displayName: 'TikTok Ads',
    implemented: false,
    configPrefix: 'TIKTOK_ADS',
    docsUrl: 'https://business-api.tiktok.com/portal/docs',
    oauth: {
      // Scopes are chosen when the app is registered (the authorize URL takes none); "Reporting" read only.
      authorizeUrl: 'https://business-api.tiktok.com/portal/auth',
      tokenUrl: 'https://business-api.tiktok.com/open_api/v1.3/oauth2/access_token/',
      revokeUrl: 'https://business-api.tiktok.com/open_api/v1.3/oauth2/revoke_token/',
      scopes: [],
      scopeDelimiter: ',',
      pkce: false,
      rotatesRefreshToken: false,
    },
    apiBaseUrl: 'https://business-api.tiktok.com/open_api/v1.3',
    seam: '/report/integrated/get/ (BASIC, AUCTION_CAMPAIGN, dimensions campaign_id and stat_time_day; metrics spend, impressions, clicks, conversion) into ad_stats; Access-Token header.',
  },
  {
    id: 'bitrix24',
    kind: 'crm',
    displayName: 'Bitrix24',
    implemented: false,
    configPrefix: 'BITRIX24',
    docsUrl: 'https://apidocs.bitrix24.com/settings/oauth/index.html',
    oauth: {
      // The authorize page is on the customer's own portal (https://<portal>/oauth/authorize/); tokens from oauth.bitrix.info.
      authorizeUrl: 'https://www.bitrix24.com/oauth/authorize/',
      tokenUrl: 'https://oauth.bitrix.info/oauth/token/',
      revokeUrl: null,
      // Scopes are set on the application; `crm` is the only one reporting needs.
      scopes: [{ scope: 'crm', reason: 'reads deals, leads and contacts with their UTM fields' }],
      scopeDelimiter: ',',
      pkce: false,
      rotatesRefreshToken: true,
    },
    apiBaseUrl: 'https://www.bitrix24.com/rest',
    seam: 'crm.deal.list / crm.lead.list / crm.contact.list (start-based paging, UTM_* fields, STAGE_SEMANTIC_ID S/F for won/lost) into deals, leads and contacts.',
  },
  {
    id: 'ga4',
    kind: 'analytics',
    displayName: 'Google Analytics 4',
    implemented: false,
    configPrefix: 'GA4',
    docsUrl: 'https://developers.google.com/analytics/devguides/reporting/data/v1',
    oauth: {
      authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      revokeUrl: 'https://oauth2.googleapis.com/revoke',
      scopes: [{ scope: 'https://www.googleapis.com/auth/analytics.readonly', reason: 'runs Data API reports (sessions and conversions by source, medium and campaign); read only' }],
      scopeDelimiter: ' ',
      pkce: true,
      rotatesRefreshToken: false,
      authorizeParams: { access_type: 'offline', prompt: 'consent' },
    },
    apiBaseUrl: 'https://analyticsdata.googleapis.com/v1beta',
    seam: 'properties/{id}:runReport by date, sessionSource, sessionMedium, sessionCampaignName; a new analytics stream in contract.ts.',
  },
  {
    id: 'yandex-metrica',
    kind: 'analytics',
    displayName: 'Yandex Metrica',
    implemented: false,
    configPrefix: 'YANDEX_METRICA',
    docsUrl: 'https://yandex.ru/dev/metrika/doc/api2/concept/about.html',
    oauth: {
      authorizeUrl: 'https://oauth.yandex.ru/authorize',
      tokenUrl: 'https://oauth.yandex.ru/token',
      revokeUrl: 'https://oauth.yandex.ru/revoke_token',
      scopes: [{ scope: 'metrika:read', reason: 'reads counters and Reporting API statistics; read only' }],
      scopeDelimiter: ' ',
      pkce: true,
      rotatesRefreshToken: false,
    },
    apiBaseUrl: 'https://api-metrika.yandex.net',
    seam: '/stat/v1/data/bytime with ym:s:lastsignUTMSource/Medium/Campaign and ym:s:visits, goals; a new analytics stream in contract.ts.',
  },
];
