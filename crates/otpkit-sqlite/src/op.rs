//! Requests on tables other than the device table — sessions (`sessions.rs`), trusted
//! browsers and grace records (`trust.rs`) — as the connection thread sees them: each runs
//! inside the group's transaction, in its own savepoint when it writes, and replies after the
//! commit, like the device jobs.

use otpkit::store::StoreError;
use rusqlite::Connection;

use crate::worker::{Failure, Pending, TableOp, classify};

/// A request: `run` inside the group's transaction, the reply after its commit.
pub(crate) struct Op<T, F> {
    pub(crate) write: bool,
    pub(crate) schema: u32,
    pub(crate) run: F,
    pub(crate) p: Pending<T>,
}

impl<T: Send, F: FnMut(&Connection) -> rusqlite::Result<T> + Send> TableOp for Op<T, F> {
    fn is_write(&self) -> bool {
        self.write
    }
    fn schema(&self) -> u32 {
        self.schema
    }
    fn exec(&mut self, conn: &Connection) -> Result<(), Failure> {
        let out = (self.run)(conn).map_err(|e| classify(conn, e))?;
        self.p.set(Ok(out));
        Ok(())
    }
    fn set_err(&mut self, e: StoreError) {
        self.p.set(Err(e));
    }
    fn finish(self: Box<Self>) {
        self.p.finish();
    }
    fn fail(self: Box<Self>, e: StoreError) {
        self.p.fail(e);
    }
}
