//! SQLite with rusqlite: the file opened read-only, one deferred transaction (a consistent
//! snapshot from its first read), every call on a blocking thread.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::tables::{Backend, BoxError, Cell, Dialect, Want, read_all};
use super::{SourceError, UserMapping};
use crate::model::DjangoData;

/// A read-only SQLite connection.
struct Lite(Connection);

impl Backend for Lite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn columns(&mut self, table: &'static str) -> Result<Vec<String>, BoxError> {
        let mut stmt = self.0.prepare("SELECT name FROM pragma_table_info(?1)")?;
        let names = stmt.query_map([table], |row| row.get::<_, String>(0))?;
        Ok(names.collect::<Result<_, _>>()?)
    }

    async fn rows(&mut self, sql: &str, want: &[Want]) -> Result<Vec<Vec<Cell>>, BoxError> {
        let mut stmt = self.0.prepare(sql)?;
        if stmt.column_count() < want.len() {
            return Err(TooFewColumns(want.len()).into());
        }
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut cells = Vec::with_capacity(want.len());
            for i in 0..want.len() {
                cells.push(match row.get_ref(i)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(v) => Cell::Int(v),
                    ValueRef::Text(t) => match std::str::from_utf8(t) {
                        Ok(s) => Cell::Text(s.to_owned()),
                        Err(_) => Cell::Other,
                    },
                    ValueRef::Real(_) | ValueRef::Blob(_) => Cell::Other,
                });
            }
            out.push(cells);
        }
        Ok(out)
    }
}

/// A query returned fewer columns than read.
#[derive(Debug, thiserror::Error)]
#[error("the query returns fewer than {0} columns")]
pub(crate) struct TooFewColumns(pub(crate) usize);

/// Reads the SQLite file at `path` on a blocking thread.
pub(super) async fn read(path: String, users: UserMapping) -> Result<DjangoData, SourceError> {
    let handle = tokio::runtime::Handle::try_current().map_err(|_| SourceError::Runtime)?;
    let blocking = handle.clone();
    handle
        .spawn_blocking(move || read_blocking(&blocking, &path, &users))
        .await
        .map_err(|source| SourceError::Task { source })?
}

fn read_blocking(
    handle: &tokio::runtime::Handle,
    path: &str,
    users: &UserMapping,
) -> Result<DjangoData, SourceError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| SourceError::Connect { source: e.into() })?;
    let tx = |sql: &str, conn: &Connection| {
        conn.execute_batch(sql)
            .map_err(|e| SourceError::Transaction { source: e.into() })
    };
    tx("PRAGMA query_only = ON; BEGIN", &conn)?;
    let mut db = Lite(conn);
    // The backend's futures never wait: block_on polls them to completion at once.
    let data = handle.block_on(read_all(&mut db, users));
    tx("ROLLBACK", &db.0)?;
    data
}
