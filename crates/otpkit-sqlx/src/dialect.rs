//! What one SQL server does differently: the [`Dialect`] trait.
//!
//! The store's operations are written once, in [`store`](crate::store), over a `Dialect`;
//! `postgres.rs` and `mysql.rs` each implement it with only what truly differs: the driver,
//! the placeholder style and the `INSERT`'s way of returning the new id ([`sql`](crate::sql)
//! renders the one SQL text for it), the statement that opens a transition's transaction, how
//! `user_id` / `model_label` travel (text or bytes), and which server errors mean "retry" or
//! "not migrated".

use crate::sqlx;
use std::future::Future;

use otpkit::device::DeviceId;
use otpkit::store::StoreError;
use sqlx::error::DatabaseError;
use sqlx_core::database::Database;
use sqlx_core::query::Query;

use crate::migrations::Embedded;
use crate::retry::Failure;
use crate::sql::Statements;

/// A query on dialect `D` with its driver's own arguments.
pub(crate) type DbQuery<D> =
    Query<'static, <D as Dialect>::Db, <<D as Dialect>::Db as Database>::Arguments>;

/// A connection of dialect `D`'s driver.
pub(crate) type DbConnection<D> = <<D as Dialect>::Db as Database>::Connection;

/// A result row of dialect `D`'s driver.
pub(crate) type DbRow<D> = <<D as Dialect>::Db as Database>::Row;

/// What a server error means to a transition (anything else is a plain backend error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerError {
    /// Deadlock, serialisation failure or lock-wait timeout: nothing was committed, run the
    /// transaction again.
    Retry,
    /// A missing table or column: the schema is not migrated (or by an older otpkit).
    Schema,
}

/// One SQL server's differences from the shared store body.
pub(crate) trait Dialect: Send + Sync + 'static {
    /// The sqlx driver.
    type Db: Database;

    /// The statement that begins a transition's transaction; `None` for the driver's plain
    /// `BEGIN` (at the server's isolation level).
    const BEGIN: Option<&'static str>;

    /// The embedded migrations (`migrations/<backend>/`).
    const MIGRATIONS: &'static [Embedded];

    /// Every statement in this dialect (rendered once and kept).
    fn statements() -> &'static Statements;

    /// Binds a `user_id` or `model_label` value (or a listing's optional filter on one).
    fn bind_key(q: DbQuery<Self>, key: Option<&str>) -> DbQuery<Self>;

    /// Reads the `user_id` or `model_label` column `column` of `row`.
    fn key(row: &DbRow<Self>, column: &str) -> Result<String, sqlx::Error>;

    /// Runs the rendered [`insert`](Statements::insert) and returns the new row's id.
    fn insert_id(
        conn: &mut DbConnection<Self>,
        q: DbQuery<Self>,
    ) -> impl Future<Output = Result<DeviceId, Failure>> + Send + '_;

    /// How many rows a statement changed.
    fn rows_affected(done: &<Self::Db as Database>::QueryResult) -> u64;

    /// What a server error means, if it means something particular.
    fn server_error(e: &dyn DatabaseError) -> Option<ServerError>;

    /// The statement an import's transaction opens with: it holds off every other insert
    /// (and other imports) until the import commits, so that the persistent ids it checks
    /// stay free and the ids new devices get can be raised above the imported ones.
    const IMPORT_LOCK: &'static str;

    /// After an import inserted its devices (the largest new id `max_new`): makes every
    /// later insert's id greater than `highest`, the largest imported id.
    fn raise_ids(
        conn: &mut DbConnection<Self>,
        highest: DeviceId,
        max_new: DeviceId,
    ) -> impl Future<Output = Result<(), Failure>> + Send + '_;
}

/// Sorts an error of dialect `D` into retry, schema, corrupt row or plain backend failure.
pub(crate) fn classify<D: Dialect>(e: sqlx::Error) -> Failure {
    if let sqlx::Error::Database(db) = &e {
        match D::server_error(db.as_ref()) {
            Some(ServerError::Retry) => return Failure::Retry(e),
            Some(ServerError::Schema) => return Failure::Fatal(StoreError::Schema),
            None => {}
        }
    }
    match e {
        sqlx::Error::ColumnNotFound(_) => Failure::Fatal(StoreError::Schema),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            Failure::Fatal(StoreError::Corrupt(e.to_string()))
        }
        e => Failure::Fatal(StoreError::backend(e)),
    }
}
