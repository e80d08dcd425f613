//! Verification (docs/behaviour.md §2.2, §3): `verify_token`, its detailed form, `confirm_device`
//! and `match_token`, each one atomic transition.

use std::sync::Arc;

use crate::clock::Timestamp;
use crate::error::Error;
use crate::kind::{KindError, KindHandle};
use crate::record::{DeviceId, DeviceRecord, PersistentId};
use crate::secret::SecretString;
use crate::store::{ContractViolation, DeviceStoreExt, StoreError, Write};
use crate::user::UserId;

use super::attempt::{AccountTally, Attempt, AttemptInput, Mode, mode_admits};
use super::{
    Device, Engine, Inner, MatchOptions, MatchOutcome, VerifyOptions, VerifyOutcome, names,
};

/// One verification request: everything the attempt decides with besides the records.
struct Request {
    inner: Arc<Inner>,
    owner: UserId,
    kind: KindHandle,
    token: SecretString,
    binding: Option<Vec<u8>>,
    mode: Mode,
    now: Timestamp,
}

impl Request {
    /// One attempt on `rec`, given the tally of the owner's other devices when the account
    /// throttle is on; `None` when `rec` is not a device this request may use.
    fn decide(
        &self,
        rec: &mut DeviceRecord,
        account: Option<AccountTally>,
    ) -> (Write, Result<Option<Attempt>, KindError>) {
        let ttl = self.inner.settings.enrolment.ttl;
        if rec.model_label != self.kind.model_label()
            || rec.user != self.owner
            || !mode_admits(self.mode, rec, self.now, ttl)
        {
            return (Write::None, Ok(None));
        }
        let mut work = rec.clone();
        let input = AttemptInput {
            token: self.token.expose(),
            now: self.now,
            binding: self.binding.as_deref(),
            mode: self.mode,
            account,
        };
        match self.inner.attempt(&self.kind, &mut work, input) {
            Ok((a, w)) => {
                if w == Write::Update {
                    *rec = work;
                }
                (w, Ok(Some(a)))
            }
            Err(e) => (Write::None, Err(e)),
        }
    }

    /// The attempt on device `id` among all of its owner's rows (`recs`, all locked), under
    /// the account throttle.
    fn decide_among(
        &self,
        p: &PersistentId,
        recs: &mut [DeviceRecord],
        writes: &mut [Write],
    ) -> Result<Option<Attempt>, KindError> {
        let Some(i) = recs.iter().position(|r| names(p, r)) else {
            // Not one of this user's devices (or gone): nothing to decide.
            return Ok(None);
        };
        let others = AccountTally::of_others(recs, i);
        let (Some(rec), Some(w)) = (recs.get_mut(i), writes.get_mut(i)) else {
            return Ok(None);
        };
        let (write, attempt) = self.decide(rec, Some(others));
        *w = write;
        attempt
    }
}

impl Engine {
    /// `verify_token(user, persistent_id, token)` (§3): the device iff accepted.
    pub async fn verify_token(
        &self,
        user: Option<&UserId>,
        pid: &str,
        token: &str,
    ) -> Result<Option<Device>, Error> {
        Ok(self
            .verify_token_detailed(user, pid, token, &VerifyOptions::default())
            .await?
            .accepted())
    }

    /// The detailed form of [`Engine::verify_token`].
    pub async fn verify_token_detailed(
        &self,
        user: Option<&UserId>,
        pid: &str,
        token: &str,
        opts: &VerifyOptions,
    ) -> Result<VerifyOutcome, Error> {
        self.run_attempt(user, pid, token, opts, Mode::Verify).await
    }

    /// `confirm_device(user, persistent_id, token)` (§3): the enrolment-confirm path.
    pub async fn confirm_device(
        &self,
        user: &UserId,
        pid: &str,
        token: &str,
        opts: &VerifyOptions,
    ) -> Result<VerifyOutcome, Error> {
        self.run_attempt(Some(user), pid, token, opts, Mode::Confirm)
            .await
    }

    pub(super) async fn run_attempt(
        &self,
        user: Option<&UserId>,
        pid: &str,
        token: &str,
        opts: &VerifyOptions,
        mode: Mode,
    ) -> Result<VerifyOutcome, Error> {
        let Some(user) = user else {
            return Ok(VerifyOutcome::NotFound);
        };
        let Some((p, kind)) = self.resolve(pid) else {
            return Ok(VerifyOutcome::NotFound);
        };
        let now = self.inner.clock.now();
        // Bounded before it is copied: a longer token is malformed anyway (§4.4).
        let bounded = token.len() <= kind.max_token_bytes();
        let req = Request {
            inner: self.inner.clone(),
            owner: user.clone(),
            kind,
            token: SecretString::from(if bounded { token } else { "-" }),
            binding: opts.binding.clone(),
            mode,
            now,
        };
        match self.commit_attempt(user, &p, req).await? {
            None => Ok(VerifyOutcome::NotFound),
            Some((attempt, rec)) => Ok(self.report_attempt(user, now, attempt, rec, mode).await),
        }
    }

    /// Runs the attempt as one transition and returns it with the device as committed;
    /// `None` when there is no such device for this request.
    async fn commit_attempt(
        &self,
        user: &UserId,
        p: &PersistentId,
        req: Request,
    ) -> Result<Option<(Attempt, DeviceRecord)>, Error> {
        let store = &self.inner.store;
        if self.inner.settings.throttle.account_throttling {
            // All of the owner's rows are locked for the decision: the account's failure
            // total cannot change under it (one atomic transition, docs/behaviour.md §2.9).
            let named = p.clone();
            let done = store
                .transition_user(user, move |recs, writes| {
                    req.decide_among(&named, recs, writes)
                })
                .await?;
            let (attempt, done) = done.split_value();
            let Some(attempt) = attempt? else {
                return Ok(None);
            };
            let Some((rec, _)) = done.records.iter().find(|(r, _)| names(p, r)) else {
                return Err(
                    StoreError::Contract(ContractViolation::MissingRecord { id: p.id() }).into(),
                );
            };
            return Ok(Some((attempt, rec.clone())));
        }
        // A device created here is found by its id at once; an imported one keeps the
        // number as its imported id, read only when the first transition found nothing.
        let req = Arc::new(req);
        if let Some(found) = self.attempt_on(p.id(), p, &req).await? {
            return Ok(Some(found));
        }
        match store.get_imported(p.model_label(), p.id()).await? {
            Some(rec) => self.attempt_on(rec.id, p, &req).await,
            None => Ok(None),
        }
    }

    /// The attempt as one transition on the device stored under `id`, if it is the one `p`
    /// names.
    async fn attempt_on(
        &self,
        id: DeviceId,
        p: &PersistentId,
        req: &Arc<Request>,
    ) -> Result<Option<(Attempt, DeviceRecord)>, Error> {
        let (req, named) = (req.clone(), p.clone());
        let done = self
            .inner
            .store
            .transition(id, move |rec| {
                if !names(&named, rec) {
                    return (Write::None, Ok(None));
                }
                req.decide(rec, None)
            })
            .await?;
        let Some(done) = done else {
            return Ok(None);
        };
        Ok(done.value?.map(|a| (a, done.record)))
    }

    /// Emits the attempt's events and answers it.
    async fn report_attempt(
        &self,
        user: &UserId,
        now: Timestamp,
        attempt: Attempt,
        rec: DeviceRecord,
        mode: Mode,
    ) -> VerifyOutcome {
        let pid = rec.persistent_id();
        self.inner
            .emit_attempt(user, &pid, now, &attempt, &rec, mode);
        if matches!(attempt, Attempt::Accepted) {
            self.after_accepted(user, &rec, now).await;
        }
        match attempt {
            Attempt::Accepted => match self.inner.device(rec) {
                Some(d) => VerifyOutcome::Accepted(d),
                None => VerifyOutcome::NotFound,
            },
            Attempt::NotAllowed(r) => VerifyOutcome::NotAllowed(r),
            Attempt::Rejected { why, .. } => VerifyOutcome::Rejected(why),
        }
    }

    /// `match_token(user, token)` (§3): the first of the user's confirmed devices (in
    /// `devices_for_user` order, skipping refused ones) that accepts; only its success is
    /// committed. If none accepts, every evaluated device records one failure. All of the
    /// user's devices are locked for the decision, so of N concurrent calls with one valid
    /// token exactly one returns a device.
    pub async fn match_token(
        &self,
        user: Option<&UserId>,
        token: &str,
    ) -> Result<Option<Device>, Error> {
        Ok(self
            .match_token_detailed(user, token, &MatchOptions::default())
            .await?
            .accepted())
    }

    /// The detailed form of [`Engine::match_token`]: which devices are candidates
    /// ([`MatchOptions`]) and why nothing matched ([`MatchOutcome`]). This is what a login
    /// form uses when the user typed a code without saying which device it came from
    /// (docs/behaviour.md §7.3): one atomic decision over the candidates, under the account
    /// throttle, failures recorded only when no candidate matched.
    pub async fn match_token_detailed(
        &self,
        user: Option<&UserId>,
        token: &str,
        opts: &MatchOptions,
    ) -> Result<MatchOutcome, Error> {
        let Some(user) = user else {
            return Ok(MatchOutcome::NoDevice);
        };
        let now = self.inner.clock.now();
        let token = SecretString::from(if token.len() > 64 { "-" } else { token });
        let inner = self.inner.clone();
        let opts = opts.clone();
        let done = self
            .inner
            .store
            .transition_user(user, move |recs, writes| {
                inner.match_in(recs, writes, token.expose(), now, &opts)
            })
            .await?;
        let (matched, done) = done.split_value();
        let matched = matched?;
        let refused_too = matched.found.is_none().then_some(&matched.throttled);
        for (id, a) in matched
            .failures
            .iter()
            .chain(refused_too.into_iter().flatten())
        {
            let (rec, _) = done.record(*id)?;
            self.inner
                .emit_attempt(user, &rec.persistent_id(), now, a, rec, Mode::Verify);
        }
        if let Some(id) = matched.found {
            let (rec, _) = done.record(id)?;
            let rec = rec.clone();
            self.inner.emit_attempt(
                user,
                &rec.persistent_id(),
                now,
                &Attempt::Accepted,
                &rec,
                Mode::Verify,
            );
            self.after_accepted(user, &rec, now).await;
            return Ok(match self.inner.device(rec) {
                Some(d) => MatchOutcome::Accepted(d),
                None => MatchOutcome::NoDevice,
            });
        }
        // A refused candidate may be the one the code was for: its refusal is the answer
        // (REQ-17: a throttled device answers the same whether or not the code matched).
        if let Some(r) = matched.refused {
            return Ok(MatchOutcome::NotAllowed(r));
        }
        Ok(match matched.failures.first() {
            Some((_, Attempt::Rejected { why, .. })) => MatchOutcome::Rejected(*why),
            _ => MatchOutcome::NoDevice,
        })
    }
}
