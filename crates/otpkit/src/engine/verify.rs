//! Verification (SPEC §2.2, §3): `verify_token`, its detailed form, `confirm_device` and
//! `match_token`, each one atomic transition.

use crate::device::DeviceRecord;
use crate::error::Error;
use crate::kind::KindError;
use crate::secret::SecretString;
use crate::store::{Mutation, Slot, UserMutation, Write};
use crate::user::UserId;

use super::attempt::{AccountTally, Attempt, AttemptInput, Matched, Mode, Step, mode_admits};
use super::{Device, Engine, MatchOptions, MatchOutcome, VerifyOptions, VerifyOutcome};

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
        let token = SecretString::from(if token.len() > 64 { "-" } else { token });
        let slot: Slot<Result<Step, KindError>> = Slot::new();
        let out = slot.clone();
        let inner = self.inner.clone();
        let owner = user.clone();
        let binding = opts.binding.clone();
        let ttl = self.inner.settings.enrolment_ttl;
        let k = kind.clone();
        let id = p.id();
        let absent = slot.clone();
        // One attempt on `rec`, given the tally of the owner's other devices when the account
        // throttle is on.
        let decide = move |rec: &mut DeviceRecord, account: Option<AccountTally>| {
            if rec.model_label != k.model_label()
                || rec.user != owner
                || !mode_admits(mode, rec, now, ttl)
            {
                out.put(Ok(Step::NotFound));
                return Write::None;
            }
            let mut work = rec.clone();
            let input = AttemptInput {
                token: token.expose(),
                now,
                binding: binding.as_deref(),
                mode,
                account,
            };
            match inner.attempt(&k, &mut work, input) {
                Ok((a, w)) => {
                    if w == Write::Update {
                        *rec = work;
                    }
                    let mut seen = rec.clone();
                    if w == Write::Update {
                        seen.version = seen.version.saturating_add(1);
                    }
                    out.put(Ok(Step::Done(a, Box::new(seen))));
                    w
                }
                Err(e) => {
                    out.put(Err(e));
                    Write::None
                }
            }
        };
        if self.inner.settings.account_throttling {
            // All of the owner's rows are locked for the decision: the account's failure
            // total cannot change under it (one atomic transition, SPEC §2.9).
            let m: UserMutation = Box::new(move |recs, writes| {
                let Some(i) = recs.iter().position(|r| r.id == id) else {
                    // Not one of this user's devices (or gone): nothing to decide.
                    absent.put(Ok(Step::NotFound));
                    return;
                };
                let others = AccountTally::of_others(recs, i);
                if let (Some(rec), Some(w)) = (recs.get_mut(i), writes.get_mut(i)) {
                    *w = decide(rec, Some(others));
                }
            });
            self.inner.store.update_user(user, m).await?;
        } else {
            let m: Mutation = Box::new(move |rec| decide(rec, None));
            if !self.inner.store.update(id, m).await? {
                return Ok(VerifyOutcome::NotFound);
            }
        }
        let step = slot.take().ok_or_else(|| {
            crate::store::StoreError::Backend("the store did not run the transition".into())
        })?;
        let (attempt, rec) = match step? {
            Step::NotFound => return Ok(VerifyOutcome::NotFound),
            Step::Done(a, r) => (a, *r),
        };
        let pid = rec.persistent_id();
        self.inner
            .emit_attempt(user, &pid, now, &attempt, &rec, mode);
        if matches!(attempt, Attempt::Accepted) {
            self.after_accepted(user, &rec, now).await;
        }
        Ok(match attempt {
            Attempt::Accepted => match self.inner.device(rec) {
                Some(d) => VerifyOutcome::Accepted(d),
                None => VerifyOutcome::NotFound,
            },
            Attempt::NotAllowed(r) => VerifyOutcome::NotAllowed(r),
            Attempt::Rejected { why, .. } => VerifyOutcome::Rejected(why),
        })
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
    /// (SPEC §7.3): one atomic decision over the candidates, under the account throttle,
    /// failures recorded only when no candidate matched.
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
        let slot: Slot<Result<Matched, KindError>> = Slot::new();
        let out = slot.clone();
        let inner = self.inner.clone();
        let opts = opts.clone();
        let m: UserMutation = Box::new(move |recs, writes| {
            out.put(inner.match_in(recs, writes, token.expose(), now, &opts));
        });
        self.inner.store.update_user(user, m).await?;
        let Some(res) = slot.take() else {
            return Ok(MatchOutcome::NoDevice);
        };
        let matched = res?;
        let refused_too = matched.found.is_none().then_some(&matched.throttled);
        for (rec, a) in matched
            .failures
            .iter()
            .chain(refused_too.into_iter().flatten())
        {
            self.inner
                .emit_attempt(user, &rec.persistent_id(), now, a, rec, Mode::Verify);
        }
        if let Some(rec) = matched.found {
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
