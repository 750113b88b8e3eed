// Who is signed in, for every page: loads GET /api/me once, reloads it after changes (sign-in, 2FA
// on, a new workspace), and drops to "signed out" when the API client reports the session is gone.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, mayHaveSession, rememberSignedIn, setApiEvents } from './api/client.js';
import { identityApi, type Me } from './api/identity.js';
import { setLocale, t } from './i18n/index.js';
import { navigate } from './navigation.js';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out' }
  | { status: 'signed-in'; me: Me }
  | { status: 'unavailable'; error: ApiError };

export interface Session {
  state: SessionState;
  /** Re-reads /api/me (after anything that changes the user, their workspaces or this session). */
  reload(): Promise<Me | undefined>;
  /** After a successful sign-in: remember it and load the user. */
  signedIn(): Promise<Me | undefined>;
  /** Sign out here (the server ends the session), then show the sign-in page. */
  signOut(): Promise<void>;
  /** The session ended elsewhere (reset password, revoked this session): forget it locally. */
  forget(): void;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside <SessionProvider>');
  return session;
}

/** The signed-in user, for pages that render only when someone is signed in. */
export function useMe(): Me {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useMe on a page shown while signed out');
  return state.me;
}

/** Asks the server who is signed in; every failure becomes a state the app can show. */
async function readSession(signal?: AbortSignal): Promise<SessionState> {
  try {
    const me = await identityApi.me(signal);
    rememberSignedIn(true);
    setLocale(me.user.locale);
    return { status: 'signed-in', me };
  } catch (error) {
    if (error instanceof ApiError && error.code === 'auth.unauthenticated') {
      rememberSignedIn(false);
      return { status: 'signed-out' };
    }
    return { status: 'unavailable', error: error instanceof ApiError ? error : new ApiError(0, 'internal', t('error.unexpected')) };
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>(() => (mayHaveSession() ? { status: 'loading' } : { status: 'signed-out' }));

  const reload = useCallback(async (): Promise<Me | undefined> => {
    const next = await readSession();
    setState(next);
    return next.status === 'signed-in' ? next.me : undefined;
  }, []);

  const forget = useCallback(() => {
    rememberSignedIn(false);
    setState({ status: 'signed-out' });
  }, []);

  const signedIn = useCallback(async () => {
    rememberSignedIn(true);
    return reload();
  }, [reload]);

  const signOut = useCallback(async () => {
    try {
      await identityApi.logout();
    } finally {
      forget();
      navigate('/login', { replace: true });
    }
  }, [forget]);

  useEffect(() => {
    setApiEvents({
      onSignedOut: () => setState({ status: 'signed-out' }),
      onMfaSetupRequired: (workspaceId) =>
        navigate(`/account/security?required=2fa${workspaceId === undefined ? '' : `&workspace=${encodeURIComponent(workspaceId)}`}`),
    });
  }, []);

  useEffect(() => {
    if (!mayHaveSession()) return;
    const controller = new AbortController();
    void readSession(controller.signal).then((next) => {
      if (!controller.signal.aborted) setState(next);
    });
    return () => controller.abort();
  }, []);

  const value = useMemo<Session>(() => ({ state, reload, signedIn, signOut, forget }), [state, reload, signedIn, signOut, forget]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
