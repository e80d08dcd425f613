//! [`ResurrectionSafe`]: the promise that a store never brings a deleted session back.

use tower_sessions_core::SessionStore;

/// A [`SessionStore`] that is **resurrection safe by itself**: a session id it deleted
/// (logout, `cycle_id`, a session ended through [`UserSessions`](crate::UserSessions)) never
/// loads again, whatever requests that loaded it earlier still save, and `create` never hands
/// out an id it has used.
///
/// otpkit's stores keep that promise natively (a deleted row becomes a tombstone that `save`
/// never writes over; see the crate documentation), and the conformance suite
/// ([`session_store_conformance_tests!`](crate::session_store_conformance_tests), feature
/// `conformance`) checks it with 200 racing rounds. otpkit-axum's `durable_session_layer`
/// takes only such stores and puts no `TombstoneStore` around them; any other store goes
/// through `otpkit_axum::session_layer`, which does.
///
/// Implement it for a store of your own only if it passes that suite. A wrapper that only
/// forwards keeps the promise of what it wraps:
///
/// ```
/// use otpkit_sessions::{ResurrectionSafe, async_trait};
/// use tower_sessions_core::SessionStore;
/// use tower_sessions_core::session::{Id, Record};
/// use tower_sessions_core::session_store::Result;
///
/// /// Counts the loads of the store it wraps.
/// #[derive(Clone, Debug, Default)]
/// struct Counted<S> {
///     inner: S,
///     loads: std::sync::Arc<std::sync::atomic::AtomicU64>,
/// }
///
/// #[async_trait]
/// impl<S: SessionStore> SessionStore for Counted<S> {
///     async fn create(&self, r: &mut Record) -> Result<()> { self.inner.create(r).await }
///     async fn save(&self, r: &Record) -> Result<()> { self.inner.save(r).await }
///     async fn load(&self, id: &Id) -> Result<Option<Record>> {
///         self.loads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///         self.inner.load(id).await
///     }
///     async fn delete(&self, id: &Id) -> Result<()> { self.inner.delete(id).await }
/// }
///
/// impl<S: ResurrectionSafe> ResurrectionSafe for Counted<S> {}
/// ```
pub trait ResurrectionSafe: SessionStore {}
