// Health module: /healthz and /readyz.
export { registerHealthRoutes } from './routes.js';
