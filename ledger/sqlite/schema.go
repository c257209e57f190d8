package sqlite

// migrations[i] brings the schema from version i to i+1. They only ever
// grow: a released migration is never edited.
var migrations = []string{
	`
CREATE TABLE products (
	id             TEXT PRIMARY KEY,
	licence_prefix TEXT NOT NULL,
	features       TEXT NOT NULL,      -- JSON array: feature name per bit
	created        TEXT NOT NULL
) STRICT;

CREATE TABLE licences (
	key      TEXT PRIMARY KEY,         -- normalized licence key
	display  TEXT NOT NULL,
	product  TEXT NOT NULL REFERENCES products(id),
	seats    INTEGER NOT NULL CHECK (seats >= 1),
	-- seats held by live activations, kept in the same transactions that
	-- change them: the database itself refuses to over-issue.
	in_use   INTEGER NOT NULL DEFAULT 0 CHECK (in_use >= 0 AND in_use <= seats),
	expires  INTEGER,                  -- codec.Day, NULL = perpetual
	features INTEGER NOT NULL,
	customer TEXT NOT NULL,
	status   TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
	created  TEXT NOT NULL
) STRICT;
CREATE INDEX licences_product ON licences(product);

CREATE TABLE activations (
	serial      INTEGER PRIMARY KEY AUTOINCREMENT,
	licence     TEXT NOT NULL REFERENCES licences(key),
	machine     TEXT NOT NULL,         -- canonical machine UID
	seats       INTEGER NOT NULL CHECK (seats >= 1),
	key_id      TEXT NOT NULL,
	issued      INTEGER NOT NULL,      -- codec.Day
	expires     INTEGER,               -- codec.Day, NULL = perpetual
	features    INTEGER NOT NULL,
	created     TEXT NOT NULL,
	released    TEXT,                  -- NULL while the seat is held
	release_why TEXT
) STRICT;
-- One live activation per licence and machine: the database itself
-- refuses a second seat for the same machine.
CREATE UNIQUE INDEX activations_live ON activations(licence, machine) WHERE released IS NULL;

-- The seat counter follows the activations whatever statement changes
-- them; with CHECK (in_use <= seats) an over-issue cannot commit.
CREATE TRIGGER activations_take_seat AFTER INSERT ON activations WHEN NEW.released IS NULL
BEGIN
	UPDATE licences SET in_use = in_use + NEW.seats WHERE key = NEW.licence;
END;
CREATE TRIGGER activations_free_seat AFTER UPDATE OF released ON activations
	WHEN OLD.released IS NULL AND NEW.released IS NOT NULL
BEGIN
	UPDATE licences SET in_use = in_use - OLD.seats WHERE key = OLD.licence;
END;

CREATE TABLE audit (
	seq     INTEGER PRIMARY KEY,
	at      TEXT NOT NULL,
	action  TEXT NOT NULL,
	subject TEXT NOT NULL,
	detail  TEXT NOT NULL,             -- JSON
	prev    BLOB NOT NULL,
	hash    BLOB NOT NULL
) STRICT;
`,
	`
-- What the ledger remembers of the vendor's keystore: a keystore restored
-- from an old backup has a lower generation or an un-revoked key.
CREATE TABLE keystore_state (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	generation INTEGER NOT NULL,
	revoked    TEXT NOT NULL           -- JSON array of key IDs
) STRICT;
`,
	`
-- One audit chain per licence (and per product, and for the keystore), so
-- that writers for different licences never wait on one chain head. The
-- entries of the single chain of earlier ledgers stay as they were, in the
-- legacy chain ''.
ALTER TABLE audit RENAME TO audit_single;
CREATE TABLE audit (
	id      INTEGER PRIMARY KEY AUTOINCREMENT, -- storage order, for paging
	chain   TEXT NOT NULL,
	seq     INTEGER NOT NULL,                  -- position in its chain, from 1
	at      TEXT NOT NULL,
	action  TEXT NOT NULL,
	subject TEXT NOT NULL,
	detail  TEXT NOT NULL,                     -- JSON
	prev    BLOB NOT NULL,
	hash    BLOB NOT NULL,
	UNIQUE (chain, seq)
) STRICT;
INSERT INTO audit(id, chain, seq, at, action, subject, detail, prev, hash)
	SELECT seq, '', seq, at, action, subject, detail, prev, hash FROM audit_single ORDER BY seq;
DROP TABLE audit_single;

-- The chain heads each checkpoint signed, under the root it signed.
CREATE TABLE checkpoints (
	root  BLOB PRIMARY KEY,
	heads TEXT NOT NULL                        -- JSON [{chain, seq, hash}]
) STRICT;
`,
	`
-- The keys each product release line embeds in its keyring, so that a
-- release shipped before a key rotation still gets codes it can verify.
CREATE TABLE releases (
	product TEXT NOT NULL REFERENCES products(id),
	line    TEXT NOT NULL,                     -- minor version, "4.2"
	keys    TEXT NOT NULL,                     -- JSON array of key IDs, oldest first
	PRIMARY KEY (product, line)
) STRICT;
`,
	`
-- Licence types per product, machine names and when machines were last
-- seen online.
CREATE TABLE plans (
	product TEXT NOT NULL REFERENCES products(id),
	id      TEXT NOT NULL,
	body    TEXT NOT NULL,                     -- JSON licensing.Plan
	PRIMARY KEY (product, id)
) STRICT;
ALTER TABLE licences ADD COLUMN plan TEXT NOT NULL DEFAULT '';
ALTER TABLE activations ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE activations ADD COLUMN last_seen TEXT;
CREATE INDEX activations_released ON activations(licence, released) WHERE released IS NOT NULL;
`,
	`
-- API tokens for the vendor's own tools: the hash of the secret, never
-- the secret.
CREATE TABLE tokens (
	id      TEXT PRIMARY KEY,
	name    TEXT NOT NULL,
	scope   TEXT NOT NULL CHECK (scope IN ('admin', 'read')),
	hash    BLOB NOT NULL,
	created TEXT NOT NULL,
	expires TEXT NOT NULL,
	revoked INTEGER NOT NULL DEFAULT 0
) STRICT;
`,
	`
-- Portal sessions, in the ledger so that every instance behind a load
-- balancer knows them: the SHA-256 of the cookie's token, never the
-- token; a customer's licence or a staff member's API token (whose scope
-- and revocation are read live). Not part of a copy: sessions are
-- signed in again.
CREATE TABLE sessions (
	hash    BLOB PRIMARY KEY,
	licence TEXT NOT NULL DEFAULT '',
	token   TEXT NOT NULL DEFAULT '',
	created TEXT NOT NULL,
	expires INTEGER NOT NULL,                  -- Unix seconds
	CHECK ((licence = '') <> (token = ''))
) STRICT;
CREATE INDEX sessions_expires ON sessions(expires);
`,
	`
-- Customer API tokens (docs/api.md): a token acts for one licence, one
-- customer's licences or one product's, named by subject. SQLite cannot
-- change a CHECK, so the table is rebuilt.
CREATE TABLE tokens_new (
	id      TEXT PRIMARY KEY,
	name    TEXT NOT NULL,
	scope   TEXT NOT NULL CHECK (scope IN ('admin', 'read', 'licence', 'customer', 'product')),
	hash    BLOB NOT NULL,
	created TEXT NOT NULL,
	expires TEXT NOT NULL,
	revoked INTEGER NOT NULL DEFAULT 0,
	subject TEXT NOT NULL DEFAULT '',
	CHECK ((scope IN ('admin', 'read')) = (subject = ''))
) STRICT;
INSERT INTO tokens_new(id, name, scope, hash, created, expires, revoked)
	SELECT id, name, scope, hash, created, expires, revoked FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_new RENAME TO tokens;
-- A product's legacy licence keys (codec.KeyPattern), if it has any.
ALTER TABLE products ADD COLUMN legacy_keys TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN legacy_lookalikes INTEGER NOT NULL DEFAULT 0;
`,
	`
-- Indexes that keep an activation's cost constant in the machines its
-- licence holds (sqlledger: Seat, RecentHolders, LapsedLeases): the
-- newest live activations, the live ones that expire, and the live ones
-- by each per-machine component of their UID (the drift candidates; the
-- expressions are where a component sits in the UID's canonical text).
-- The seat counter needs no backfill: licences.in_use has been kept by
-- triggers since the first schema.
CREATE INDEX activations_live_serial ON activations(licence, serial) WHERE released IS NULL;
CREATE INDEX activations_lease ON activations(licence, expires) WHERE released IS NULL AND expires IS NOT NULL;
CREATE INDEX activations_drift_network ON activations(licence, substr(machine, 2, 3)) WHERE released IS NULL;
CREATE INDEX activations_drift_osid ON activations(licence, substr(machine, 13, 3)) WHERE released IS NULL;
CREATE INDEX activations_drift_uuid ON activations(licence, substr(machine, 16, 4)) WHERE released IS NULL;
CREATE INDEX activations_drift_custom ON activations(licence, substr(machine, 20, 3)) WHERE released IS NULL;
`,
}
