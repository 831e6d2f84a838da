//! Numbered schema migrations, applied on open.
//!
//! Each migration runs once, in its own transaction, and is recorded in
//! `schema_migrations` with the sha256 of its SQL. A migration is never edited
//! after release: a changed checksum, or a database migrated by newer code
//! than this build, stops the open with an error instead of guessing.
//!
//! SQLite and PostgreSQL have a list each ([`MIGRATIONS`],
//! [`POSTGRES_MIGRATIONS`]): the dialects differ (identity columns, JSON
//! checks, trigger functions), the tables and columns do not, so the store's
//! queries and a record's hash are the same on both. PostgreSQL starts at
//! the schema SQLite reached in migration 7.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use super::StoreError;
use crate::db::{Db, DbError};
use crate::pg::PgConn;

/// One step of the schema. `version` numbers are consecutive from 1.
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration this build knows, oldest first. Append; never edit.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "applications, decisions, permits, endorsements, audit log",
        sql: r#"
-- One row per submitted application; `facts` is the contract `application`
-- as JSON, `input_sha256` the hash the receipt quotes.
CREATE TABLE applications (
    id            INTEGER PRIMARY KEY,
    jurisdiction  TEXT    NOT NULL CHECK (length(jurisdiction) = 6),
    legal_date    TEXT    NOT NULL,
    facts         TEXT    NOT NULL CHECK (json_valid(facts)),
    input_sha256  TEXT    NOT NULL CHECK (length(input_sha256) = 64),
    received_at   TEXT    NOT NULL
);

-- The recorded decision for an application, with the module that made it.
CREATE TABLE decisions (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL UNIQUE REFERENCES applications(id),
    outcome         TEXT    NOT NULL CHECK (outcome IN ('eligible', 'ineligible', 'incomplete')),
    tier            TEXT             CHECK (tier IN ('standard', 'temporary')),
    decision        TEXT    NOT NULL CHECK (json_valid(decision)),
    module_id       TEXT    NOT NULL,
    module_version  TEXT    NOT NULL,
    module_sha256   TEXT    NOT NULL CHECK (length(module_sha256) = 64),
    legal_date      TEXT    NOT NULL,
    decided_at      TEXT    NOT NULL,
    CHECK (outcome <> 'eligible' OR tier IS NOT NULL)
);

-- A permit is issued from exactly one eligible decision.
CREATE TABLE permits (
    number             TEXT    PRIMARY KEY,
    jurisdiction       TEXT    NOT NULL CHECK (length(jurisdiction) = 6),
    tier               TEXT    NOT NULL CHECK (tier IN ('standard', 'temporary')),
    state              TEXT    NOT NULL CHECK (state IN ('active', 'suspended', 'cancelled')),
    issued_on          TEXT    NOT NULL,
    holder_citizen_id  TEXT    NOT NULL,
    facts              TEXT    NOT NULL CHECK (json_valid(facts)),
    decision_id        INTEGER NOT NULL UNIQUE REFERENCES decisions(id),
    suspended_since    TEXT,
    cancelled_on       TEXT,
    updated_at         TEXT    NOT NULL
);
CREATE INDEX permits_by_holder ON permits (holder_citizen_id);

CREATE TABLE endorsements (
    permit_number  TEXT NOT NULL REFERENCES permits(number),
    endorsed_on    TEXT NOT NULL,
    PRIMARY KEY (permit_number, endorsed_on)
) WITHOUT ROWID;

-- The last serial used per jurisdiction and year of issue; bumped in the
-- issuing transaction, so numbers are gap-free.
CREATE TABLE permit_serials (
    jurisdiction  TEXT    NOT NULL,
    year          INTEGER NOT NULL,
    last_serial   INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction, year)
) WITHOUT ROWID;

-- Append-only, hash-chained. `seq` is assigned by the writer (max + 1), not
-- by AUTOINCREMENT, because it is part of the hashed content.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    details    TEXT    NOT NULL CHECK (json_valid(details)),
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE
);
-- A first line of defence for honest code paths; `verify_audit` is the one
-- that holds against someone who drops these triggers.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be updated'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted'); END;
"#,
    },
    Migration {
        version: 2,
        name: "API tokens",
        sql: r#"
-- API tokens: only the sha256 of each token is kept (see auth.rs). A name is
-- unique among active tokens; a revoked token keeps its row for the record.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin')),
    token_sha256  TEXT    NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    created_at    TEXT    NOT NULL,
    revoked_at    TEXT
);
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;
"#,
    },
    Migration {
        version: 3,
        name: "module pins",
        sql: r#"
-- An operator's pin (or rollback) of a division to one certified module
-- version; versions after it do not take over. The audit log records who
-- pinned, rolled back or unpinned, and when.
CREATE TABLE module_pins (
    division   TEXT NOT NULL PRIMARY KEY CHECK (length(division) = 6),
    module_id  TEXT NOT NULL,
    version    TEXT NOT NULL,
    pinned_by  TEXT NOT NULL,
    pinned_at  TEXT NOT NULL
) WITHOUT ROWID;
"#,
    },
    Migration {
        version: 4,
        name: "card issuance journal and cards",
        sql: r#"
-- The write-ahead journal of card issuance (see issuance/mod.rs). The image
-- and its signature are stored before the first write, so every retry
-- writes the same bytes.
CREATE TABLE card_issuances (
    id               INTEGER PRIMARY KEY,
    permit_number    TEXT    NOT NULL REFERENCES permits(number),
    kind             TEXT    NOT NULL CHECK (kind IN ('issue', 'reissue', 'endorse')),
    encoder          TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('pending', 'image_built', 'encoding', 'written', 'verified', 'done', 'rejected', 'failed')),
    attempt          INTEGER NOT NULL DEFAULT 0 CHECK (attempt BETWEEN 0 AND 3),
    chip_uid         TEXT,
    card_serial      TEXT,
    image            TEXT    CHECK (image IS NULL OR json_valid(image)),
    image_sha256     TEXT,
    replaces_serial  TEXT,
    legal_date       TEXT    NOT NULL,
    error            TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    CHECK (state IN ('pending', 'failed', 'rejected') OR (image IS NOT NULL AND chip_uid IS NOT NULL AND card_serial IS NOT NULL))
);
CREATE INDEX card_issuances_by_permit ON card_issuances (permit_number);
-- At most one issuance in flight per permit.
CREATE UNIQUE INDEX card_issuances_one_open ON card_issuances (permit_number)
    WHERE state NOT IN ('done', 'rejected', 'failed');
-- And at most one per encoder: two issuances must never share a card.
CREATE UNIQUE INDEX card_issuances_one_per_encoder ON card_issuances (encoder)
    WHERE state NOT IN ('done', 'rejected', 'failed');

-- Cards that verified by read-back. A permit is carded while it has a card
-- that is not revoked; a reissue revokes the old serial in the transaction
-- that records the new card.
CREATE TABLE cards (
    serial          TEXT    PRIMARY KEY,
    permit_number   TEXT    NOT NULL REFERENCES permits(number),
    chip_uid        TEXT    NOT NULL,
    issuance_id     INTEGER NOT NULL REFERENCES card_issuances(id),
    verified_at     TEXT    NOT NULL,
    revoked_at      TEXT,
    revoked_reason  TEXT
);
CREATE UNIQUE INDEX cards_one_valid_per_permit ON cards (permit_number) WHERE revoked_at IS NULL;
"#,
    },
    Migration {
        version: 5,
        name: "each permit's last transition",
        sql: r#"
-- The last transition of each permit and its legal date: a transition whose
-- legal date precedes it is stale (a replay, or a backdated request) and is
-- refused. Permits transitioned before this migration take theirs from the
-- audit log (the latest legal date; among equal dates, the latest entry).
ALTER TABLE permits ADD COLUMN last_transition TEXT
    CHECK (last_transition IN ('endorse', 'suspend', 'restore', 'cancel'));
ALTER TABLE permits ADD COLUMN last_transition_on TEXT;
UPDATE permits SET
    last_transition = (
        SELECT substr(a.action, 8) FROM audit_log a
        WHERE a.subject = 'permit:' || permits.number
          AND a.action IN ('permit.endorse', 'permit.suspend', 'permit.restore', 'permit.cancel')
        ORDER BY json_extract(a.details, '$.legal_date') DESC, a.seq DESC LIMIT 1),
    last_transition_on = (
        SELECT json_extract(a.details, '$.legal_date') FROM audit_log a
        WHERE a.subject = 'permit:' || permits.number
          AND a.action IN ('permit.endorse', 'permit.suspend', 'permit.restore', 'permit.cancel')
        ORDER BY json_extract(a.details, '$.legal_date') DESC, a.seq DESC LIMIT 1);
"#,
    },
    Migration {
        version: 6,
        name: "audit entries commit to the records they write",
        sql: r#"
-- Each entry from here on stores `records`: record id -> sha256 of the row
-- as its transaction left it (see commitments.rs), and hashes it with the
-- entry. Adding a column is not an UPDATE, so the append-only triggers stay.
ALTER TABLE audit_log ADD COLUMN records TEXT CHECK (records IS NULL OR json_valid(records));
-- The first seq that must carry `records`; entries before it were written
-- by earlier builds and are verified as before.
CREATE TABLE audit_commitments (
    since_seq  INTEGER NOT NULL
);
INSERT INTO audit_commitments (since_seq) SELECT coalesce(max(seq), 0) + 1 FROM audit_log;
CREATE TRIGGER audit_commitments_no_update BEFORE UPDATE ON audit_commitments
BEGIN SELECT RAISE(ABORT, 'audit_commitments is fixed at migration'); END;
CREATE TRIGGER audit_commitments_no_delete BEFORE DELETE ON audit_commitments
BEGIN SELECT RAISE(ABORT, 'audit_commitments is fixed at migration'); END;
"#,
    },
    Migration {
        version: 7,
        name: "the station of each audit entry and card issuance",
        sql: r#"
-- The station that wrote each entry, hashed with it when present; entries
-- written before have none and hash as before.
ALTER TABLE audit_log ADD COLUMN station TEXT;
-- The station whose encoder writes the card: restart recovery touches only
-- its own rows (NULL: written before, by the database's only station).
ALTER TABLE card_issuances ADD COLUMN station TEXT;
"#,
    },
    Migration {
        version: 8,
        name: "the holder's facts recorded with an endorsement",
        sql: r#"
-- An endorsement is a fresh check on the holder's facts as of its date; when
-- the clerk gives them, they are kept with it as a dated fact set (NULL: the
-- endorsement was decided on the facts already on record).
ALTER TABLE endorsements ADD COLUMN facts TEXT CHECK (facts IS NULL OR json_valid(facts));
"#,
    },
    Migration {
        version: 9,
        name: "each active permit's points, for ranking from storage",
        sql: r#"
-- Derived from the records (see points.rs): the holder's points as module
-- `module_sha256` gives them on `as_of`. A row exists only while its permit
-- is active. Ranked by the index: higher total first, then permit number.
-- A rowid table: the breakdown makes rows kilobytes long, which SQLite
-- stores badly in a WITHOUT ROWID table's b-tree.
CREATE TABLE permit_points (
    permit_number   TEXT    PRIMARY KEY REFERENCES permits(number),
    jurisdiction    TEXT    NOT NULL CHECK (length(jurisdiction) = 6),
    as_of           TEXT    NOT NULL,
    total           INTEGER NOT NULL,
    excluded        INTEGER NOT NULL CHECK (excluded IN (0, 1)),
    breakdown       TEXT    NOT NULL CHECK (json_valid(breakdown)),
    module_id       TEXT    NOT NULL,
    module_version  TEXT    NOT NULL,
    module_sha256   TEXT    NOT NULL CHECK (length(module_sha256) = 64),
    scored_at       TEXT    NOT NULL
);
CREATE INDEX permit_points_ranking
    ON permit_points (jurisdiction, module_sha256, excluded, total DESC, permit_number);
CREATE INDEX permits_active_by_jurisdiction ON permits (jurisdiction, state, number);
"#,
    },
];

/// PostgreSQL's migrations. Append; never edit.
pub const POSTGRES_MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "the schema of SQLite migrations 1 to 7",
        sql: r#"
CREATE TABLE applications (
    id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    jurisdiction  TEXT   NOT NULL CHECK (length(jurisdiction) = 6),
    legal_date    TEXT   NOT NULL,
    facts         TEXT   NOT NULL CHECK (facts::jsonb IS NOT NULL),
    input_sha256  TEXT   NOT NULL CHECK (length(input_sha256) = 64),
    received_at   TEXT   NOT NULL
);

CREATE TABLE decisions (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    application_id  BIGINT NOT NULL UNIQUE REFERENCES applications(id),
    outcome         TEXT   NOT NULL CHECK (outcome IN ('eligible', 'ineligible', 'incomplete')),
    tier            TEXT            CHECK (tier IN ('standard', 'temporary')),
    decision        TEXT   NOT NULL CHECK (decision::jsonb IS NOT NULL),
    module_id       TEXT   NOT NULL,
    module_version  TEXT   NOT NULL,
    module_sha256   TEXT   NOT NULL CHECK (length(module_sha256) = 64),
    legal_date      TEXT   NOT NULL,
    decided_at      TEXT   NOT NULL,
    CHECK (outcome <> 'eligible' OR tier IS NOT NULL)
);

CREATE TABLE permits (
    number              TEXT   PRIMARY KEY,
    jurisdiction        TEXT   NOT NULL CHECK (length(jurisdiction) = 6),
    tier                TEXT   NOT NULL CHECK (tier IN ('standard', 'temporary')),
    state               TEXT   NOT NULL CHECK (state IN ('active', 'suspended', 'cancelled')),
    issued_on           TEXT   NOT NULL,
    holder_citizen_id   TEXT   NOT NULL,
    facts               TEXT   NOT NULL CHECK (facts::jsonb IS NOT NULL),
    decision_id         BIGINT NOT NULL UNIQUE REFERENCES decisions(id),
    suspended_since     TEXT,
    cancelled_on        TEXT,
    updated_at          TEXT   NOT NULL,
    last_transition     TEXT   CHECK (last_transition IN ('endorse', 'suspend', 'restore', 'cancel')),
    last_transition_on  TEXT
);
CREATE INDEX permits_by_holder ON permits (holder_citizen_id);

CREATE TABLE endorsements (
    permit_number  TEXT NOT NULL REFERENCES permits(number),
    endorsed_on    TEXT NOT NULL,
    PRIMARY KEY (permit_number, endorsed_on)
);

CREATE TABLE permit_serials (
    jurisdiction  TEXT   NOT NULL,
    year          BIGINT NOT NULL,
    last_serial   BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction, year)
);

-- One chain for every station on this database; appends are serialised by
-- the write lock each write transaction takes (see the store's lib.rs).
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         TEXT   NOT NULL,
    actor      TEXT   NOT NULL,
    action     TEXT   NOT NULL,
    subject    TEXT   NOT NULL,
    details    TEXT   NOT NULL CHECK (details::jsonb IS NOT NULL),
    prev_hash  TEXT   NOT NULL,
    hash       TEXT   NOT NULL UNIQUE,
    records    TEXT   CHECK (records IS NULL OR records::jsonb IS NOT NULL),
    station    TEXT
);
CREATE FUNCTION juzhu_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION '% is append-only: entries cannot be %', TG_TABLE_NAME, lower(TG_OP) || 'd';
END
$fn$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION juzhu_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION juzhu_append_only();

CREATE TABLE audit_commitments (
    since_seq  BIGINT NOT NULL
);
INSERT INTO audit_commitments (since_seq) SELECT coalesce(max(seq), 0) + 1 FROM audit_log;
CREATE TRIGGER audit_commitments_no_update BEFORE UPDATE ON audit_commitments
    FOR EACH ROW EXECUTE FUNCTION juzhu_append_only();
CREATE TRIGGER audit_commitments_no_delete BEFORE DELETE ON audit_commitments
    FOR EACH ROW EXECUTE FUNCTION juzhu_append_only();

CREATE TABLE api_tokens (
    id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name          TEXT   NOT NULL,
    role          TEXT   NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin')),
    token_sha256  TEXT   NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    created_at    TEXT   NOT NULL,
    revoked_at    TEXT
);
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE module_pins (
    division   TEXT NOT NULL PRIMARY KEY CHECK (length(division) = 6),
    module_id  TEXT NOT NULL,
    version    TEXT NOT NULL,
    pinned_by  TEXT NOT NULL,
    pinned_at  TEXT NOT NULL
);

CREATE TABLE card_issuances (
    id               BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    permit_number    TEXT   NOT NULL REFERENCES permits(number),
    kind             TEXT   NOT NULL CHECK (kind IN ('issue', 'reissue', 'endorse')),
    encoder          TEXT   NOT NULL,
    state            TEXT   NOT NULL CHECK (state IN ('pending', 'image_built', 'encoding', 'written', 'verified', 'done', 'rejected', 'failed')),
    attempt          BIGINT NOT NULL DEFAULT 0 CHECK (attempt BETWEEN 0 AND 3),
    chip_uid         TEXT,
    card_serial      TEXT,
    image            TEXT   CHECK (image IS NULL OR image::jsonb IS NOT NULL),
    image_sha256     TEXT,
    replaces_serial  TEXT,
    legal_date       TEXT   NOT NULL,
    error            TEXT,
    created_at       TEXT   NOT NULL,
    updated_at       TEXT   NOT NULL,
    station          TEXT   NOT NULL,
    CHECK (state IN ('pending', 'failed', 'rejected') OR (image IS NOT NULL AND chip_uid IS NOT NULL AND card_serial IS NOT NULL))
);
CREATE INDEX card_issuances_by_permit ON card_issuances (permit_number);
CREATE UNIQUE INDEX card_issuances_one_open ON card_issuances (permit_number)
    WHERE state NOT IN ('done', 'rejected', 'failed');
-- Encoders belong to their station: two stations may each have a `desk-1`.
CREATE UNIQUE INDEX card_issuances_one_per_encoder ON card_issuances (station, encoder)
    WHERE state NOT IN ('done', 'rejected', 'failed');

CREATE TABLE cards (
    serial          TEXT   PRIMARY KEY,
    permit_number   TEXT   NOT NULL REFERENCES permits(number),
    chip_uid        TEXT   NOT NULL,
    issuance_id     BIGINT NOT NULL REFERENCES card_issuances(id),
    verified_at     TEXT   NOT NULL,
    revoked_at      TEXT,
    revoked_reason  TEXT
);
CREATE UNIQUE INDEX cards_one_valid_per_permit ON cards (permit_number) WHERE revoked_at IS NULL;
"#,
    },
    Migration {
        version: 2,
        name: "the holder's facts recorded with an endorsement (SQLite migration 8)",
        sql: r#"
ALTER TABLE endorsements ADD COLUMN facts TEXT CHECK (facts IS NULL OR facts::jsonb IS NOT NULL);
"#,
    },
    Migration {
        version: 3,
        name: "each active permit's points, for ranking from storage (SQLite migration 9)",
        sql: r#"
CREATE TABLE permit_points (
    permit_number   TEXT    PRIMARY KEY REFERENCES permits(number),
    jurisdiction    TEXT    NOT NULL CHECK (length(jurisdiction) = 6),
    as_of           TEXT    NOT NULL,
    total           BIGINT  NOT NULL,
    excluded        BIGINT  NOT NULL CHECK (excluded IN (0, 1)),
    breakdown       TEXT    NOT NULL CHECK (breakdown::jsonb IS NOT NULL),
    module_id       TEXT    NOT NULL,
    module_version  TEXT    NOT NULL,
    module_sha256   TEXT    NOT NULL CHECK (length(module_sha256) = 64),
    scored_at       TEXT    NOT NULL
);
CREATE INDEX permit_points_ranking
    ON permit_points (jurisdiction, module_sha256, excluded, total DESC, permit_number);
CREATE INDEX permits_active_by_jurisdiction ON permits (jurisdiction, state, number);
"#,
    },
];

/// The advisory lock a PostgreSQL migration holds: two stations starting on
/// a new database migrate it once.
pub const PG_MIGRATE_LOCK: i64 = 0x6a75_7a68_7502;

/// The newest PostgreSQL schema version this build understands.
pub fn latest_postgres_version() -> u32 {
    POSTGRES_MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings a PostgreSQL schema up to [`latest_postgres_version`], in one
/// transaction under [`PG_MIGRATE_LOCK`]. Returns the versions applied now.
pub fn migrate_postgres(conn: &PgConn) -> Result<Vec<u32>, StoreError> {
    conn.batch("BEGIN")?;
    conn.set_in_tx(true);
    let result = migrate_postgres_in_tx(conn);
    let end = if result.is_ok() { conn.batch("COMMIT") } else { conn.batch("ROLLBACK") };
    conn.set_in_tx(false);
    let applied = result?;
    end?;
    Ok(applied)
}

fn migrate_postgres_in_tx(conn: &PgConn) -> Result<Vec<u32>, StoreError> {
    conn.batch(&format!("SELECT pg_advisory_xact_lock({PG_MIGRATE_LOCK})"))?;
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version     BIGINT PRIMARY KEY,
             name        TEXT NOT NULL,
             sha256      TEXT NOT NULL,
             applied_at  TEXT NOT NULL
         );",
    )?;
    let newest = conn.query_one("SELECT max(version) FROM schema_migrations", &[])?.opt_int(0)?;
    let supported = latest_postgres_version();
    if let Some(found) = newest
        && found > i64::from(supported)
    {
        return Err(StoreError::SchemaTooNew { found: found as u32, supported });
    }
    let mut applied = Vec::new();
    for m in POSTGRES_MIGRATIONS {
        let recorded = conn
            .query_opt("SELECT sha256 FROM schema_migrations WHERE version = ?1", crate::params![m.version])?
            .map(|r| r.text(0))
            .transpose()?;
        let sum = checksum(m.sql);
        match recorded {
            Some(s) if s == sum => continue,
            Some(s) => return Err(StoreError::MigrationChanged { version: m.version, recorded: s, current: sum }),
            None => {}
        }
        conn.batch(m.sql).map_err(|source| StoreError::Migration { version: m.version, name: m.name, source })?;
        conn.execute(
            "INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?1, ?2, ?3, ?4)",
            crate::params![m.version, m.name, sum, super::now()],
        )?;
        applied.push(m.version);
    }
    Ok(applied)
}

/// The newest schema version this build understands.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Brings the schema up to [`latest_version`]. Returns the versions applied
/// now (empty when the database was already current).
pub fn migrate(conn: &mut Connection) -> Result<Vec<u32>, StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version     INTEGER PRIMARY KEY,
             name        TEXT NOT NULL,
             sha256      TEXT NOT NULL,
             applied_at  TEXT NOT NULL
         );",
    )?;
    let newest: Option<u32> = conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0))?;
    let supported = latest_version();
    if let Some(found) = newest
        && found > supported
    {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS {
        // IMMEDIATE: two processes opening the same new file must not both
        // run a migration; the second waits (busy timeout) and then sees it.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let recorded: Option<String> = tx
            .query_row("SELECT sha256 FROM schema_migrations WHERE version = ?1", [m.version], |r| r.get(0))
            .optional()?;
        let sum = checksum(m.sql);
        match recorded {
            Some(s) if s == sum => continue,
            Some(s) => {
                return Err(StoreError::MigrationChanged { version: m.version, recorded: s, current: sum });
            }
            None => {}
        }
        tx.execute_batch(m.sql).map_err(|source| StoreError::Migration {
            version: m.version,
            name: m.name,
            source: DbError::Sqlite(source),
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?1, ?2, ?3, ?4)",
            params![m.version, m.name, sum, super::now()],
        )?;
        tx.commit()?;
        applied.push(m.version);
    }
    Ok(applied)
}
