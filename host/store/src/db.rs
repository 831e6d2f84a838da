//! The one seam between the store's logic and its two engines.
//!
//! Every query the store runs is written once, in the SQL both SQLite and
//! PostgreSQL accept (`?N` placeholders, `RETURNING`, `ON CONFLICT`), and
//! runs through [`Db`]: a SQLite connection or write, or a PostgreSQL
//! session (`crate::pg`). Values cross the seam as [`Val`]: the store keeps
//! only integers and text, so two variants (and NULL) cover every column.

use std::sync::Arc;

use rusqlite::types::ValueRef;

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<i32> for Val {
    fn from(v: i32) -> Self {
        Val::Int(v.into())
    }
}
impl From<u32> for Val {
    fn from(v: u32) -> Self {
        Val::Int(v.into())
    }
}
impl From<&u32> for Val {
    fn from(v: &u32) -> Self {
        Val::Int((*v).into())
    }
}
impl From<&i64> for Val {
    fn from(v: &i64) -> Self {
        Val::Int(*v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_string())
    }
}
impl From<&&str> for Val {
    fn from(v: &&str) -> Self {
        Val::Text(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Self {
        Val::Text(v.clone())
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}
impl From<&Option<String>> for Val {
    fn from(v: &Option<String>) -> Self {
        v.as_deref().into()
    }
}

/// Builds a parameter list: `params![a, b]` is `&[Val::from(a), Val::from(b)]`.
#[macro_export]
macro_rules! params {
    ($($x:expr),* $(,)?) => { &[$($crate::db::Val::from($x)),*][..] };
}

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg_message(.0))]
    Postgres(#[from] postgres::Error),
    /// A value of the wrong type, or an expected row missing.
    #[error("{0}")]
    Shape(String),
    /// The database server cannot be reached now.
    #[error("the PostgreSQL server at {target} cannot be reached: {detail}")]
    Unreachable { target: String, detail: String },
}

fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

impl DbError {
    /// A PostgreSQL error's SQLSTATE, e.g. `23505` for a unique violation.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            DbError::Postgres(e) => e.code().map(|c| c.code()),
            _ => None,
        }
    }

    /// Whether the database server could not be reached (as opposed to
    /// refusing the statement): the station answers 503 and retries later.
    /// Whether the database has no room for the write: SQLite's
    /// `SQLITE_FULL` (the disk, or the station's size cap) or PostgreSQL's
    /// `53100 disk_full`. The statement failed whole; nothing of it was
    /// written.
    pub fn is_storage_full(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => e.code == rusqlite::ErrorCode::DiskFull,
            DbError::Postgres(e) => e.code().is_some_and(|c| c.code() == "53100"),
            _ => false,
        }
    }

    pub fn is_unreachable(&self) -> bool {
        match self {
            DbError::Unreachable { .. } => true,
            DbError::Postgres(e) => {
                e.is_closed()
                    || match e.code() {
                        // No server answer at all, a connection exception
                        // (class 08), or the server shutting down or starting
                        // (57P01 to 57P03).
                        None => true,
                        Some(code) => code.code().starts_with("08") || code.code().starts_with("57P0"),
                    }
            }
            _ => false,
        }
    }
}

/// One result row: its column names and values.
#[derive(Debug, Clone)]
pub struct Row {
    names: Arc<[String]>,
    vals: Vec<Val>,
}

impl Row {
    pub fn new(names: Arc<[String]>, vals: Vec<Val>) -> Self {
        Row { names, vals }
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn values(&self) -> &[Val] {
        &self.vals
    }

    fn at(&self, i: usize) -> Result<&Val, DbError> {
        self.vals.get(i).ok_or_else(|| DbError::Shape(format!("no column {i}")))
    }

    fn shape(&self, i: usize, want: &str) -> DbError {
        let name = self.names.get(i).map_or("?", String::as_str);
        DbError::Shape(format!("column {name} is {:?}, expected {want}", self.vals.get(i)))
    }

    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.at(i)? {
            Val::Int(n) => Ok(*n),
            _ => Err(self.shape(i, "an integer")),
        }
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.at(i)? {
            Val::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    pub fn text(&self, i: usize) -> Result<String, DbError> {
        match self.at(i)? {
            Val::Text(t) => Ok(t.clone()),
            _ => Err(self.shape(i, "text")),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.at(i)? {
            Val::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
}

/// Something SQL runs against: a connection, or a write in progress.
pub trait Db {
    /// Runs a statement that returns rows.
    fn query(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError>;
    /// Runs a statement; returns the rows it changed.
    fn execute(&self, sql: &str, params: &[Val]) -> Result<u64, DbError>;

    /// The first row, if any.
    fn query_opt(&self, sql: &str, params: &[Val]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Exactly one row is expected.
    fn query_one(&self, sql: &str, params: &[Val]) -> Result<Row, DbError> {
        self.query_opt(sql, params)?.ok_or_else(|| DbError::Shape(format!("no row returned by: {}", sql.trim())))
    }
}

impl<D: Db + ?Sized> Db for &D {
    fn query(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError> {
        (**self).query(sql, params)
    }
    fn execute(&self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        (**self).execute(sql, params)
    }
}

fn bind(stmt: &mut rusqlite::Statement<'_>, params: &[Val]) -> rusqlite::Result<()> {
    for (i, p) in params.iter().enumerate() {
        let idx = i + 1;
        match p {
            Val::Null => stmt.raw_bind_parameter(idx, rusqlite::types::Null)?,
            Val::Int(n) => stmt.raw_bind_parameter(idx, n)?,
            Val::Real(x) => stmt.raw_bind_parameter(idx, x)?,
            Val::Text(t) => stmt.raw_bind_parameter(idx, t)?,
        }
    }
    Ok(())
}

impl Db for rusqlite::Connection {
    fn query(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError> {
        let mut stmt = self.prepare_cached(sql)?;
        let names: Arc<[String]> = stmt.column_names().into_iter().map(String::from).collect();
        bind(&mut stmt, params)?;
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(names.len());
            for i in 0..names.len() {
                vals.push(match r.get_ref(i)? {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(n) => Val::Int(n),
                    ValueRef::Real(x) => Val::Real(x),
                    ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Val::Text(hex::encode(b)),
                });
            }
            out.push(Row::new(names.clone(), vals));
        }
        Ok(out)
    }

    fn execute(&self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        let mut stmt = self.prepare_cached(sql)?;
        bind(&mut stmt, params)?;
        Ok(stmt.raw_execute()? as u64)
    }
}
