-- 0002: the role for cross-tenant platform work (key rotation, retention, audit verification).
-- It has no BYPASSRLS either: it sees tenant rows only on tables whose policies name it
-- explicitly, so every cross-tenant path is visible in the schema and in code (unsafeAsSystem).

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'throughline_system') THEN
    CREATE ROLE throughline_system NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO throughline_system;
-- Platform jobs enumerate workspaces (e.g. to re-wrap each one's data key); nothing more yet.
GRANT SELECT ON workspaces TO throughline_system;
CREATE POLICY workspaces_system_read ON workspaces FOR SELECT TO throughline_system USING (true);
