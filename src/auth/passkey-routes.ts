// /api/auth/passkeys/* and the passkey second step of /api/auth/login/mfa/passkey/*. HTTP only:
// strict bodies, the signed-in user where one is needed, the relying party of the request, and
// cookies. The anonymous sign-in challenge travels only in an HttpOnly `__Host-` cookie.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../http/errors.js';
import { clientContext, requireUser, setSessionCookies, type AuthHttpDeps } from './http.js';
import { CREDENTIAL_ID, PASSKEY_CHALLENGE_MS, type PasskeyInfo, type PasskeyService } from './passkeys.js';
import { signedInAnswer, userAnswer } from './routes.js';
import type { AuthService } from './service.js';
import type { IssuedSession } from './sessions.js';

export const WEBAUTHN_COOKIE = '__Host-tl_webauthn';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// What browsers send (PublicKeyCredential.toJSON(), or @simplewebauthn/browser). Binary fields are
// base64url; the outer objects are strict, the inner `response` keeps only the fields we read.
const base64url = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9_-]*$/, 'base64url');
const credentialId = z.string().regex(CREDENTIAL_ID, 'a base64url credential id');
const credentialCommon = {
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()),
};
const registrationResponse = z
  .strictObject({
    ...credentialCommon,
    response: z.object({
      clientDataJSON: base64url(4096),
      attestationObject: base64url(32_768),
      authenticatorData: base64url(16_384).optional(),
      transports: z.array(z.string().max(32)).max(10).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: base64url(4096).optional(),
    }),
  })
  .meta({ description: 'The credential from navigator.credentials.create(), as JSON (RegistrationResponseJSON)' });
const authenticationResponse = z
  .strictObject({
    ...credentialCommon,
    response: z.object({
      clientDataJSON: base64url(4096),
      authenticatorData: base64url(16_384),
      signature: base64url(2048),
      userHandle: base64url(128).optional(),
    }),
  })
  .meta({ description: 'The assertion from navigator.credentials.get(), as JSON (AuthenticationResponseJSON)' });

// The options the browser needs, declared field by field (the serializer drops undeclared keys).
const descriptor = z.object({ id: z.string(), type: z.string(), transports: z.array(z.string()).optional() });
const userVerification = z.enum(['required', 'preferred', 'discouraged']);
const creationOptions = z
  .object({
    rp: z.object({ id: z.string().optional(), name: z.string() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
    challenge: z.string(),
    pubKeyCredParams: z.array(z.object({ type: z.literal('public-key'), alg: z.number().int() })),
    timeout: z.number().int().optional(),
    excludeCredentials: z.array(descriptor).optional(),
    authenticatorSelection: z
      .object({
        authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
        requireResidentKey: z.boolean().optional(),
        residentKey: z.enum(['required', 'preferred', 'discouraged']).optional(),
        userVerification: userVerification.optional(),
      })
      .optional(),
    hints: z.array(z.string()).optional(),
    attestation: z.enum(['none', 'indirect', 'direct', 'enterprise']).optional(),
    attestationFormats: z.array(z.string()).optional(),
    extensions: z.object({ credProps: z.boolean().optional() }).optional(),
  })
  .meta({ id: 'PasskeyCreationOptions', description: 'PublicKeyCredentialCreationOptionsJSON: pass to @simplewebauthn/browser startRegistration({ optionsJSON })' });
const requestOptions = z
  .object({
    challenge: z.string(),
    timeout: z.number().int().optional(),
    rpId: z.string().optional(),
    allowCredentials: z.array(descriptor).optional(),
    userVerification: userVerification.optional(),
    hints: z.array(z.string()).optional(),
  })
  .meta({ id: 'PasskeyRequestOptions', description: 'PublicKeyCredentialRequestOptionsJSON: pass to @simplewebauthn/browser startAuthentication({ optionsJSON })' });

const passkeyName = z.string().trim().min(1).max(80);
const passkeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    deviceType: z.enum(['singleDevice', 'multiDevice']),
    backedUp: z.boolean(),
  })
  .meta({ id: 'Passkey' });
const idParams = z.object({ id: credentialId });
const mfaToken = z.string().min(40).max(200);

function toPasskey(p: PasskeyInfo): z.infer<typeof passkeySchema> {
  return {
    id: p.id,
    name: p.name,
    createdAt: p.createdAt.toISOString(),
    lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
    deviceType: p.deviceType,
    backedUp: p.backedUp,
  };
}

const webauthnCookie = { path: '/', secure: true, sameSite: 'strict' as const, httpOnly: true };

export interface PasskeyRouteDeps extends AuthHttpDeps {
  auth: Pick<AuthService, 'getUser' | 'liveMfaChallenge' | 'loginMfaPasskey'>;
  passkeys: PasskeyService;
}

export function registerPasskeyRoutes(app: FastifyInstance, deps: PasskeyRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['passkeys'];
  const strict = (max: number) => ({ rateLimit: { max, timeWindow: '1 minute' } });
  const relyingParty = (request: FastifyRequest) => deps.passkeys.relyingParty({ protocol: request.protocol, host: request.host });

  async function signedIn(reply: FastifyReply, session: IssuedSession) {
    setSessionCookies(reply, session);
    const user = await deps.auth.getUser(session.userId);
    return { mfaRequired: false as const, user: userAnswer(user), session: { id: session.sessionId, expiresAt: session.sessionExpiresAt.toISOString() } };
  }

  // --- managing my passkeys ---------------------------------------------------------------------------
  routes.post(
    '/api/auth/passkeys/register/options',
    {
      config: strict(10),
      schema: {
        tags,
        summary: 'Start adding a passkey (a session signed in within 10 minutes, or the password and code)',
        body: z
          .strictObject({
            password: z.string().min(1).max(1024).optional(),
            code: z.string().trim().min(6).max(20).optional(),
          })
          // No body at all when the session is fresh.
          .nullish(),
        response: { 200: creationOptions },
      },
    },
    async (request, reply) => {
      const principal = await requireUser(request, deps);
      void reply.header('cache-control', 'no-store');
      return deps.passkeys.registrationOptions(principal, request.body ?? {}, relyingParty(request), clientContext(request));
    },
  );

  routes.post(
    '/api/auth/passkeys/register/verify',
    {
      config: strict(10),
      schema: {
        tags,
        summary: 'Finish adding a passkey',
        body: z.strictObject({ response: registrationResponse, name: passkeyName }),
        response: { 201: passkeySchema },
      },
    },
    async (request, reply) => {
      const principal = await requireUser(request, deps);
      const passkey = await deps.passkeys.register(principal, request.body, relyingParty(request), clientContext(request));
      return reply.code(201).send(toPasskey(passkey));
    },
  );

  routes.get(
    '/api/auth/passkeys',
    { schema: { tags, summary: 'My passkeys', response: { 200: z.object({ passkeys: z.array(passkeySchema) }) } } },
    async (request) => {
      const principal = await requireUser(request, deps);
      return { passkeys: (await deps.passkeys.list(principal.userId)).map(toPasskey) };
    },
  );

  routes.patch(
    '/api/auth/passkeys/:id',
    {
      config: strict(30),
      schema: { tags, summary: 'Rename one of my passkeys', params: idParams, body: z.strictObject({ name: passkeyName }), response: { 200: passkeySchema } },
    },
    async (request) => {
      const principal = await requireUser(request, deps);
      return toPasskey(await deps.passkeys.rename(principal, request.params.id, request.body.name, clientContext(request)));
    },
  );

  routes.delete(
    '/api/auth/passkeys/:id',
    { config: strict(30), schema: { tags, summary: 'Remove one of my passkeys', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      const principal = await requireUser(request, deps);
      await deps.passkeys.remove(principal, request.params.id, clientContext(request));
      return reply.code(204).send(null);
    },
  );

  // --- password-less sign-in --------------------------------------------------------------------------
  routes.post(
    '/api/auth/passkeys/login/options',
    { config: strict(30), schema: { tags, summary: 'Start signing in with a passkey (no email or password)', response: { 200: requestOptions } } },
    async (request, reply) => {
      const { challengeId, options } = await deps.passkeys.loginOptions(relyingParty(request));
      // SECURITY: the challenge's id is the only way to its row (webauthn_challenges_anonymous);
      // HttpOnly keeps it from page scripts, SameSite=Strict from other sites' requests.
      void reply.setCookie(WEBAUTHN_COOKIE, challengeId, { ...webauthnCookie, maxAge: PASSKEY_CHALLENGE_MS / 1000 });
      void reply.header('cache-control', 'no-store');
      return options;
    },
  );

  routes.post(
    '/api/auth/passkeys/login/verify',
    { config: strict(30), schema: { tags, summary: 'Finish signing in with a passkey', body: z.strictObject({ response: authenticationResponse }), response: { 200: signedInAnswer } } },
    async (request, reply) => {
      const challengeId = request.cookies[WEBAUTHN_COOKIE];
      // Spent whatever happens next: one attempt per challenge.
      void reply.clearCookie(WEBAUTHN_COOKIE, webauthnCookie);
      if (challengeId === undefined || !UUID.test(challengeId)) throw new AppError('auth.token_invalid', { message: 'This passkey request has expired; start again.' });
      const session = await deps.passkeys.login(challengeId, request.body.response, relyingParty(request), clientContext(request));
      return signedIn(reply, session);
    },
  );

  // --- passkey as the second step after a password -------------------------------------------------------
  routes.post(
    '/api/auth/login/mfa/passkey/options',
    {
      config: strict(30),
      schema: { tags, summary: 'Second step with a passkey: the challenge for this sign-in', body: z.strictObject({ mfaToken }), response: { 200: requestOptions } },
    },
    async (request, reply) => {
      const challenge = await deps.auth.liveMfaChallenge(request.body.mfaToken);
      void reply.header('cache-control', 'no-store');
      return deps.passkeys.secondFactorOptions(challenge, relyingParty(request));
    },
  );

  routes.post(
    '/api/auth/login/mfa/passkey/verify',
    {
      config: strict(30),
      schema: {
        tags,
        summary: 'Finish signing in with a passkey after the password',
        body: z.strictObject({ mfaToken, response: authenticationResponse }),
        response: { 200: signedInAnswer },
      },
    },
    async (request, reply) => {
      const client = clientContext(request);
      const rp = relyingParty(request);
      const session = await deps.auth.loginMfaPasskey(
        { mfaToken: request.body.mfaToken, verifyPasskey: (challenge) => deps.passkeys.verifySecondFactor(challenge, request.body.response, rp, client) },
        client,
      );
      return signedIn(reply, session);
    },
  );
}
