//! The PostgreSQL engine: one session of the synchronous `postgres` client.
//!
//! The station's service calls the store from plain threads and from
//! Rocket's workers; the client blocks on a runtime of its own, so each call
//! leaves the async worker first ([`blocking`]). A session that the server
//! dropped (restart, network) is reopened at the next statement outside a
//! transaction, so the station recovers without a restart; inside a
//! transaction the loss is an error and the transaction is gone, as it
//! should be: nothing of it was committed.

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, Config, NoTls};

use crate::db::{Db, DbError, Row, Val};

/// How long a connection attempt waits before the station reports the
/// database unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// A session with the database at a `postgres://` URL.
pub struct PgConn {
    config: Config,
    /// `host:port/dbname`, for messages (never the password).
    target: String,
    client: RefCell<Option<Client>>,
    in_tx: Cell<bool>,
}

/// Runs `f` where a blocking client may block: off the async worker when
/// called from one.
pub(crate) fn blocking<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        Ok(_) => std::thread::scope(|s| s.spawn(f).join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
        Err(_) => f(),
    }
}

/// Why a `postgres://` URL is refused.
pub fn parse_url(url: &str) -> Result<Config, String> {
    let mut config = Config::from_str(url).map_err(|e| format!("`{}` is not a PostgreSQL URL: {e}", redact(url)))?;
    if config.get_hosts().is_empty() {
        return Err(format!("`{}` names no host; expected postgres://user:password@host:port/database", redact(url)));
    }
    if config.get_dbname().is_none() {
        return Err(format!(
            "`{}` names no database; expected postgres://user:password@host:port/database",
            redact(url)
        ));
    }
    config.connect_timeout(CONNECT_TIMEOUT);
    config.keepalives(true);
    config.keepalives_idle(Duration::from_secs(30));
    config.application_name("juzhu");
    Ok(config)
}

/// The URL with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "?".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}/{}", config.get_dbname().unwrap_or("?"))
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // A client's drop blocks on its own runtime: off the async worker.
        let client = self.client.get_mut().take();
        blocking(move || drop(client));
    }
}

impl PgConn {
    /// Connects to `url` (see [`parse_url`]).
    pub fn connect(url: &str) -> Result<PgConn, DbError> {
        let config = parse_url(url).map_err(DbError::Shape)?;
        let target = describe(&config);
        let conn = PgConn { config, target, client: RefCell::new(None), in_tx: Cell::new(false) };
        conn.with_client(|_| Ok(()))?;
        Ok(conn)
    }

    /// `host:port/dbname`.
    pub fn target(&self) -> &str {
        &self.target
    }

    fn open(&self) -> Result<Client, DbError> {
        let config = self.config.clone();
        let mut client = blocking(move || config.connect(NoTls))
            .map_err(|e| DbError::Unreachable { target: self.target.clone(), detail: e.to_string() })?;
        // Acknowledged means committed: a COMMIT returns only once its WAL is
        // flushed, whatever the server's default.
        blocking(|| client.batch_execute("SET synchronous_commit = on; SET TIME ZONE 'UTC'"))?;
        Ok(client)
    }

    fn with_client<R: Send>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<R, postgres::Error> + Send,
    ) -> Result<R, DbError> {
        let mut slot = self.client.borrow_mut();
        let lost = slot.as_ref().is_none_or(Client::is_closed);
        if lost {
            // Dropping a client blocks on its runtime too.
            let old = slot.take();
            blocking(move || drop(old));
            if self.in_tx.get() {
                return Err(DbError::Unreachable {
                    target: self.target.clone(),
                    detail: "the connection was lost inside a transaction; nothing of it was committed".into(),
                });
            }
            *slot = Some(self.open()?);
        }
        let client = slot.as_mut().expect("connected above");
        let result = blocking(|| f(client));
        if let Err(e) = &result
            && (e.is_closed() || client.is_closed())
        {
            let old = slot.take();
            blocking(move || drop(old));
        }
        result.map_err(|e| {
            if e.as_db_error().is_none() {
                DbError::Unreachable { target: self.target.clone(), detail: e.to_string() }
            } else {
                DbError::Postgres(e)
            }
        })
    }

    /// Runs statements without parameters (transaction control, DDL).
    pub fn batch(&self, sql: &str) -> Result<(), DbError> {
        self.with_client(|c| c.batch_execute(sql))
    }

    /// Marks whether a transaction is open (a lost connection inside one is
    /// an error, not a silent reconnect).
    pub(crate) fn set_in_tx(&self, open: bool) {
        self.in_tx.set(open);
    }

    pub(crate) fn in_tx(&self) -> bool {
        self.in_tx.get()
    }
}

/// `?N` (the store's placeholders) to `$N`.
fn dollar(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// A [`Val`] bound to whatever type the server inferred for its parameter.
#[derive(Debug)]
struct Param<'a>(&'a Val);

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match (self.0, ty) {
            (Val::Null, _) => Ok(IsNull::Yes),
            (Val::Int(n), &Type::INT2) => i16::try_from(*n)?.to_sql(ty, out),
            (Val::Int(n), &Type::INT4) => i32::try_from(*n)?.to_sql(ty, out),
            (Val::Int(n), &Type::INT8) => n.to_sql(ty, out),
            (Val::Int(n), &Type::FLOAT8) => (*n as f64).to_sql(ty, out),
            (Val::Int(n), _) => n.to_string().as_str().to_sql(ty, out),
            (Val::Real(x), &Type::FLOAT8) => x.to_sql(ty, out),
            (Val::Real(x), _) => x.to_string().as_str().to_sql(ty, out),
            (Val::Text(t), &Type::INT2) => t.parse::<i16>()?.to_sql(ty, out),
            (Val::Text(t), &Type::INT4) => t.parse::<i32>()?.to_sql(ty, out),
            (Val::Text(t), &Type::INT8) => t.parse::<i64>()?.to_sql(ty, out),
            (Val::Text(t), _) => t.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn read_row(r: &postgres::Row, names: &Arc<[String]>) -> Result<Row, postgres::Error> {
    let mut vals = Vec::with_capacity(names.len());
    for (i, col) in r.columns().iter().enumerate() {
        let v = match *col.type_() {
            Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(|n| Val::Int(n.into())),
            Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(|n| Val::Int(n.into())),
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Val::Int),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Val::Real),
            Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(|b| Val::Int(b.into())),
            _ => r.try_get::<_, Option<String>>(i)?.map(Val::Text),
        };
        vals.push(v.unwrap_or(Val::Null));
    }
    Ok(Row::new(names.clone(), vals))
}

impl Db for PgConn {
    fn query(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError> {
        let sql = dollar(sql);
        self.with_client(|c| {
            let bound: Vec<Param<'_>> = params.iter().map(Param).collect();
            let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            let rows = c.query(sql.as_str(), &refs)?;
            let Some(first) = rows.first() else { return Ok(Vec::new()) };
            let names: Arc<[String]> = first.columns().iter().map(|c| c.name().to_string()).collect();
            rows.iter().map(|r| read_row(r, &names)).collect()
        })
    }

    fn execute(&self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        let sql = dollar(sql);
        self.with_client(|c| {
            let bound: Vec<Param<'_>> = params.iter().map(Param).collect();
            let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            c.execute(sql.as_str(), &refs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars() {
        assert_eq!(dollar("SELECT a FROM t WHERE b = ?1 AND c = ?12"), "SELECT a FROM t WHERE b = $1 AND c = $12");
    }

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(redact("postgres://juzhu:s3cret@db:5432/juzhu"), "postgres://juzhu:***@db:5432/juzhu");
        assert_eq!(redact("postgres://db/juzhu"), "postgres://db/juzhu");
        let err = parse_url("postgres://juzhu:s3cret@db:5432").unwrap_err();
        assert!(err.contains("names no database") && !err.contains("s3cret"), "{err}");
    }
}
