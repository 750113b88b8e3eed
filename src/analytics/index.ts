// Analytics: UTM normalisation, channel rules, campaign matching, attribution models and metrics
// (pure), the rollups rebuilt after every sync, and the reports, exports and settings over them.
export { ATTRIBUTION_MODELS } from './attribution.js';
export type { AttributionModel } from './attribution.js';
export { channelRulesSchema, DEFAULT_CHANNEL_RULES } from './channels.js';
export type { ChannelRule } from './channels.js';
export type { Metrics } from './metrics.js';
export { rebuildRollups } from './rollups.js';
export type { RollupBuild } from './rollups.js';
export { createAnalyticsService, MAX_REPORT_DAYS } from './service.js';
export type { AnalyticsService, AnalyticsServiceDeps, ReportPage, Summary } from './service.js';
export { registerAnalyticsRoutes } from './routes.js';
export type { AnalyticsRouteDeps } from './routes.js';
