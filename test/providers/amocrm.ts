// A fake amoCRM account: JSON token endpoint with rotating refresh tokens and problem+json errors,
// /api/v4/account, pipelines with statuses (142 won, 143 lost), and leads/contacts lists with
// `_embedded`, `_links.next`, filter[updated_at][from], order[updated_at]=asc, `page`/`limit`,
// 204 when nothing matches, and 429 when throttled.
import { installFakeOAuth, type FakeOAuth } from './oauth.js';
import { startFakeServer, type FakeRequest, type FakeResponse, type FakeServer } from './server.js';

export interface AmoEntity {
  id: number;
  updated_at: number;
  [key: string]: unknown;
}

export interface FakeAmoCrm {
  server: FakeServer;
  oauth: FakeOAuth;
  leads: AmoEntity[];
  contacts: AmoEntity[];
  throttleNext: number;
  close(): Promise<void>;
}

export const AMOCRM_CLIENT = { id: 'amo-client-0000', secret: 'amo-secret' };

export async function startFakeAmoCrm(): Promise<FakeAmoCrm> {
  const server = await startFakeServer();
  const oauth = installFakeOAuth(server, {
    clientId: AMOCRM_CLIENT.id,
    clientSecret: AMOCRM_CLIENT.secret,
    tokenPath: '/oauth2/access_token',
    encoding: 'json',
    rotateRefreshTokens: true,
    scopeField: 'none',
    accessTtlSeconds: 86400,
    deadGrantBody: { hint: 'Token has been revoked', title: 'Некорректный запрос', type: 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson', status: 400, detail: 'В запросе отсутствует ряд параметров или параметры невалидны' },
  });
  const fake: FakeAmoCrm = { server, oauth, leads: [], contacts: [], throttleNext: 0, close: () => server.close() };
  const unauthorized: FakeResponse = { status: 401, body: { title: 'Unauthorized', type: 'https://httpstatus.es/401', status: 401, detail: 'Неверный логин или пароль' } };

  server.on('GET', /^\/api\/v4\/account$/, (request) =>
    oauth.bearerOk(request) ? { body: { id: 30123456, name: 'Acme Sales', subdomain: 'acme', currency: 'RUB', currency_symbol: '₽', _links: { self: { href: `${server.url}/api/v4/account` } } } } : unauthorized,
  );
  server.on('GET', /^\/api\/v4\/leads\/pipelines$/, (request) =>
    oauth.bearerOk(request)
      ? {
          body: {
            _total_items: 1,
            _embedded: {
              pipelines: [
                {
                  id: 7001,
                  name: 'Sales',
                  is_main: true,
                  _embedded: {
                    statuses: [
                      { id: 55501, name: 'First contact', pipeline_id: 7001 },
                      { id: 55502, name: 'Negotiation', pipeline_id: 7001 },
                      { id: 142, name: 'Closed - won', pipeline_id: 7001 },
                      { id: 143, name: 'Closed - lost', pipeline_id: 7001 },
                    ],
                  },
                },
              ],
            },
          },
        }
      : unauthorized,
  );

  function list(name: 'leads' | 'contacts', records: () => AmoEntity[]) {
    return (request: FakeRequest): FakeResponse => {
      if (!oauth.bearerOk(request)) return unauthorized;
      if (fake.throttleNext > 0) {
        fake.throttleNext -= 1;
        return { status: 429, body: { title: 'Too Many Requests', status: 429 } };
      }
      const from = Number(request.query.get('filter[updated_at][from]') ?? 0);
      const page = Number(request.query.get('page') ?? 1);
      const limit = Math.min(250, Number(request.query.get('limit') ?? 50));
      if (request.query.get('order[updated_at]') !== 'asc') return { status: 400, body: { title: 'Bad Request', status: 400 } };
      const matching = records()
        .filter((r) => r.updated_at >= from)
        .sort((a, b) => a.updated_at - b.updated_at || a.id - b.id);
      const slice = matching.slice((page - 1) * limit, page * limit);
      if (slice.length === 0) return { status: 204 };
      const query = new URLSearchParams(request.query);
      query.set('page', String(page + 1));
      const more = page * limit < matching.length;
      return {
        body: {
          _page: page,
          _links: { self: { href: `${server.url}${request.path}?${request.query.toString()}` }, ...(more ? { next: { href: `${server.url}${request.path}?${query.toString()}` } } : {}) },
          _embedded: { [name]: slice },
        },
      };
    };
  }
  server.on('GET', /^\/api\/v4\/leads$/, list('leads', () => fake.leads));
  server.on('GET', /^\/api\/v4\/contacts$/, list('contacts', () => fake.contacts));
  return fake;
}

/** An amoCRM lead as the API returns it, with tracking fields. */
export function amoLead(id: number, updatedAt: number, options: { status?: number; price?: number; contactId?: number; utmSource?: string; gclid?: string; closedAt?: number } = {}): AmoEntity {
  const fields: unknown[] = [];
  if (options.utmSource !== undefined) fields.push({ field_id: 901, field_name: 'utm_source', field_code: 'UTM_SOURCE', field_type: 'tracking_data', values: [{ value: options.utmSource }] });
  if (options.gclid !== undefined) fields.push({ field_id: 906, field_name: 'gclid', field_code: 'GCLID', field_type: 'tracking_data', values: [{ value: options.gclid }] });
  return {
    id,
    name: `Deal #${id}`,
    price: options.price ?? 0,
    responsible_user_id: 1,
    group_id: 0,
    status_id: options.status ?? 55501,
    pipeline_id: 7001,
    created_by: 1,
    updated_by: 1,
    created_at: updatedAt - 3600,
    updated_at: updatedAt,
    closed_at: options.closedAt ?? null,
    is_deleted: false,
    custom_fields_values: fields.length === 0 ? null : fields,
    account_id: 30123456,
    _embedded: { tags: [], companies: [], contacts: options.contactId === undefined ? [] : [{ id: options.contactId, is_main: true }] },
  };
}
