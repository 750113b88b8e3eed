// Passkeys (src/auth/passkey-routes.ts): the browser ceremony through @simplewebauthn/browser, then
// the server's verification. A failed or cancelled ceremony becomes an ApiError like any other, so
// forms show it the same way.
import {
  WebAuthnError,
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import { t } from '../i18n/index.js';
import { ApiError, api, segment } from './client.js';
import type { LoginAnswer } from './identity.js';

export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
}

/** Needed to add a passkey when this session was not started within the last few minutes. */
export interface Reauthentication {
  password: string;
  code?: string;
}

export function passkeysSupported(): boolean {
  return browserSupportsWebAuthn();
}

function ceremonyError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof WebAuthnError && error.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') {
    return new ApiError(0, 'passkey.already_registered', t('passkey.alreadyRegistered'));
  }
  const name = error instanceof Error ? error.name : '';
  if (name === 'NotAllowedError' || name === 'AbortError' || (error instanceof WebAuthnError && error.code === 'ERROR_CEREMONY_ABORTED')) {
    return new ApiError(0, 'passkey.cancelled', t('passkey.cancelled'));
  }
  return new ApiError(0, 'passkey.failed', t('passkey.failed'));
}

async function register(optionsJSON: PublicKeyCredentialCreationOptionsJSON): Promise<RegistrationResponseJSON> {
  try {
    return await startRegistration({ optionsJSON });
  } catch (error) {
    throw ceremonyError(error);
  }
}

async function authenticate(optionsJSON: PublicKeyCredentialRequestOptionsJSON): Promise<AuthenticationResponseJSON> {
  try {
    return await startAuthentication({ optionsJSON });
  } catch (error) {
    throw ceremonyError(error);
  }
}

export const passkeysApi = {
  list: (signal?: AbortSignal) => api.get<{ passkeys: Passkey[] }>('/api/auth/passkeys', signal === undefined ? undefined : { signal }),
  rename: (id: string, name: string) => api.patch<Passkey>(`/api/auth/passkeys/${segment(id)}`, { name }),
  remove: (id: string) => api.delete(`/api/auth/passkeys/${segment(id)}`),

  /**
   * Creates a passkey on this device and stores it under `name`.
   * @throws ApiError `auth.reauthentication_required` when the session is not fresh: ask for `reauth`.
   */
  async add(name: string, reauth?: Reauthentication): Promise<Passkey> {
    const options = await api.post<PublicKeyCredentialCreationOptionsJSON>('/api/auth/passkeys/register/options', reauth);
    const response = await register(options);
    return api.post<Passkey>('/api/auth/passkeys/register/verify', { name, response });
  },

  /** Signs in without a password (a discoverable passkey); the challenge travels in a cookie. */
  async signIn(): Promise<LoginAnswer> {
    const options = await api.post<PublicKeyCredentialRequestOptionsJSON>('/api/auth/passkeys/login/options');
    const response = await authenticate(options);
    return api.post<LoginAnswer>('/api/auth/passkeys/login/verify', { response });
  },

  /** The second step of a password sign-in, with a passkey instead of a code. */
  async secondFactor(mfaToken: string): Promise<LoginAnswer> {
    const options = await api.post<PublicKeyCredentialRequestOptionsJSON>('/api/auth/login/mfa/passkey/options', { mfaToken });
    const response = await authenticate(options);
    return api.post<LoginAnswer>('/api/auth/login/mfa/passkey/verify', { mfaToken, response });
  },
};
