-- 0003: the append-only, hash-chained audit log. One chain per workspace plus one platform chain
-- (workspace_id NULL). The database, not the app, links each entry into its chain: a BEFORE
-- INSERT trigger serialises appends per chain, and sets id, seq, prev_hash, occurred_at and hash
-- over whatever the client sent. The app and system roles may only SELECT and INSERT; nobody may
-- UPDATE or TRUNCATE, and only the retention role may DELETE, and only entries a checkpoint written
-- earlier in the same transaction covers. Edits made by switching triggers off are caught by
-- recomputing every hash (src/audit/verify.ts).
--
-- Canonical serialisation of an entry (audit_entry_hash; src/audit/hash.ts must match it byte for
-- byte, and hash.test.ts compares the two on tricky values):
--   hash = lower-hex SHA-256 of the UTF-8 bytes of field(v1) || field(v2) || ... || field(v16)
--   field(NULL) = '~,'      field(text) = <UTF-8 byte length in decimal> ':' <text> ','
-- in this order: 'throughline.audit.v1', prev_hash, workspace_id::text, seq::text,
-- occurred_at as whole milliseconds since the Unix epoch (decimal), actor_kind, actor_id, action,
-- target_type, target_id, result, ip::text (always with its mask: '203.0.113.7/32'), user_agent, device::text, request_id, details::text.
-- The length prefix makes the encoding unambiguous whatever a value contains (quotes, commas,
-- colons, newlines, '~'). jsonb columns enter as jsonb's own text output, which is canonical
-- (keys de-duplicated and sorted by length then bytes, fixed spacing), so the verifier hashes the
-- text PostgreSQL prints rather than re-serialising parsed JSON.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'throughline_retention') THEN
    -- SECURITY: the only role the append-only trigger lets delete; used solely by the retention job.
    CREATE ROLE throughline_retention NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO throughline_retention;

-- ids come from this sequence through the chain trigger only: a client-chosen id could otherwise
-- claim a future value and make later appends fail on the primary key.
CREATE SEQUENCE audit_log_id_seq;

CREATE TABLE audit_log (
  id           bigint PRIMARY KEY,
  workspace_id uuid,
  seq          bigint NOT NULL CHECK (seq > 0),
  occurred_at  timestamptz NOT NULL,
  actor_id     text CHECK (length(actor_id) <= 200),
  actor_kind   text NOT NULL CHECK (actor_kind IN ('user', 'system', 'api_key')),
  action       text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
  target_type  text CHECK (length(target_type) <= 100),
  target_id    text CHECK (length(target_id) <= 200),
  result       text NOT NULL CHECK (result IN ('success', 'failure', 'denied')),
  ip           inet,
  user_agent   text CHECK (length(user_agent) <= 512),
  device       jsonb,
  request_id   text CHECK (length(request_id) <= 200),
  details      jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash    text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash         text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  -- SECURITY: one entry per position in a chain, even if the chain lock were bypassed: a fork
  -- becomes a unique violation. Also the index the trigger finds a chain's last entry with.
  CONSTRAINT audit_log_chain_seq_key UNIQUE NULLS NOT DISTINCT (workspace_id, seq)
);
ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id;
CREATE INDEX audit_log_workspace_time_idx ON audit_log (workspace_id, occurred_at);

-- Where a chain resumes after retention purged its oldest entries: seq and hash of the last
-- purged entry. Append-only like the log; the checkpoint with the highest seq is the one that counts.
CREATE TABLE audit_checkpoints (
  id           bigserial PRIMARY KEY,
  chain_key    text NOT NULL,
  workspace_id uuid,
  seq          bigint NOT NULL CHECK (seq > 0),
  hash         text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  purged_before timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (chain_key = coalesce(workspace_id::text, 'platform')),
  UNIQUE (chain_key, seq)
);

-- One field of the canonical serialisation (see the top of this file).
CREATE FUNCTION audit_hash_field(value text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN value IS NULL THEN '~,' ELSE octet_length(convert_to(value, 'UTF8'))::text || ':' || value || ',' END $$;

-- The hash of one entry; the chain trigger's only way to compute it, and what tests compare
-- src/audit/hash.ts against.
CREATE FUNCTION audit_entry_hash(
  prev_hash text, workspace_id uuid, seq bigint, occurred_at timestamptz, actor_kind text, actor_id text,
  action text, target_type text, target_id text, result text, ip inet, user_agent text, device jsonb,
  request_id text, details jsonb
) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT encode(sha256(convert_to(
    audit_hash_field('throughline.audit.v1') || audit_hash_field(prev_hash) || audit_hash_field(workspace_id::text) ||
    audit_hash_field(seq::text) || audit_hash_field(floor(extract(epoch FROM occurred_at) * 1000)::bigint::text) ||
    audit_hash_field(actor_kind) || audit_hash_field(actor_id) || audit_hash_field(action) ||
    audit_hash_field(target_type) || audit_hash_field(target_id) || audit_hash_field(result) ||
    audit_hash_field(ip::text) || audit_hash_field(user_agent) || audit_hash_field(device::text) ||
    audit_hash_field(request_id) || audit_hash_field(details::text),
    'UTF8')), 'hex')
$$;

CREATE FUNCTION audit_log_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_seq  bigint;
  last_hash text;
BEGIN
  -- SECURITY: appends to one chain queue here until the holder's transaction ends, so each sees
  -- its predecessor committed (READ COMMITTED takes a fresh snapshot per statement in this
  -- function). The two-int4 form keeps this key space apart from the migration lock (one bigint);
  -- 720351903 is the audit chain's class id. Two chains sharing a hashtext only share a queue.
  PERFORM pg_advisory_xact_lock(720351903, hashtext(coalesce(NEW.workspace_id::text, 'platform')));
  -- Two branches so each uses the (workspace_id, seq) index (IS NOT DISTINCT FROM would not).
  IF NEW.workspace_id IS NULL THEN
    SELECT l.seq, l.hash INTO last_seq, last_hash FROM audit_log l WHERE l.workspace_id IS NULL ORDER BY l.seq DESC LIMIT 1;
  ELSE
    SELECT l.seq, l.hash INTO last_seq, last_hash FROM audit_log l WHERE l.workspace_id = NEW.workspace_id ORDER BY l.seq DESC LIMIT 1;
  END IF;
  IF last_seq IS NULL THEN
    -- Retention may have purged the whole chain: it continues from its newest checkpoint.
    SELECT c.seq, c.hash INTO last_seq, last_hash FROM audit_checkpoints c
    WHERE c.chain_key = coalesce(NEW.workspace_id::text, 'platform') ORDER BY c.seq DESC LIMIT 1;
  END IF;
  -- SECURITY: whatever the client sent for these is overwritten: it cannot pick its position in
  -- the chain, its predecessor, its hash, its time (no backdating past retention) or its id.
  NEW.id := nextval('audit_log_id_seq');
  NEW.seq := coalesce(last_seq, 0) + 1;
  NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
  -- Milliseconds: what a JavaScript Date holds, so the verifier reads back exactly what was hashed.
  NEW.occurred_at := date_trunc('milliseconds', clock_timestamp());
  NEW.details := coalesce(NEW.details, '{}'::jsonb);
  NEW.hash := audit_entry_hash(NEW.prev_hash, NEW.workspace_id, NEW.seq, NEW.occurred_at, NEW.actor_kind, NEW.actor_id,
    NEW.action, NEW.target_type, NEW.target_id, NEW.result, NEW.ip, NEW.user_agent, NEW.device, NEW.request_id, NEW.details);
  RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_link BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_link();

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- SECURITY: current_user is the role in effect (this function is not SECURITY DEFINER), so the
  -- owner, a superuser and the app all land here. Nobody may rewrite an entry or truncate; only
  -- the retention role may delete, and only entries at or below its chain's newest checkpoint,
  -- so it can drop an expired prefix but never the middle or the end of a chain.
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_log' AND current_user = 'throughline_retention' THEN
    IF OLD.seq <= (SELECT max(c.seq) FROM audit_checkpoints c WHERE c.chain_key = coalesce(OLD.workspace_id::text, 'platform')) THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log: entry % of chain % is not covered by a retention checkpoint', OLD.seq, coalesce(OLD.workspace_id::text, 'platform')
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_refuse_row_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_refuse_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

CREATE FUNCTION audit_checkpoint_anchor() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  entry_hash text;
  entry_at   timestamptz;
BEGIN
  -- SECURITY: a checkpoint is what lets retention delete, so it must name a real entry that is
  -- older than its cutoff, and the cutoff must be at least four weeks old (the shortest retention
  -- period, one month, less slack for the app's clock): the retention role cannot checkpoint
  -- recent entries and then delete them. Its hash is copied from the entry, not trusted.
  IF NEW.workspace_id IS NULL THEN
    SELECT l.hash, l.occurred_at INTO entry_hash, entry_at FROM audit_log l WHERE l.workspace_id IS NULL AND l.seq = NEW.seq;
  ELSE
    SELECT l.hash, l.occurred_at INTO entry_hash, entry_at FROM audit_log l WHERE l.workspace_id = NEW.workspace_id AND l.seq = NEW.seq;
  END IF;
  IF entry_hash IS NULL THEN
    RAISE EXCEPTION 'audit checkpoint names no entry' USING ERRCODE = 'check_violation';
  END IF;
  IF entry_at >= NEW.purged_before OR NEW.purged_before > now() - interval '28 days' THEN
    RAISE EXCEPTION 'audit checkpoint would cover entries still within retention' USING ERRCODE = 'check_violation';
  END IF;
  NEW.chain_key := coalesce(NEW.workspace_id::text, 'platform');
  NEW.hash := entry_hash;
  NEW.created_at := now();
  RETURN NEW;
END
$$;

CREATE TRIGGER audit_checkpoint_anchor BEFORE INSERT ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_anchor();
CREATE TRIGGER audit_checkpoints_refuse_row_change BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_checkpoints_refuse_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_tenant ON audit_log
  USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
-- Verification walks every chain; platform events are written with no workspace.
CREATE POLICY audit_log_system_read ON audit_log FOR SELECT TO throughline_system USING (true);
CREATE POLICY audit_log_system_platform_insert ON audit_log FOR INSERT TO throughline_system
  WITH CHECK (workspace_id IS NULL);

ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoints FORCE ROW LEVEL SECURITY;
-- The chain trigger reads a workspace's checkpoints when its chain was purged to nothing.
CREATE POLICY audit_checkpoints_tenant ON audit_checkpoints FOR SELECT
  USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);
CREATE POLICY audit_checkpoints_system_read ON audit_checkpoints FOR SELECT TO throughline_system USING (true);

-- Retention purges expired prefixes of every chain: it reads the log, appends checkpoints and
-- deletes what they cover (the trigger above enforces "covers"). It cannot insert entries.
CREATE POLICY audit_log_retention_read ON audit_log FOR SELECT TO throughline_retention USING (true);
CREATE POLICY audit_log_retention_delete ON audit_log FOR DELETE TO throughline_retention USING (true);
CREATE POLICY audit_checkpoints_retention_read ON audit_checkpoints FOR SELECT TO throughline_retention USING (true);
CREATE POLICY audit_checkpoints_retention_insert ON audit_checkpoints FOR INSERT TO throughline_retention WITH CHECK (true);

GRANT SELECT, INSERT ON audit_log TO throughline_app, throughline_system;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO throughline_app, throughline_system;
GRANT SELECT ON audit_checkpoints TO throughline_app, throughline_system;
GRANT SELECT, DELETE ON audit_log TO throughline_retention;
GRANT SELECT, INSERT ON audit_checkpoints TO throughline_retention;
GRANT USAGE ON SEQUENCE audit_checkpoints_id_seq TO throughline_retention;
