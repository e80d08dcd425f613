//! The connection thread: it owns the only connection, drains the request channel into
//! groups, and runs each group as one transaction (see the crate docs, "Group commit").

use std::error::Error as StdError;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, TryRecvError};

use otpkit::device::{DeviceId, NewDevice, ThrottleState};
use otpkit::store::{
    Committed, DeviceQuery, InitState, Mutation, StoreError, UserCommitted, UserMutation, Write,
};
use otpkit::{DeviceRecord, UserId};
use rusqlite::types::Value;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params, params_from_iter};
use tokio::sync::oneshot;

use crate::checkpoint::{self, Checkpointer};
use crate::options::SqliteOptions;
use crate::schema::{self, RawDevice};
use crate::stats::Stats;

/// The reply channel of one request.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// A message to the connection thread.
#[allow(clippy::large_enum_variant)] // jobs are the common case: boxing would allocate per request
pub(crate) enum Msg {
    /// A store operation; joins a group.
    Job(Job),
    /// Run the embedded migrations (alone, in its own transaction).
    Migrate(Reply<u32>),
    /// Read `PRAGMA user_version`.
    SchemaVersion(Reply<u32>),
    /// Block the thread until `hold` disconnects (tests: makes the next group predictable).
    #[cfg(feature = "test-util")]
    Pause {
        ack: oneshot::Sender<()>,
        hold: std::sync::mpsc::Receiver<()>,
    },
    /// End the thread as if it had died (tests).
    #[cfg(feature = "test-util")]
    Exit,
}

/// A request waiting for its group's commit, and its result so far.
pub(crate) struct Pending<T> {
    reply: Reply<T>,
    out: Option<Result<T, StoreError>>,
}

impl<T> Pending<T> {
    pub(crate) fn new(reply: Reply<T>) -> Self {
        Pending { reply, out: None }
    }

    pub(crate) fn set(&mut self, r: Result<T, StoreError>) {
        self.out = Some(r);
    }

    pub(crate) fn finish(self) {
        let r = self.out.unwrap_or_else(|| {
            Err(StoreError::backend(Internal(
                "request finished without a result",
            )))
        });
        // The caller may have gone away (cancelled future): nothing to do then.
        let _ = self.reply.send(r);
    }

    pub(crate) fn fail(self, e: StoreError) {
        let _ = self.reply.send(Err(e));
    }
}

/// One store operation.
pub(crate) enum Job {
    Insert {
        /// Taken on first execution: an `InitState` runs at most once.
        args: Option<(NewDevice, InitState)>,
        p: Pending<DeviceRecord>,
    },
    Get {
        id: DeviceId,
        p: Pending<Option<DeviceRecord>>,
    },
    ListForUser {
        user: UserId,
        p: Pending<Vec<DeviceRecord>>,
    },
    List {
        query: DeviceQuery,
        p: Pending<Vec<DeviceRecord>>,
    },
    Update {
        id: DeviceId,
        mutation: Mutation,
        p: Pending<Option<Committed>>,
    },
    UpdateUser {
        user: UserId,
        mutation: UserMutation,
        p: Pending<UserCommitted>,
    },
    DeleteForUser {
        user: UserId,
        p: Pending<u64>,
    },
    /// A request on another table (`op.rs`): sessions, trusted browsers, grace records.
    Table(Box<dyn TableOp>),
}

/// A table request (implemented by `op::Op`).
pub(crate) trait TableOp: Send {
    /// Whether it writes (the group then takes the write lock, and the request a savepoint).
    fn is_write(&self) -> bool;
    /// The `user_version` its table needs: 0 for a table with migrations of its own (the
    /// sessions), otherwise the schema version that created the table.
    fn schema(&self) -> u32;
    fn exec(&mut self, conn: &Connection) -> Result<(), Failure>;
    fn set_err(&mut self, e: StoreError);
    fn finish(self: Box<Self>);
    fn fail(self: Box<Self>, e: StoreError);
}

/// How one request's execution went wrong.
pub(crate) enum Failure {
    /// This request alone failed: roll back to its savepoint, report `e` after the commit.
    Request(StoreError),
    /// The database is locked by another connection: retry the whole group.
    Busy(rusqlite::Error),
    /// The transaction is lost: fail the whole group.
    Fatal(rusqlite::Error),
}

/// Why a whole group did not commit.
enum GroupAbort {
    Busy(rusqlite::Error),
    Fatal(rusqlite::Error),
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Maps a failed statement: busy → group retry; transaction gone → group failure;
/// anything else → this request's error.
pub(crate) fn classify(conn: &Connection, e: rusqlite::Error) -> Failure {
    if is_busy(&e) {
        Failure::Busy(e)
    } else if conn.is_autocommit() {
        // SQLite rolled the whole transaction back (I/O error, disk full, …).
        Failure::Fatal(e)
    } else {
        Failure::Request(request_error(e))
    }
}

/// A statement error reported to one caller.
fn request_error(e: rusqlite::Error) -> StoreError {
    let msg = e.to_string();
    if msg.contains("no such table") || msg.contains("no such column") {
        StoreError::Schema
    } else {
        StoreError::backend(e)
    }
}

fn corrupt(e: schema::CorruptRow) -> Failure {
    Failure::Request(StoreError::Corrupt(e.0))
}

/// A statement-level error shared by every request of a failed group.
#[derive(Debug, Clone)]
pub(crate) struct GroupFailed(Arc<rusqlite::Error>);

impl fmt::Display for GroupFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the SQLite transaction failed and nothing of it was stored: {}",
            self.0
        )
    }
}

impl StdError for GroupFailed {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.0)
    }
}

/// An invariant of this crate was broken, or a caller's closure panicked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Internal(pub(crate) &'static str);

impl fmt::Display for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl StdError for Internal {}

fn panicked() -> Failure {
    Failure::Request(StoreError::backend(Internal(
        "the mutation panicked; nothing of it was stored",
    )))
}

impl Job {
    fn is_write(&self) -> bool {
        match self {
            Job::Get { .. } | Job::ListForUser { .. } | Job::List { .. } => false,
            Job::Table(op) => op.is_write(),
            _ => true,
        }
    }

    /// The `user_version` the job's table needs (see [`TableOp::schema`]).
    fn schema(&self) -> u32 {
        match self {
            Job::Table(op) => op.schema(),
            _ => schema::DEVICE_SCHEMA_VERSION,
        }
    }

    fn set_err(&mut self, e: StoreError) {
        match self {
            Job::Insert { p, .. } => p.set(Err(e)),
            Job::Get { p, .. } => p.set(Err(e)),
            Job::ListForUser { p, .. } | Job::List { p, .. } => p.set(Err(e)),
            Job::Update { p, .. } => p.set(Err(e)),
            Job::UpdateUser { p, .. } => p.set(Err(e)),
            Job::DeleteForUser { p, .. } => p.set(Err(e)),
            Job::Table(op) => op.set_err(e),
        }
    }

    fn finish(self) {
        match self {
            Job::Insert { p, .. } => p.finish(),
            Job::Get { p, .. } => p.finish(),
            Job::ListForUser { p, .. } | Job::List { p, .. } => p.finish(),
            Job::Update { p, .. } => p.finish(),
            Job::UpdateUser { p, .. } => p.finish(),
            Job::DeleteForUser { p, .. } => p.finish(),
            Job::Table(op) => op.finish(),
        }
    }

    fn fail(self, e: StoreError) {
        match self {
            Job::Insert { p, .. } => p.fail(e),
            Job::Get { p, .. } => p.fail(e),
            Job::ListForUser { p, .. } | Job::List { p, .. } => p.fail(e),
            Job::Update { p, .. } => p.fail(e),
            Job::UpdateUser { p, .. } => p.fail(e),
            Job::DeleteForUser { p, .. } => p.fail(e),
            Job::Table(op) => op.fail(e),
        }
    }

    /// Runs the request inside the open transaction. On `Ok` the request has recorded its
    /// result (a retried group runs it again and records the new one: what is reported is
    /// the run that committed); on `Err(Failure::Request)` the caller rolls back to the
    /// savepoint.
    fn exec(&mut self, conn: &Connection, attempt: u32) -> Result<(), Failure> {
        match self {
            Job::Insert { args, p } => {
                let Some((new, init)) = args.take() else {
                    // The group was retried after this insert's `init` had already run.
                    p.set(Err(StoreError::Conflict { retries: attempt }));
                    return Ok(());
                };
                p.set(Ok(insert(conn, new, init)?));
            }
            Job::Get { id, p } => p.set(Ok(select_by_id(conn, *id)?)),
            Job::ListForUser { user, p } => {
                let recs = select_many(conn, schema::SELECT_BY_USER, [user.as_str()])?;
                p.set(Ok(recs));
            }
            Job::List { query, p } => {
                let (sql, args) = list_sql(query);
                let recs = select_many(conn, &sql, params_from_iter(args))?;
                p.set(Ok(recs));
            }
            Job::Update { id, mutation, p } => p.set(Ok(update(conn, *id, mutation)?)),
            Job::UpdateUser { user, mutation, p } => {
                p.set(Ok(update_user(conn, user, mutation)?));
            }
            Job::DeleteForUser { user, p } => {
                let n = conn
                    .prepare_cached(schema::DELETE_BY_USER)
                    .and_then(|mut s| s.execute([user.as_str()]))
                    .map_err(|e| classify(conn, e))?;
                p.set(Ok(n as u64));
            }
            Job::Table(op) => op.exec(conn)?,
        }
        Ok(())
    }
}

/// Inserts a device: its row, then the state `init` builds for its new id.
fn insert(conn: &Connection, new: NewDevice, init: InitState) -> Result<DeviceRecord, Failure> {
    let c = |e| classify(conn, e);
    conn.prepare_cached(schema::INSERT)
        .and_then(|mut s| {
            s.execute(params![
                new.user.as_str(),
                new.model_label,
                new.name,
                new.confirmed,
                new.created_at.as_millis(),
            ])
        })
        .map_err(c)?;
    let id = conn.last_insert_rowid();
    let state = match catch_unwind(AssertUnwindSafe(move || init(id))) {
        Ok(Ok(state)) => state,
        Ok(Err(e)) => return Err(Failure::Request(StoreError::Init(e))),
        Err(_) => return Err(panicked()),
    };
    conn.prepare_cached(schema::SET_STATE)
        .and_then(|mut s| s.execute(params![id, state]))
        .map_err(c)?;
    Ok(DeviceRecord {
        id,
        user: new.user,
        model_label: new.model_label,
        name: new.name,
        confirmed: new.confirmed,
        created_at: new.created_at,
        last_used_at: None,
        throttle: ThrottleState::default(),
        last_generated_at: None,
        state,
        version: 0,
        imported_id: None,
    })
}

/// One device's transition: read, decide, write. `None` without calling the mutation when
/// there is no such device.
fn update(
    conn: &Connection,
    id: DeviceId,
    mutation: &mut Mutation,
) -> Result<Option<Committed>, Failure> {
    let Some(read) = select_by_id(conn, id)? else {
        return Ok(None);
    };
    let mut rec = read.clone();
    let decision = catch_unwind(AssertUnwindSafe(|| mutation(&mut rec))).map_err(|_| panicked())?;
    write(conn, &read, &rec, decision.write())?;
    Ok(Some(Committed::new(decision, read, rec)))
}

/// All of one user's devices' transition: read them all, decide, write each.
fn update_user(
    conn: &Connection,
    user: &UserId,
    mutation: &mut UserMutation,
) -> Result<UserCommitted, Failure> {
    let read = select_many(conn, schema::SELECT_BY_USER, [user.as_str()])?;
    let mut recs = read.clone();
    let mut writes = vec![Write::None; recs.len()];
    let value = catch_unwind(AssertUnwindSafe(|| mutation(&mut recs, &mut writes)))
        .map_err(|_| panicked())?;
    for ((before, rec), w) in read.iter().zip(&recs).zip(&writes) {
        write(conn, before, rec, *w)?;
    }
    Ok(UserCommitted::new(value, read, recs, writes))
}

fn select_by_id(conn: &Connection, id: DeviceId) -> Result<Option<DeviceRecord>, Failure> {
    let raw = conn
        .prepare_cached(schema::SELECT_BY_ID)
        .and_then(|mut s| s.query_row([id], RawDevice::from_row).optional())
        .map_err(|e| classify(conn, e))?;
    raw.map(DeviceRecord::try_from).transpose().map_err(corrupt)
}

fn select_many(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<DeviceRecord>, Failure> {
    let c = |e| classify(conn, e);
    let mut stmt = conn.prepare_cached(sql).map_err(c)?;
    let rows = stmt.query_map(args, RawDevice::from_row).map_err(c)?;
    let mut out = Vec::new();
    for raw in rows {
        out.push(DeviceRecord::try_from(raw.map_err(c)?).map_err(corrupt)?);
    }
    Ok(out)
}

/// Whether `rec` still has the indexed columns and creation time of the row as read
/// (`before`), so that [`schema::UPDATE_UNINDEXED`] can write it.
fn unindexed_unchanged(before: &DeviceRecord, rec: &DeviceRecord) -> bool {
    before.user == rec.user
        && before.model_label == rec.model_label
        && before.created_at == rec.created_at
}

/// Writes what a mutation decided for the row that was read as `before`.
fn write(
    conn: &Connection,
    before: &DeviceRecord,
    rec: &DeviceRecord,
    w: Write,
) -> Result<(), Failure> {
    let c = |e| classify(conn, e);
    let id = before.id;
    match w {
        Write::None => Ok(()),
        Write::Update => {
            let sql = if unindexed_unchanged(before, rec) {
                schema::UPDATE_UNINDEXED
            } else {
                schema::UPDATE
            };
            conn.prepare_cached(sql)
                .and_then(|mut s| {
                    s.execute(params![
                        id,
                        rec.user.as_str(),
                        rec.model_label,
                        rec.name,
                        rec.confirmed,
                        rec.created_at.as_millis(),
                        rec.last_used_at.map(|t| t.as_millis()),
                        rec.throttle.failure_count,
                        rec.throttle.failure_timestamp.map(|t| t.as_millis()),
                        rec.last_generated_at.map(|t| t.as_millis()),
                        rec.state,
                    ])
                })
                .map(drop)
                .map_err(c)
        }
        Write::Delete => conn
            .prepare_cached(schema::DELETE_BY_ID)
            .and_then(|mut s| s.execute([id]))
            .map(drop)
            .map_err(c),
    }
}

/// The SQL and arguments of a [`DeviceQuery`]: only the filters that are set appear, so
/// that SQLite can use the indexes; each combination is one cached statement.
fn list_sql(q: &DeviceQuery) -> (String, Vec<Value>) {
    let mut sql = String::from(schema::SELECT_PREFIX);
    let mut args = Vec::new();
    let mut cond = |c: &str, v: Value| {
        sql.push_str(if args.is_empty() { " WHERE " } else { " AND " });
        sql.push_str(c);
        args.push(v);
    };
    // Parameters compared with an indexed column are cast: see `schema::SELECT_BY_USER`.
    if let Some(u) = &q.user {
        cond(
            "user_id = CAST(? AS TEXT)",
            Value::Text(u.as_str().to_owned()),
        );
    }
    if let Some(s) = &q.user_contains {
        // SQLite's built-in lower() folds ASCII only, as `DeviceQuery::matches` does.
        cond(
            "instr(lower(user_id), lower(?)) > 0",
            Value::Text(s.clone()),
        );
    }
    if let Some(l) = &q.model_label {
        cond("model_label = CAST(? AS TEXT)", Value::Text(l.clone()));
    }
    if let Some(c) = q.confirmed {
        cond("confirmed = ?", Value::Integer(i64::from(c)));
    }
    if let Some(t) = q.created_before {
        cond("created_at < ?", Value::Integer(t.as_millis()));
    }
    if let Some(a) = q.after_id {
        cond("id > ?", Value::Integer(a));
    }
    sql.push_str(" ORDER BY id");
    if let Some(n) = q.limit {
        sql.push_str(" LIMIT ?");
        args.push(Value::Integer(i64::from(n)));
    }
    (sql, args)
}

const SAVEPOINT: &str = "SAVEPOINT otpkit_request";
const RELEASE: &str = "RELEASE otpkit_request";
const ROLLBACK_TO: &str = "ROLLBACK TO otpkit_request";

struct Worker {
    conn: Connection,
    opts: SqliteOptions,
    stats: Arc<Stats>,
    /// The highest `user_version` seen (read again while a job needs more).
    schema_seen: u32,
    /// The background checkpointer of a file database (dropped, and so joined, with the
    /// worker, after the connection).
    checkpointer: Option<Checkpointer>,
}

/// The thread's main loop; returns when every store handle is gone. `checkpoint_conn` is a
/// second connection to the same file for the background checkpointer (`None` in memory).
pub(crate) fn run(
    conn: Connection,
    checkpoint_conn: Option<Connection>,
    rx: Receiver<Msg>,
    opts: SqliteOptions,
    stats: Arc<Stats>,
) {
    let max = opts.max_group;
    let checkpointer = checkpoint_conn.and_then(|c| {
        Checkpointer::start(c, stats.clone())
            .inspect_err(|e| {
                tracing::warn!(error = %e, "otpkit-sqlite: no background checkpointer; SQLite checkpoints on the connection thread");
            })
            .ok()
    });
    if checkpointer.is_some()
        && let Err(e) = conn.pragma_update(
            None,
            "wal_autocheckpoint",
            checkpoint::WRITER_CHECKPOINT_PAGES,
        )
    {
        tracing::warn!(error = %e, "otpkit-sqlite: cannot raise wal_autocheckpoint");
    }
    let mut w = Worker {
        conn,
        opts,
        stats,
        schema_seen: 0,
        checkpointer,
    };
    let mut jobs: Vec<Job> = Vec::with_capacity(max);
    let mut next: Option<Msg> = None;
    loop {
        let msg = match next.take() {
            Some(m) => m,
            None => match wait(&rx) {
                Ok(m) => m,
                Err(_) => break,
            },
        };
        match msg {
            Msg::Job(job) => {
                jobs.push(job);
                // Group commit: take everything that is already waiting.
                while jobs.len() < max {
                    match rx.try_recv() {
                        Ok(Msg::Job(job)) => jobs.push(job),
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                    }
                }
                w.run_group(&mut jobs);
            }
            Msg::Migrate(reply) => {
                let _ = reply.send(w.migrate());
            }
            Msg::SchemaVersion(reply) => {
                let r = schema::user_version(&w.conn).map_err(StoreError::backend);
                let _ = reply.send(r);
            }
            #[cfg(feature = "test-util")]
            Msg::Pause { ack, hold } => {
                let _ = ack.send(());
                let _ = hold.recv();
            }
            #[cfg(feature = "test-util")]
            Msg::Exit => break,
        }
    }
}

/// How many times the idle thread yields its core, checking for a request after each,
/// before it sleeps.
const IDLE_YIELDS: u32 = 64;

/// The next message. An idle thread first yields its core a few times, checking the channel
/// after each, before it blocks: under load the next request usually comes within
/// microseconds, and a sleeping thread costs the sender a futex wake-up (a system call, and
/// on a virtual machine an inter-processor interrupt) and the request the scheduler's
/// wake-up latency; a yield gives the core to whoever needs it meanwhile.
fn wait(rx: &Receiver<Msg>) -> Result<Msg, std::sync::mpsc::RecvError> {
    for _ in 0..IDLE_YIELDS {
        match rx.try_recv() {
            Ok(m) => return Ok(m),
            Err(TryRecvError::Disconnected) => return Err(std::sync::mpsc::RecvError),
            Err(TryRecvError::Empty) => std::thread::yield_now(),
        }
    }
    rx.recv()
}

impl Worker {
    fn exec(&self, sql: &str) -> rusqlite::Result<()> {
        self.conn.prepare_cached(sql)?.execute([]).map(drop)
    }

    /// Ends a failed transaction and says whether the group may be retried.
    fn abort(&self, e: rusqlite::Error) -> GroupAbort {
        if !self.conn.is_autocommit()
            && let Err(rb) = self.conn.execute_batch("ROLLBACK")
        {
            tracing::error!(error = %rb, "otpkit-sqlite: ROLLBACK failed");
        }
        if is_busy(&e) {
            GroupAbort::Busy(e)
        } else {
            GroupAbort::Fatal(e)
        }
    }

    /// Whether the schema is at `needed` or above (`user_version` is read again until then).
    fn schema_ready(&mut self, needed: u32) -> rusqlite::Result<bool> {
        if self.schema_seen < needed {
            self.schema_seen = schema::user_version(&self.conn)?;
        }
        Ok(self.schema_seen >= needed)
    }

    /// Runs `jobs` as one group and replies to each after the outcome is settled.
    fn run_group(&mut self, jobs: &mut Vec<Job>) {
        let n = jobs.len() as u64;
        self.stats.groups.fetch_add(1, Ordering::Relaxed);
        self.stats.requests.fetch_add(n, Ordering::Relaxed);
        self.stats.largest_group.fetch_max(n, Ordering::Relaxed);
        let needed = jobs.iter().map(Job::schema).max().unwrap_or(0);
        match self.schema_ready(needed) {
            Ok(true) => {}
            Ok(false) => {
                // Requests whose table is missing fail; the others (e.g. sessions, with their
                // own table and migrations; devices on a schema without the trust tables) run.
                let seen = self.schema_seen;
                let (missing, rest): (Vec<Job>, Vec<Job>) =
                    jobs.drain(..).partition(|j| j.schema() > seen);
                missing.into_iter().for_each(|j| j.fail(StoreError::Schema));
                jobs.extend(rest);
                if jobs.is_empty() {
                    return;
                }
            }
            Err(e) => {
                let shared = GroupFailed(Arc::new(e));
                jobs.drain(..)
                    .for_each(|j| j.fail(StoreError::backend(shared.clone())));
                return;
            }
        }
        let writes = jobs.iter().any(Job::is_write);
        let mut attempt = 0;
        loop {
            match self.attempt(jobs, writes, attempt) {
                Ok(()) => {
                    if writes && let Some(c) = &self.checkpointer {
                        c.committed();
                    }
                    jobs.drain(..).for_each(Job::finish);
                    return;
                }
                Err(GroupAbort::Busy(e)) if attempt < self.opts.busy_retries => {
                    attempt += 1;
                    self.stats.busy_retries.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(error = %e, attempt, "otpkit-sqlite: database busy, retrying the group");
                }
                Err(GroupAbort::Busy(e)) => {
                    self.stats.failed_groups.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %e, retries = attempt, "otpkit-sqlite: database stayed busy");
                    jobs.drain(..)
                        .for_each(|j| j.fail(StoreError::Conflict { retries: attempt }));
                    return;
                }
                Err(GroupAbort::Fatal(e)) => {
                    self.stats.failed_groups.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(error = %e, "otpkit-sqlite: transaction failed");
                    let shared = GroupFailed(Arc::new(e));
                    jobs.drain(..)
                        .for_each(|j| j.fail(StoreError::backend(shared.clone())));
                    return;
                }
            }
        }
    }

    /// One try at a group: `BEGIN`, every request in its savepoint, `COMMIT`.
    fn attempt(&self, jobs: &mut [Job], writes: bool, attempt: u32) -> Result<(), GroupAbort> {
        // A group of reads needs no write lock: a deferred transaction is one snapshot.
        let begin = if writes { "BEGIN IMMEDIATE" } else { "BEGIN" };
        self.exec(begin).map_err(|e| self.abort(e))?;
        for job in jobs.iter_mut() {
            let savepoint = job.is_write();
            if savepoint {
                self.exec(SAVEPOINT).map_err(|e| self.abort(e))?;
            }
            match job.exec(&self.conn, attempt) {
                Ok(()) => {
                    if savepoint {
                        self.exec(RELEASE).map_err(|e| self.abort(e))?;
                    }
                }
                Err(Failure::Request(err)) => {
                    if savepoint {
                        self.exec(ROLLBACK_TO)
                            .and_then(|()| self.exec(RELEASE))
                            .map_err(|e| self.abort(e))?;
                    }
                    job.set_err(err);
                }
                Err(Failure::Busy(e) | Failure::Fatal(e)) => return Err(self.abort(e)),
            }
        }
        self.exec("COMMIT").map_err(|e| self.abort(e))
    }

    /// Applies the embedded migrations in one `BEGIN IMMEDIATE` transaction.
    fn migrate(&mut self) -> Result<u32, StoreError> {
        let mut attempt = 0;
        loop {
            let r = self.exec("BEGIN IMMEDIATE").and_then(|()| {
                let n = schema::apply_migrations(&self.conn)?;
                self.exec("COMMIT")?;
                Ok(n)
            });
            match r {
                Ok(n) => {
                    self.schema_seen = schema::SCHEMA_VERSION;
                    if n > 0 {
                        tracing::info!(
                            applied = n,
                            version = schema::SCHEMA_VERSION,
                            "otpkit-sqlite: migrated"
                        );
                    }
                    return Ok(n);
                }
                Err(e) => match self.abort(e) {
                    GroupAbort::Busy(_) if attempt < self.opts.busy_retries => attempt += 1,
                    GroupAbort::Busy(_) => return Err(StoreError::Conflict { retries: attempt }),
                    GroupAbort::Fatal(e) => return Err(StoreError::backend(e)),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::tests::reprepares;

    #[test]
    fn listings_by_owner_or_kind_are_compiled_once_and_use_their_index() {
        let conn = Connection::open_in_memory().unwrap();
        schema::apply_migrations(&conn).unwrap();
        let by_user = DeviceQuery {
            user: Some(UserId::new("alice").unwrap()),
            ..DeviceQuery::default()
        };
        let by_label = DeviceQuery {
            model_label: Some("a.b".into()),
            ..DeviceQuery::default()
        };
        for (q, index) in [
            (by_user, "otpkit_device_user"),
            (by_label, "otpkit_device_model_label"),
        ] {
            let (sql, _) = list_sql(&q);
            let values: Vec<Value> = (0..10).map(|i| Value::Text(format!("v{i}"))).collect();
            let (n, plan) = reprepares(&conn, &sql, &values);
            assert_eq!(n, 0, "{sql}");
            assert!(plan.contains(index), "{sql}: {plan}");
        }
    }
}
