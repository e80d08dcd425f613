//! PostgreSQL and MySQL/MariaDB with sqlx: one connection, one read-only repeatable-read
//! transaction, rolled back at the end.

use sqlx_core::column::ColumnIndex;
use sqlx_core::connection::Connection;
use sqlx_core::database::Database;
use sqlx_core::decode::Decode;
use sqlx_core::query::query;
use sqlx_core::query_scalar::query_scalar;
use sqlx_core::raw_sql::raw_sql;
use sqlx_core::row::Row;
use sqlx_core::sql_str::AssertSqlSafe;
use sqlx_core::types::Type;
use sqlx_mysql::{MySql, MySqlConnection};
use sqlx_postgres::{PgConnection, Postgres};

use super::sqlite::TooFewColumns;
use super::tables::{Backend, BoxError, Cell, Dialect, Want, read_all};
use super::{SourceError, UserMapping};
use crate::model::DjangoData;

/// One cell of `row`, decoded as `want` asks, falling back to the other integer widths and
/// to text so that a mistyped value is reported by column rather than failing the query.
fn cell<R: Row>(row: &R, i: usize, want: Want) -> Cell
where
    usize: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i32: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i16: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let int = || {
        let v = row.try_get::<Option<i64>, _>(i);
        let v = v.or_else(|_| row.try_get::<Option<i32>, _>(i).map(|v| v.map(i64::from)));
        v.or_else(|_| row.try_get::<Option<i16>, _>(i).map(|v| v.map(i64::from)))
    };
    let text = || row.try_get::<Option<String>, _>(i);
    let cell = |v: Option<Cell>| v.unwrap_or(Cell::Null);
    match want {
        Want::Int => match int() {
            Ok(v) => cell(v.map(Cell::Int)),
            Err(_) => text().map_or(Cell::Other, |v| cell(v.map(Cell::Text))),
        },
        Want::Text => match text() {
            Ok(v) => cell(v.map(Cell::Text)),
            Err(_) => int().map_or(Cell::Other, |v| cell(v.map(Cell::Int))),
        },
    }
}

/// A connection of one sqlx driver.
struct Server<C>(C);

/// [`Backend`] for `Server<$conn>`; `$columns` lists a table's columns, one bind parameter.
macro_rules! server_backend {
    ($conn:ty, $db:ty, $dialect:expr, $columns:literal) => {
        impl Backend for Server<$conn> {
            fn dialect(&self) -> Dialect {
                $dialect
            }

            async fn columns(&mut self, table: &'static str) -> Result<Vec<String>, BoxError> {
                let rows = query::<$db>($columns)
                    .bind(table)
                    .fetch_all(&mut self.0)
                    .await?;
                let names = rows.iter().map(|r| r.try_get::<String, _>(0));
                Ok(names.collect::<Result<_, _>>()?)
            }

            async fn rows(&mut self, sql: &str, want: &[Want]) -> Result<Vec<Vec<Cell>>, BoxError> {
                let rows = query::<$db>(AssertSqlSafe(sql.to_owned()))
                    .fetch_all(&mut self.0)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    if row.len() < want.len() {
                        return Err(TooFewColumns(want.len()).into());
                    }
                    out.push(
                        want.iter()
                            .enumerate()
                            .map(|(i, &w)| cell(row, i, w))
                            .collect(),
                    );
                }
                Ok(out)
            }
        }
    };
}

server_backend!(
    PgConnection,
    Postgres,
    Dialect::Postgres,
    "SELECT attname::text FROM pg_catalog.pg_attribute \
     WHERE attrelid = to_regclass($1::text) AND attnum > 0 AND NOT attisdropped"
);

server_backend!(
    MySqlConnection,
    MySql,
    Dialect::MySql,
    "SELECT CAST(column_name AS CHAR(255)) FROM information_schema.columns \
     WHERE table_schema = DATABASE() AND table_name = ?"
);

fn tx_err(source: sqlx_core::Error) -> SourceError {
    SourceError::Transaction {
        source: source.into(),
    }
}

/// Reads `db` between `begin` (each statement in turn) and `ROLLBACK`, then closes it.
async fn read_in_tx<C: Connection>(
    mut db: Server<C>,
    begin: &[&'static str],
    users: &UserMapping,
) -> Result<DjangoData, SourceError>
where
    Server<C>: Backend,
    for<'c> &'c mut C: sqlx_core::executor::Executor<'c, Database = C::Database>,
    C::Database: Database,
{
    for &sql in begin {
        raw_sql(sql).execute(&mut db.0).await.map_err(tx_err)?;
    }
    let data = read_all(&mut db, users).await;
    let end = raw_sql("ROLLBACK").execute(&mut db.0).await;
    let data = data?;
    end.map_err(tx_err)?;
    db.0.close().await.map_err(tx_err)?;
    Ok(data)
}

/// Reads a PostgreSQL database.
pub(super) async fn read_postgres(
    url: &str,
    users: &UserMapping,
) -> Result<DjangoData, SourceError> {
    let conn = PgConnection::connect(url)
        .await
        .map_err(|e| SourceError::Connect { source: e.into() })?;
    let begin = [
        "BEGIN",
        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
    ];
    read_in_tx(Server(conn), &begin, users).await
}

/// Reads a MySQL or MariaDB database (`url` is `mysql://…`).
pub(super) async fn read_mysql(url: &str, users: &UserMapping) -> Result<DjangoData, SourceError> {
    let mut conn = MySqlConnection::connect(url)
        .await
        .map_err(|e| SourceError::Connect { source: e.into() })?;
    // Tables are looked up in DATABASE(): without one, every table would seem missing.
    let db: Option<String> = query_scalar::<MySql, _>("SELECT DATABASE()")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| SourceError::Connect { source: e.into() })?;
    if db.is_none() {
        return Err(SourceError::Url {
            reason: "the MySQL URL names no database (mysql://user@host/DATABASE)",
        });
    }
    let begin = [
        "SET time_zone = '+00:00'",
        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
    ];
    read_in_tx(Server(conn), &begin, users).await
}
