//! Enrolment bookkeeping (docs/behaviour.md §7.6; issue 12): one pending enrolment per user and
//! kind.

use super::{Engine, Error, UserId};
use crate::record::DeviceId;
use crate::store::{DeviceStoreExt, Write};

impl Engine {
    /// Makes a new enrolment *replace* the user's pending ones instead of adding to them:
    /// deletes every **unconfirmed** device of `user` of kind `model_label` with an id below
    /// `keep` (the new enrolment's device), and every unconfirmed device of `user` older than
    /// `OTPKIT_ENROLMENT_TTL`. It is one transition over all of the user's rows, so a device
    /// confirmed meanwhile is kept; of concurrent enrolments the newest (highest id) survives.
    /// Emits no `device_removed` (unconfirmed devices never counted). Returns how many were
    /// deleted.
    ///
    /// ```
    /// use otpkit::{Engine, KeyRing, MemoryStore, UserId};
    /// use otpkit::engine::TotpOptions;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap()).build().unwrap();
    /// let alice = UserId::new("alice").unwrap();
    /// let pending = TotpOptions { unconfirmed: true, ..TotpOptions::default() };
    /// engine.create_totp(&alice, pending.clone()).await.unwrap();
    /// let newer = engine.create_totp(&alice, pending).await.unwrap();
    /// let removed = engine.replace_pending(&alice, newer.model_label(), newer.id()).await.unwrap();
    /// assert_eq!(removed, 1);
    /// assert_eq!(engine.devices_for_user(Some(&alice), None).await.unwrap().len(), 1);
    /// # });
    /// ```
    pub async fn replace_pending(
        &self,
        user: &UserId,
        model_label: &str,
        keep: DeviceId,
    ) -> Result<u64, Error> {
        let ttl_ms = i64::from(self.inner.settings.enrolment.ttl) * 1000;
        let now = self.now();
        let label = model_label.to_owned();
        let done = self
            .inner
            .store
            .transition_user(user, move |recs, writes| {
                for (r, w) in recs.iter().zip(writes.iter_mut()) {
                    let older_same_kind = r.model_label == label && r.id < keep;
                    let expired = now.millis_since(r.created_at) > ttl_ms;
                    if !r.confirmed && r.id != keep && (older_same_kind || expired) {
                        *w = Write::Delete;
                    }
                }
            })
            .await?;
        Ok(done.written(Write::Delete).count() as u64)
    }
}
