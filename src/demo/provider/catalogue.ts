// The demo world's fixed cast: Northwind Outdoor, an outdoor-gear shop advertising on three
// platforms (three ad accounts), and the campaigns each one runs. Numbers are in US dollars and
// shaped like a small retailer's real account: budgets, cost per click, click-through, lead rate.
import type { AdChannel } from '../../integrations/index.js';

export interface DemoAccount {
  channel: AdChannel;
  externalId: string;
  name: string;
  currency: string;
  timezone: string;
}

/** When a campaign spends: all year, or in its season each year (month-day ranges, inclusive). */
export type DemoSeason = 'always' | 'summer' | 'winter' | 'spring' | 'black-friday';

export interface DemoCampaign {
  channel: AdChannel;
  accountExternalId: string;
  externalId: string;
  name: string;
  /** The tag the shop's links carry (before the messiness of real tagging is added). */
  utmCampaign: string;
  /** A search campaign's keywords (utm_term). */
  keywords: readonly string[];
  season: DemoSeason;
  dailyBudgetUsd: number;
  cpcUsd: number;
  ctr: number;
  /** Leads per click. */
  leadRate: number;
  /** Deals per lead. */
  dealRate: number;
  /** Typical deal size. */
  orderUsd: number;
}

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { channel: 'google-ads', externalId: '482-193-7765', name: 'Northwind Outdoor — Google Ads', currency: 'USD', timezone: 'UTC' },
  { channel: 'meta-ads', externalId: 'act_1029384756101', name: 'Northwind Outdoor — Meta', currency: 'USD', timezone: 'UTC' },
  { channel: 'yandex-direct', externalId: 'northwind-direct', name: 'Northwind Outdoor — Яндекс Директ', currency: 'USD', timezone: 'UTC' },
];

type Shape = Omit<DemoCampaign, 'channel' | 'accountExternalId' | 'keywords'> & { keywords?: readonly string[] };

const google = (c: Shape): DemoCampaign => ({ channel: 'google-ads', accountExternalId: '482-193-7765', keywords: [], ...c });
const meta = (c: Shape): DemoCampaign => ({ channel: 'meta-ads', accountExternalId: 'act_1029384756101', keywords: [], ...c });
const yandex = (c: Shape): DemoCampaign => ({ channel: 'yandex-direct', accountExternalId: 'northwind-direct', keywords: [], ...c });

export const DEMO_CAMPAIGNS: readonly DemoCampaign[] = [
  google({ externalId: '21034567890', name: 'Search — Brand', utmCampaign: 'search_brand', keywords: ['northwind outdoor', 'northwind store', 'northwind tents'], season: 'always', dailyBudgetUsd: 40, cpcUsd: 0.45, ctr: 0.18, leadRate: 0.09, dealRate: 0.42, orderUsd: 210 }),
  google({ externalId: '21034567912', name: 'Search — Tents Generic', utmCampaign: 'search_tents_generic', keywords: ['2 person tent', 'camping tent', 'backpacking tent'], season: 'always', dailyBudgetUsd: 120, cpcUsd: 1.35, ctr: 0.052, leadRate: 0.038, dealRate: 0.31, orderUsd: 290 }),
  google({ externalId: '21034567988', name: 'Search — Hiking Boots', utmCampaign: 'search_hiking_boots', keywords: ['hiking boots', 'waterproof hiking boots', 'trail shoes'], season: 'always', dailyBudgetUsd: 90, cpcUsd: 1.1, ctr: 0.061, leadRate: 0.041, dealRate: 0.33, orderUsd: 165 }),
  google({ externalId: '21034568033', name: 'Performance Max — All Products', utmCampaign: 'pmax_all_products', season: 'always', dailyBudgetUsd: 200, cpcUsd: 0.72, ctr: 0.021, leadRate: 0.028, dealRate: 0.3, orderUsd: 185 }),
  google({ externalId: '21034568101', name: 'Shopping — Backpacks', utmCampaign: 'shopping_backpacks', season: 'always', dailyBudgetUsd: 70, cpcUsd: 0.62, ctr: 0.012, leadRate: 0.024, dealRate: 0.36, orderUsd: 120 }),
  google({ externalId: '21034568144', name: 'Shopping — Rain Jackets', utmCampaign: 'shopping_rain_jackets', season: 'spring', dailyBudgetUsd: 60, cpcUsd: 0.7, ctr: 0.011, leadRate: 0.026, dealRate: 0.34, orderUsd: 140 }),
  google({ externalId: '21034568230', name: 'Search — Sleeping Bags', utmCampaign: 'search_sleeping_bags', keywords: ['sleeping bag', 'down sleeping bag', 'ultralight sleeping bag'], season: 'always', dailyBudgetUsd: 55, cpcUsd: 1.05, ctr: 0.055, leadRate: 0.036, dealRate: 0.3, orderUsd: 175 }),
  google({ externalId: '21034568276', name: 'Search — Competitors', utmCampaign: 'search_competitors', keywords: ['rei tents', 'patagonia jacket alternative'], season: 'always', dailyBudgetUsd: 45, cpcUsd: 2.1, ctr: 0.031, leadRate: 0.022, dealRate: 0.24, orderUsd: 230 }),
  google({ externalId: '21034568305', name: 'Display — Remarketing 30d', utmCampaign: 'display_remarketing_30d', season: 'always', dailyBudgetUsd: 35, cpcUsd: 0.38, ctr: 0.006, leadRate: 0.03, dealRate: 0.38, orderUsd: 150 }),
  google({ externalId: '21034568377', name: 'YouTube — Trail Stories', utmCampaign: 'youtube_trail_stories', season: 'always', dailyBudgetUsd: 50, cpcUsd: 0.29, ctr: 0.009, leadRate: 0.009, dealRate: 0.22, orderUsd: 160 }),
  google({ externalId: '21034568412', name: 'Search — Kayaks (Summer)', utmCampaign: 'search_kayaks_summer', keywords: ['inflatable kayak', 'kayak for sale'], season: 'summer', dailyBudgetUsd: 85, cpcUsd: 1.6, ctr: 0.049, leadRate: 0.033, dealRate: 0.27, orderUsd: 540 }),
  google({ externalId: '21034568499', name: 'Search — Ski Gear (Winter)', utmCampaign: 'search_ski_gear_winter', keywords: ['ski jacket', 'ski goggles', 'snow boots'], season: 'winter', dailyBudgetUsd: 95, cpcUsd: 1.45, ctr: 0.047, leadRate: 0.034, dealRate: 0.29, orderUsd: 320 }),

  meta({ externalId: '120210449587310625', name: 'Spring Hiking Boots — Prospecting', utmCampaign: 'spring_hiking_boots_prospecting', season: 'spring', dailyBudgetUsd: 150, cpcUsd: 0.82, ctr: 0.014, leadRate: 0.021, dealRate: 0.25, orderUsd: 160 }),
  meta({ externalId: '120210449587310871', name: 'Retargeting — Cart Abandoners 7d', utmCampaign: 'retargeting_cart_abandoners_7d', season: 'always', dailyBudgetUsd: 60, cpcUsd: 0.55, ctr: 0.021, leadRate: 0.052, dealRate: 0.41, orderUsd: 175 }),
  meta({ externalId: '120210449587311204', name: 'Lookalike 1% — Purchasers', utmCampaign: 'lookalike_1pct_purchasers', season: 'always', dailyBudgetUsd: 90, cpcUsd: 0.74, ctr: 0.013, leadRate: 0.024, dealRate: 0.27, orderUsd: 190 }),
  meta({ externalId: '120210449587311377', name: 'Advantage+ Shopping — Catalog', utmCampaign: 'advantage_plus_catalog', season: 'always', dailyBudgetUsd: 180, cpcUsd: 0.66, ctr: 0.016, leadRate: 0.027, dealRate: 0.29, orderUsd: 170 }),
  meta({ externalId: '120210449587311402', name: 'Reels — Camping Hacks UGC', utmCampaign: 'reels_camping_hacks_ugc', season: 'summer', dailyBudgetUsd: 75, cpcUsd: 0.41, ctr: 0.011, leadRate: 0.014, dealRate: 0.2, orderUsd: 130 }),
  meta({ externalId: '120210449587311498', name: 'Lead Form — Free Trail Guide', utmCampaign: 'leadform_free_trail_guide', season: 'always', dailyBudgetUsd: 55, cpcUsd: 0.9, ctr: 0.017, leadRate: 0.11, dealRate: 0.09, orderUsd: 150 }),
  meta({ externalId: '120210449587311560', name: 'Stories — Summer Sale', utmCampaign: 'stories_summer_sale', season: 'summer', dailyBudgetUsd: 110, cpcUsd: 0.58, ctr: 0.012, leadRate: 0.023, dealRate: 0.28, orderUsd: 145 }),
  meta({ externalId: '120210449587311633', name: 'Broad — Outdoor Enthusiasts', utmCampaign: 'broad_outdoor_enthusiasts', season: 'always', dailyBudgetUsd: 70, cpcUsd: 0.69, ctr: 0.01, leadRate: 0.016, dealRate: 0.21, orderUsd: 155 }),
  meta({ externalId: '120210449587311705', name: 'Retargeting — Video Viewers 50%', utmCampaign: 'retargeting_video_viewers_50', season: 'always', dailyBudgetUsd: 35, cpcUsd: 0.48, ctr: 0.019, leadRate: 0.038, dealRate: 0.33, orderUsd: 165 }),
  meta({ externalId: '120210449587311789', name: 'Winter Sale — Prospecting', utmCampaign: 'winter_sale_prospecting', season: 'winter', dailyBudgetUsd: 130, cpcUsd: 0.77, ctr: 0.013, leadRate: 0.022, dealRate: 0.26, orderUsd: 210 }),
  meta({ externalId: '120210449587311850', name: 'Instagram — Influencer Whitelisting', utmCampaign: 'ig_influencer_whitelisting', season: 'always', dailyBudgetUsd: 65, cpcUsd: 0.95, ctr: 0.015, leadRate: 0.019, dealRate: 0.24, orderUsd: 185 }),
  meta({ externalId: '120210449587311921', name: 'Black Friday — Catalog', utmCampaign: 'black_friday_catalog', season: 'black-friday', dailyBudgetUsd: 400, cpcUsd: 0.61, ctr: 0.019, leadRate: 0.034, dealRate: 0.36, orderUsd: 230 }),

  yandex({ externalId: '98765432', name: 'Поиск — Палатки', utmCampaign: 'poisk_palatki', keywords: ['купить палатку', 'палатка туристическая', 'палатка 2 местная'], season: 'always', dailyBudgetUsd: 60, cpcUsd: 0.52, ctr: 0.071, leadRate: 0.04, dealRate: 0.3, orderUsd: 260 }),
  yandex({ externalId: '98765477', name: 'РСЯ — Ретаргетинг', utmCampaign: 'rsya_retargeting', season: 'always', dailyBudgetUsd: 30, cpcUsd: 0.21, ctr: 0.008, leadRate: 0.031, dealRate: 0.35, orderUsd: 150 }),
  yandex({ externalId: '98765501', name: 'Поиск — Бренд', utmCampaign: 'poisk_brend', keywords: ['нортвинд', 'northwind outdoor'], season: 'always', dailyBudgetUsd: 15, cpcUsd: 0.12, ctr: 0.21, leadRate: 0.1, dealRate: 0.4, orderUsd: 200 }),
  yandex({ externalId: '98765544', name: 'Поиск — Треккинговые ботинки', utmCampaign: 'poisk_trekking_botinki', keywords: ['треккинговые ботинки', 'ботинки для походов'], season: 'always', dailyBudgetUsd: 45, cpcUsd: 0.48, ctr: 0.066, leadRate: 0.039, dealRate: 0.31, orderUsd: 150 }),
  yandex({ externalId: '98765590', name: 'Мастер кампаний — Все товары', utmCampaign: 'master_vse_tovary', season: 'always', dailyBudgetUsd: 80, cpcUsd: 0.31, ctr: 0.018, leadRate: 0.025, dealRate: 0.27, orderUsd: 175 }),
  yandex({ externalId: '98765633', name: 'РСЯ — Похожие аудитории', utmCampaign: 'rsya_lookalike', season: 'always', dailyBudgetUsd: 35, cpcUsd: 0.18, ctr: 0.006, leadRate: 0.017, dealRate: 0.23, orderUsd: 160 }),
  yandex({ externalId: '98765688', name: 'Поиск — Спальники', utmCampaign: 'poisk_spalniki', keywords: ['спальный мешок', 'спальник купить'], season: 'winter', dailyBudgetUsd: 40, cpcUsd: 0.44, ctr: 0.062, leadRate: 0.037, dealRate: 0.3, orderUsd: 170 }),
  yandex({ externalId: '98765721', name: 'Смарт-баннеры — Каталог', utmCampaign: 'smart_bannery_katalog', season: 'always', dailyBudgetUsd: 40, cpcUsd: 0.25, ctr: 0.01, leadRate: 0.026, dealRate: 0.32, orderUsd: 165 }),
  yandex({ externalId: '98765764', name: 'Поиск — Конкуренты', utmCampaign: 'poisk_konkurenty', keywords: ['спортмастер палатки', 'экспедиция магазин'], season: 'always', dailyBudgetUsd: 25, cpcUsd: 0.83, ctr: 0.034, leadRate: 0.021, dealRate: 0.22, orderUsd: 240 }),
  yandex({ externalId: '98765802', name: 'РСЯ — Зимняя распродажа', utmCampaign: 'rsya_zimnyaya_rasprodazha', season: 'winter', dailyBudgetUsd: 55, cpcUsd: 0.23, ctr: 0.009, leadRate: 0.021, dealRate: 0.28, orderUsd: 190 }),
  yandex({ externalId: '98765845', name: 'Поиск — Байдарки (лето)', utmCampaign: 'poisk_baydarki_leto', keywords: ['байдарка надувная', 'купить байдарку'], season: 'summer', dailyBudgetUsd: 50, cpcUsd: 0.67, ctr: 0.058, leadRate: 0.033, dealRate: 0.26, orderUsd: 480 }),
  yandex({ externalId: '98765890', name: 'Товарная кампания — Фиды', utmCampaign: 'tovarnaya_fidy', season: 'always', dailyBudgetUsd: 45, cpcUsd: 0.29, ctr: 0.014, leadRate: 0.027, dealRate: 0.31, orderUsd: 155 }),
];

/** The canonical utm_source and utm_medium each channel's links carry, and the aliases people type instead. */
export const CHANNEL_TAGS: Record<'google-ads' | 'meta-ads' | 'yandex-direct', { source: readonly string[]; medium: readonly string[]; search: boolean }> = {
  'google-ads': { source: ['google', 'google', 'google', 'Google', 'adwords', 'google '], medium: ['cpc', 'cpc', 'cpc', 'ppc', 'CPC', 'paid'], search: true },
  'meta-ads': { source: ['facebook', 'facebook', 'fb', 'Facebook', 'instagram', 'ig', 'meta', 'facebook.com'], medium: ['paid_social', 'paid_social', 'cpc', 'paid', 'Paid_Social', 'ppc'], search: false },
  'yandex-direct': { source: ['yandex', 'yandex', 'yandex', 'ya', 'Yandex', 'direct', 'yandex.direct'], medium: ['cpc', 'cpc', 'cpc', 'ppc', 'CPC', 'paid'], search: true },
};
