// Connection strings for tests against a PostgreSQL server.

export function appUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined || url === '') throw new Error('TEST_DATABASE_URL is not set');
  return url;
}

/** The owner login (CREATEDB, owns the test databases); defaults to the app login. */
export function ownerUrl(): string {
  const url = process.env.TEST_DATABASE_OWNER_URL;
  return url === undefined || url === '' ? appUrl() : url;
}

export function withDatabaseName(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${database}`;
  return url.toString();
}
