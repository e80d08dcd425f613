//! Enrolment bookkeeping (docs/behaviour.md §7.6; issues 12 and 14): one pending enrolment per
//! user and kind, and abandoned enrolments deleted.

use std::time::Duration;

use super::{Engine, Error, UserId};
use crate::kind::{DeviceKind, EmailDevice};
use crate::record::DeviceId;
use crate::store::{DeviceQuery, DeviceStoreExt, Write};

/// How many unconfirmed devices one listing of [`Engine::purge_abandoned_enrolments`] reads.
const PURGE_PAGE: u32 = 500;

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

    /// Deletes every **abandoned enrolment**: each unconfirmed device created more than
    /// `older_than` ago, of every user (docs/behaviour.md §7.6.1). An application runs it
    /// periodically (the demo every few minutes; `otpkit device prune` runs it with
    /// `OTPKIT_ENROLMENT_TTL`, which is the right age: an enrolment older than that can no
    /// longer be confirmed anyway). Each device is decided again under its own lock, so a
    /// device confirmed meanwhile is kept and not counted. Emits no `device_removed`
    /// (unconfirmed devices never counted). Uses only the store's `list` and `transition`,
    /// so every backend supports it. Returns how many were deleted.
    ///
    /// ```
    /// use std::time::Duration;
    /// use otpkit::{Engine, KeyRing, ManualClock, MemoryStore, Timestamp, UserId};
    /// use otpkit::engine::TotpOptions;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
    /// let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap())
    ///     .clock(clock.clone())
    ///     .build()
    ///     .unwrap();
    /// let alice = UserId::new("alice").unwrap();
    /// let pending = TotpOptions { unconfirmed: true, ..TotpOptions::default() };
    /// engine.create_totp(&alice, pending).await.unwrap();
    /// engine.create_totp(&alice, TotpOptions::default()).await.unwrap(); // confirmed
    /// let ten_minutes = Duration::from_secs(600);
    /// assert_eq!(engine.purge_abandoned_enrolments(ten_minutes).await.unwrap(), 0);
    /// clock.advance_secs(601);
    /// assert_eq!(engine.purge_abandoned_enrolments(ten_minutes).await.unwrap(), 1);
    /// assert_eq!(engine.devices_for_user(Some(&alice), None).await.unwrap().len(), 1);
    /// # });
    /// ```
    pub async fn purge_abandoned_enrolments(&self, older_than: Duration) -> Result<u64, Error> {
        let age = i64::try_from(older_than.as_secs()).unwrap_or(i64::MAX);
        let cutoff = self.now().add_secs(age.saturating_neg());
        let mut removed = 0;
        let mut after = None;
        loop {
            let page = self
                .inner
                .store
                .list(&DeviceQuery {
                    confirmed: Some(false),
                    created_before: Some(cutoff),
                    after_id: after,
                    limit: Some(PURGE_PAGE),
                    ..DeviceQuery::default()
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for r in page {
                // Decided again under the lock: a device confirmed since the listing is kept
                // and not counted. The committed write is the decision of the run that
                // committed (a retried transition runs the closure again).
                let done = self
                    .inner
                    .store
                    .transition(r.id, move |rec| {
                        let expired = !rec.confirmed && rec.created_at < cutoff;
                        (if expired { Write::Delete } else { Write::None }, ())
                    })
                    .await?;
                if done.is_some_and(|d| d.write == Write::Delete) {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Whether email codes can be offered to a user setting up a method: the email kind is
    /// registered and a mailer was given to the builder ([`EngineBuilder::mailer`]; without
    /// one every send fails).
    ///
    /// ```
    /// use otpkit::mailer::MemoryMailer;
    /// use otpkit::{Engine, KeyRing, MemoryStore};
    ///
    /// let keys = || KeyRing::random("k1").unwrap();
    /// let without = Engine::builder(MemoryStore::new(), keys()).build().unwrap();
    /// assert!(!without.sends_email());
    /// let with = Engine::builder(MemoryStore::new(), keys()).mailer(MemoryMailer::new()).build().unwrap();
    /// assert!(with.sends_email());
    /// ```
    ///
    /// [`EngineBuilder::mailer`]: super::EngineBuilder::mailer
    pub fn sends_email(&self) -> bool {
        self.inner.mailer_configured
            && self
                .inner
                .registry
                .get(<EmailDevice as DeviceKind>::MODEL_LABEL)
                .is_some()
    }
}
