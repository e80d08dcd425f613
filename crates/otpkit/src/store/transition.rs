//! What a transition decides and what it returns: [`Decision`], [`Committed`],
//! [`UserCommitted`], and the typed calls of [`DeviceStoreExt`].
//!
//! [`DeviceStore`] is used as `Arc<dyn DeviceStore>`, so its methods cannot be generic: a
//! mutation's result travels through them type-erased, as a [`Value`]. [`DeviceStoreExt`]
//! puts the types back: its closures return plain values, and the one downcast lives here.

use std::any::{Any, type_name};
use std::fmt;
use std::future::Future;

use super::{DeviceStore, Mutation, StoreError, UserMutation, Write};
use crate::record::{DeviceId, DeviceRecord};
use crate::user::UserId;

/// A mutation's result for its caller, type-erased so that [`DeviceStore`] stays usable as
/// `dyn DeviceStore`. A store only carries it from the mutation to its answer.
pub struct Value(Box<dyn Any + Send>);

impl Value {
    /// Wraps `value`.
    pub fn new<T: Send + 'static>(value: T) -> Self {
        Value(Box::new(value))
    }

    /// The value as the type the mutation made, or [`ContractViolation::ValueType`] when
    /// the store handed back another one.
    fn downcast<T: 'static>(self) -> Result<T, StoreError> {
        self.0.downcast::<T>().map(|v| *v).map_err(|_| {
            StoreError::Contract(ContractViolation::ValueType {
                expected: type_name::<T>(),
            })
        })
    }
}

impl Default for Value {
    /// The unit value, for a mutation that has nothing to report besides its writes.
    fn default() -> Self {
        Value::new(())
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The value may hold a secret (a new token): it is never shown.
        f.write_str("Value(..)")
    }
}

/// What a [`Mutation`] decided for one device: the [`Write`], and the value its caller gets
/// back once the store committed.
#[derive(Debug)]
pub struct Decision {
    write: Write,
    value: Value,
}

impl Decision {
    /// `write`, reporting `value` to the caller.
    pub fn new<T: Send + 'static>(write: Write, value: T) -> Self {
        Decision {
            write,
            value: Value::new(value),
        }
    }

    /// The write this decision asks the store for.
    pub fn write(&self) -> Write {
        self.write
    }
}

impl From<Write> for Decision {
    /// `write`, with nothing else to report.
    fn from(write: Write) -> Self {
        Decision::new(write, ())
    }
}

/// How a store broke the transition contract. Only a faulty backend does this; the data is
/// not at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContractViolation {
    /// The value handed back is not the one the mutation made.
    #[error("it returned a value that is not a `{expected}`")]
    ValueType {
        /// The type the mutation made.
        expected: &'static str,
    },
    /// A user transition's answer lacks a record its mutation decided on.
    #[error("it returned no committed record for device {id}")]
    MissingRecord {
        /// The device whose record is missing.
        id: DeviceId,
    },
}

/// What [`DeviceStore::update`] returns once it committed: the mutation's value, the write it
/// made, and the record **as committed**.
///
/// `T` is [`Value`] as a store returns it and the mutation's own type through
/// [`DeviceStoreExt::transition`].
pub struct Committed<T = Value> {
    /// The value of the run that committed (a retried transition runs its mutation again).
    pub value: T,
    /// The record as stored now: on [`Write::Update`] the mutated record with the `version`
    /// the store gave it; on [`Write::None`] the record as read (nothing of the mutation
    /// was stored); on [`Write::Delete`] the record as it was before the delete.
    pub record: DeviceRecord,
    /// What was written.
    pub write: Write,
}

impl Committed {
    /// The answer for `decision`, once it is committed: `read` is the record as the store
    /// read it (under its lock), `mutated` as the mutation left it. On [`Write::Update`]
    /// the record is `mutated` with `version` one above `read`'s; otherwise it is `read`.
    ///
    /// A store's `version` column must follow the same rule (`version = version + 1` in
    /// the same write) so that what it returns is what it stored.
    pub fn new(decision: Decision, read: DeviceRecord, mutated: DeviceRecord) -> Self {
        Committed {
            record: as_committed(decision.write, read, mutated),
            write: decision.write,
            value: decision.value,
        }
    }

    /// With the value as the type the mutation made.
    fn downcast<T: 'static>(self) -> Result<Committed<T>, StoreError> {
        Ok(Committed {
            value: self.value.downcast()?,
            record: self.record,
            write: self.write,
        })
    }
}

impl<T> fmt::Debug for Committed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Committed")
            .field("record", &self.record)
            .field("write", &self.write)
            .finish_non_exhaustive()
    }
}

/// The record as committed: `mutated` one version up on an update, else `read`.
fn as_committed(write: Write, read: DeviceRecord, mutated: DeviceRecord) -> DeviceRecord {
    match write {
        // The imported id never changes after insert: stores do not write it.
        Write::Update => DeviceRecord {
            version: read.version.saturating_add(1),
            imported_id: read.imported_id,
            ..mutated
        },
        Write::None | Write::Delete => read,
    }
}

/// What [`DeviceStore::update_user`] returns once it committed: the mutation's value, and
/// every record the mutation saw (ascending id), each as committed with the write it got
/// (the rule of [`Committed::record`]).
pub struct UserCommitted<T = Value> {
    /// The value of the run that committed.
    pub value: T,
    /// Each record the mutation saw, as committed, with its write; ascending id.
    pub records: Vec<(DeviceRecord, Write)>,
}

impl UserCommitted {
    /// The answer for a user mutation that returned `value` and decided `writes`, once it
    /// is committed: `read` are the records as the store read them, `mutated` as the
    /// mutation left them (both ascending id, one write per record).
    pub fn new(
        value: Value,
        read: Vec<DeviceRecord>,
        mutated: Vec<DeviceRecord>,
        writes: Vec<Write>,
    ) -> Self {
        let records = read
            .into_iter()
            .zip(mutated)
            .zip(writes)
            .map(|((r, m), w)| (as_committed(w, r, m), w))
            .collect();
        UserCommitted { value, records }
    }

    /// With the value as the type the mutation made.
    fn downcast<T: 'static>(self) -> Result<UserCommitted<T>, StoreError> {
        Ok(UserCommitted {
            value: self.value.downcast()?,
            records: self.records,
        })
    }
}

impl<T> UserCommitted<T> {
    /// The value, and the records without it: to look records up while holding the value.
    pub fn split_value(self) -> (T, UserCommitted<()>) {
        let records = UserCommitted {
            value: (),
            records: self.records,
        };
        (self.value, records)
    }

    /// The committed record of device `id` and its write; an error when the store returned
    /// none (a faulty store, for a device the mutation saw).
    pub fn record(&self, id: DeviceId) -> Result<(&DeviceRecord, Write), StoreError> {
        self.records
            .iter()
            .find(|(r, _)| r.id == id)
            .map(|(r, w)| (r, *w))
            .ok_or(StoreError::Contract(ContractViolation::MissingRecord {
                id,
            }))
    }

    /// The records that got write `w`, as committed, ascending id.
    pub fn written(&self, w: Write) -> impl Iterator<Item = &DeviceRecord> {
        self.records
            .iter()
            .filter(move |(_, x)| *x == w)
            .map(|(r, _)| r)
    }
}

impl<T> fmt::Debug for UserCommitted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserCommitted")
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

/// Typed transitions on any [`DeviceStore`] (`dyn DeviceStore` included): the closure
/// returns its [`Write`] and a value of its own type, and gets that value back with the
/// record as committed. This is how the engine, and an application that changes devices
/// directly, run transitions.
///
/// ```
/// use otpkit::store::{DeviceStore, DeviceStoreExt, MemoryStore, Write};
/// use otpkit::device::NewDevice;
/// use otpkit::{Timestamp, UserId};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let new = NewDevice {
///     user: UserId::new("alice").unwrap(),
///     model_label: "myapp.customdevice".into(),
///     name: "Custom".into(),
///     confirmed: true,
///     created_at: Timestamp::from_secs(0),
/// };
/// let rec = store.insert(new, Box::new(|_id| Ok("{}".to_owned()))).await.unwrap();
/// let done = store
///     .transition(rec.id, |r| {
///         let old = std::mem::replace(&mut r.name, "Renamed".into());
///         (Write::Update, old)
///     })
///     .await
///     .unwrap()
///     .expect("the device exists");
/// assert_eq!(done.value, "Custom");
/// assert_eq!((done.record.name.as_str(), done.record.version), ("Renamed", 1));
/// // No such device: `None`, and the closure is not called.
/// assert!(store.transition(999, |_| -> (Write, ()) { unreachable!() }).await.unwrap().is_none());
/// # });
/// ```
pub trait DeviceStoreExt: DeviceStore {
    /// [`DeviceStore::update`] with a typed result: `None` if there is no device `id` (`f`
    /// is not called), else the value `f` returned in the run that committed and the
    /// record as committed. `f` may run more than once (see the [module docs](super)).
    fn transition<T, F>(
        &self,
        id: DeviceId,
        mut f: F,
    ) -> impl Future<Output = Result<Option<Committed<T>>, StoreError>> + Send
    where
        T: Send + 'static,
        F: FnMut(&mut DeviceRecord) -> (Write, T) + Send + 'static,
    {
        let m: Mutation = Box::new(move |rec| {
            let (write, value) = f(rec);
            Decision::new(write, value)
        });
        let done = self.update(id, m);
        async move { done.await?.map(Committed::downcast).transpose() }
    }

    /// [`DeviceStore::update_user`] with a typed result: `f` sees all of `user`'s records
    /// (ascending id; empty when there are none) and one [`Write::None`] per record to
    /// change; it returns its value, which comes back with every record as committed.
    fn transition_user<'a, T, F>(
        &'a self,
        user: &'a UserId,
        mut f: F,
    ) -> impl Future<Output = Result<UserCommitted<T>, StoreError>> + Send + 'a
    where
        T: Send + 'static,
        F: FnMut(&mut [DeviceRecord], &mut [Write]) -> T + Send + 'static,
    {
        let m: UserMutation = Box::new(move |recs, writes| Value::new(f(recs, writes)));
        let done = self.update_user(user, m);
        async move { done.await?.downcast() }
    }
}

impl<S: DeviceStore + ?Sized> DeviceStoreExt for S {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_of_another_type_is_a_contract_violation() {
        let err = Value::new(1u8).downcast::<String>().unwrap_err();
        assert!(matches!(
            err,
            StoreError::Contract(ContractViolation::ValueType { expected })
                if expected.contains("String")
        ));
        assert_eq!(Value::new(7u8).downcast::<u8>().unwrap(), 7);
    }

    #[test]
    fn debug_never_shows_the_value() {
        let d = Decision::new(Write::Update, String::from("hunter2"));
        assert!(!format!("{d:?}").contains("hunter2"));
    }
}
