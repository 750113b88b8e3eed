// A ConnectorContext as the sync engine builds one, pointed at a fake, and a helper that drains a stream.
import type { ConnectorContext, Connector, StreamName, SyncBatch } from '../../src/integrations/contract.js';
import { createProviderFetch } from '../../src/integrations/provider-fetch.js';

export function contextFor(fakeUrl: string, overrides: Partial<ConnectorContext> & { apiBaseUrl?: string }): ConnectorContext {
  return {
    accessToken: 'unset',
    apiBaseUrl: fakeUrl,
    settings: {},
    fetch: createProviderFetch({ trustedOrigins: [fakeUrl], timeoutMs: 5_000 }),
    since: '2026-01-01',
    until: '2026-01-07',
    cursor: null,
    signal: new AbortController().signal,
    now: () => new Date(),
    ...overrides,
  };
}

export async function drain<S extends StreamName>(connector: Connector, stream: S, context: ConnectorContext): Promise<Array<SyncBatch<S>>> {
  const batches: Array<SyncBatch<S>> = [];
  for await (const batch of connector.read(stream, context)) batches.push(batch);
  return batches;
}

/** Reads until the stream throws; returns what arrived before and the error. */
export async function drainUntilError<S extends StreamName>(connector: Connector, stream: S, context: ConnectorContext): Promise<{ batches: Array<SyncBatch<S>>; error: unknown }> {
  const batches: Array<SyncBatch<S>> = [];
  try {
    for await (const batch of connector.read(stream, context)) batches.push(batch);
  } catch (error) {
    return { batches, error };
  }
  return { batches, error: undefined };
}
