//! Challenges (docs/behaviour.md §2.1, §2.4, §5.4): `generate_challenge` reserves the cooldown and
//! the new token in one conditional write, then delivers (`send`) and compensates a failure.

use std::sync::Arc;

use crate::clock::Timestamp;
use crate::error::Error;
use crate::events::{Event, EventKind};
use crate::kind::{Delivery, DynDevice, KindError, KindHandle};
use crate::policy::Cooldown;
use crate::record::DeviceRecord;
use crate::store::{DeviceStoreExt, Write};
use crate::user::UserId;

use super::attempt::{CtxExtra, Mode, mode_admits};
use super::{ChallengeOptions, ChallengeOutcome, Engine, Inner};

/// What the reservation decided, inside the transition.
enum Reserved {
    /// Not this user's device of this kind, or not in the requested mode.
    NotFound,
    /// Refused before anything was stored.
    Refused(ChallengeOutcome),
    /// The new token and the cooldown are stored; the message is to be delivered.
    Ok {
        delivery: Delivery,
        message: String,
        /// The cooldown timestamp before the reservation, restored by a compensation.
        previous: Option<Timestamp>,
    },
}

/// A challenge request: everything the reservation decides with besides the record.
struct Request {
    inner: Arc<Inner>,
    owner: UserId,
    kind: KindHandle,
    mode: Mode,
    now: Timestamp,
    email: Option<String>,
    binding: Option<Vec<u8>>,
    extra: Option<serde_json::Value>,
}

impl Request {
    /// The reservation's decision on `rec`, under its lock. Pure apart from the CSPRNG.
    fn decide(&self, rec: &mut DeviceRecord) -> (Write, Result<Reserved, KindError>) {
        let ttl = self.inner.settings.enrolment.ttl;
        if rec.model_label != self.kind.model_label()
            || rec.user != self.owner
            || !mode_admits(self.mode, rec, self.now, ttl)
        {
            return (Write::None, Ok(Reserved::NotFound));
        }
        match self.reserve(rec) {
            Ok((r, w)) => (w, Ok(r)),
            Err(e) => (Write::None, Err(e)),
        }
    }

    /// Checks the lock-out and the cooldown, lets the kind generate the challenge, and
    /// stores its state and the new cooldown.
    fn reserve(&self, rec: &mut DeviceRecord) -> Result<(Reserved, Write), KindError> {
        let mut dev = self.kind.0.load(&rec.state)?;
        if let Some(o) = self.refusal(rec, dev.as_ref()) {
            return Ok((Reserved::Refused(o), Write::None));
        }
        let pid = rec.persistent_id();
        let generated = {
            let extra = CtxExtra {
                binding: self.binding.as_deref(),
                user_email: self.email.as_deref(),
                extra: self.extra.as_ref(),
            };
            let mut ctx = self.inner.ctx(self.now, rec, &pid, extra);
            dev.generate_challenge(&mut ctx)
        };
        let ch = match generated {
            Ok(Some(ch)) => ch,
            Ok(None) => {
                let o = ChallengeOutcome::NotInteractive;
                return Ok((Reserved::Refused(o), Write::None));
            }
            Err(KindError::Challenge(e)) => {
                let message = e.to_string();
                let o = ChallengeOutcome::Failed { message };
                return Ok((Reserved::Refused(o), Write::None));
            }
            Err(e) => return Err(e),
        };
        let previous = rec.last_generated_at;
        rec.state = dev.save()?;
        rec.last_generated_at = Some(self.now);
        let reserved = Reserved::Ok {
            delivery: ch.delivery,
            message: ch.message,
            previous,
        };
        Ok((reserved, Write::Update))
    }

    /// A locked-out device or a running cooldown refuses before anything is generated.
    fn refusal(&self, rec: &DeviceRecord, dev: &dyn DynDevice) -> Option<ChallengeOutcome> {
        let throttle = self.inner.throttle_for(dev);
        if throttle.is_locked_out(&rec.throttle) {
            let failure_count = rec.throttle.failure_count;
            return Some(ChallengeOutcome::Locked { failure_count });
        }
        let cooldown = Cooldown {
            duration_secs: dev.cooldown_duration(&self.inner.settings),
        };
        cooldown
            .check(rec.last_generated_at, self.now)
            .err()
            .map(ChallengeOutcome::Cooldown)
    }
}

impl Engine {
    /// `generate_challenge()` (§2.1, §5.4): reserves the cooldown and stores the new token's
    /// hash in one conditional write, asks the [`SendLimiter`](crate::send_limit::SendLimiter) (per-account and per-address
    /// bounds on code emails, [`crate::send_limit`]), delivers, and on a refusal or a
    /// delivery failure restores the previous cooldown and clears the new token before
    /// reporting it (§2.9).
    pub async fn generate_challenge(
        &self,
        user: &UserId,
        pid: &str,
        opts: &ChallengeOptions,
    ) -> Result<ChallengeOutcome, Error> {
        let Some((p, kind)) = self.resolve(pid) else {
            return Ok(ChallengeOutcome::NotFound);
        };
        if !kind.is_interactive() {
            // Still only answer for the user's own device.
            return Ok(match self.from_persistent_id(pid).await? {
                Some(d) if d.user() == user => ChallengeOutcome::NotInteractive,
                _ => ChallengeOutcome::NotFound,
            });
        }
        let email = self.inner.users.lookup(user).await.and_then(|u| u.email);
        let now = self.inner.clock.now();
        let req = Request {
            inner: self.inner.clone(),
            owner: user.clone(),
            kind: kind.clone(),
            mode: if opts.for_enrolment {
                Mode::Confirm
            } else {
                Mode::Verify
            },
            now,
            email,
            binding: opts.binding.clone(),
            extra: opts.extra_context.clone(),
        };
        let Some(id) = self.locate(&p).await? else {
            return Ok(ChallengeOutcome::NotFound);
        };
        let done = self
            .inner
            .store
            .transition(id, move |rec| req.decide(rec))
            .await?;
        let Some(done) = done else {
            return Ok(ChallengeOutcome::NotFound);
        };
        let held = match done.value? {
            Reserved::NotFound => return Ok(ChallengeOutcome::NotFound),
            Reserved::Refused(o) => {
                if let ChallengeOutcome::Failed { message } = &o {
                    let pid = p.to_string();
                    let mut e = Event::new(EventKind::ChallengeFailed, Some(user), Some(&pid), now);
                    e.detail = Some(message.clone());
                    self.inner.emit(e);
                }
                return Ok(o);
            }
            // The compensation undoes the reservation only while the device is still at
            // the version the reservation committed.
            Reserved::Ok {
                delivery,
                message,
                previous,
            } => super::send::Held {
                delivery,
                message,
                previous,
                version: done.record.version,
            },
        };
        self.deliver(user, (&p, id), kind, held, now).await
    }

    /// Undoes a reservation whose delivery was refused or failed: the kind forgets the new
    /// token and the previous cooldown comes back, unless the device changed since (it is
    /// no longer at `version`).
    pub(super) async fn compensate(
        &self,
        id: i64,
        kind: KindHandle,
        previous: Option<Timestamp>,
        version: i64,
    ) -> Result<(), Error> {
        let done = self
            .inner
            .store
            .transition(id, move |rec| {
                if rec.version != version {
                    // Something happened since the reservation (e.g. a verification): leave it.
                    return (Write::None, Ok(()));
                }
                let undone = kind.0.load(&rec.state).and_then(|mut dev| {
                    dev.challenge_failed();
                    dev.save()
                });
                match undone {
                    Ok(s) => {
                        rec.state = s;
                        rec.last_generated_at = previous;
                        (Write::Update, Ok(()))
                    }
                    Err(e) => (Write::None, Err(e)),
                }
            })
            .await?;
        if let Some(done) = done {
            done.value?;
        }
        Ok(())
    }
}
