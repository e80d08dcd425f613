//! Challenges (SPEC §2.1, §2.4, §5.4): `generate_challenge` reserves the cooldown and the
//! new token in one conditional write, then delivers (`send`) and compensates a failure.

use crate::clock::Timestamp;
use crate::error::Error;
use crate::events::{Event, EventKind};
use crate::kind::{Delivery, KindError, KindHandle};
use crate::policy::Cooldown;
use crate::store::{Mutation, Slot, Write};
use crate::user::UserId;

use super::attempt::{CtxExtra, Mode, mode_admits};
use super::{ChallengeOptions, ChallengeOutcome, Engine};

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
        let mode = if opts.for_enrolment {
            Mode::Confirm
        } else {
            Mode::Verify
        };
        enum Reserved {
            NotFound,
            Refused(ChallengeOutcome),
            Ok {
                delivery: Delivery,
                message: String,
                previous: Option<Timestamp>,
                version: i64,
            },
        }
        let slot: Slot<Result<Reserved, KindError>> = Slot::new();
        let out = slot.clone();
        let inner = self.inner.clone();
        let owner = user.clone();
        let k = kind.clone();
        let binding = opts.binding.clone();
        let extra = opts.extra_context.clone();
        let ttl = self.inner.settings.enrolment_ttl;
        let m: Mutation = Box::new(move |rec| {
            if rec.model_label != k.model_label()
                || rec.user != owner
                || !mode_admits(mode, rec, now, ttl)
            {
                out.put(Ok(Reserved::NotFound));
                return Write::None;
            }
            let res = (|| -> Result<(Reserved, Write), KindError> {
                let mut dev = k.0.load(&rec.state)?;
                let throttle = inner.throttle_for(dev.as_ref());
                if throttle.is_locked_out(&rec.throttle) {
                    let failure_count = rec.throttle.failure_count;
                    return Ok((
                        Reserved::Refused(ChallengeOutcome::Locked { failure_count }),
                        Write::None,
                    ));
                }
                let cooldown = Cooldown {
                    duration_secs: dev.cooldown_duration(&inner.settings),
                };
                if let Err(g) = cooldown.check(rec.last_generated_at, now) {
                    return Ok((
                        Reserved::Refused(ChallengeOutcome::Cooldown(g)),
                        Write::None,
                    ));
                }
                let pid = rec.persistent_id();
                let ch = {
                    let mut ctx = inner.ctx(
                        now,
                        rec,
                        &pid,
                        CtxExtra {
                            binding: binding.as_deref(),
                            user_email: email.as_deref(),
                            extra: extra.as_ref(),
                        },
                    );
                    match dev.generate_challenge(&mut ctx) {
                        Ok(Some(ch)) => ch,
                        Ok(None) => {
                            return Ok((
                                Reserved::Refused(ChallengeOutcome::NotInteractive),
                                Write::None,
                            ));
                        }
                        Err(KindError::Challenge(e)) => {
                            return Ok((
                                Reserved::Refused(ChallengeOutcome::Failed {
                                    message: e.to_string(),
                                }),
                                Write::None,
                            ));
                        }
                        Err(e) => return Err(e),
                    }
                };
                let previous = rec.last_generated_at;
                rec.state = dev.save()?;
                rec.last_generated_at = Some(now);
                Ok((
                    Reserved::Ok {
                        delivery: ch.delivery,
                        message: ch.message,
                        previous,
                        version: rec.version.saturating_add(1),
                    },
                    Write::Update,
                ))
            })();
            match res {
                Ok((r, w)) => {
                    out.put(Ok(r));
                    w
                }
                Err(e) => {
                    out.put(Err(e));
                    Write::None
                }
            }
        });
        if !self.inner.store.update(p.id(), m).await? {
            return Ok(ChallengeOutcome::NotFound);
        }
        let reserved = slot.take().ok_or_else(|| {
            crate::store::StoreError::Backend("the store did not run the transition".into())
        })??;
        let pid = p.to_string();
        let held = match reserved {
            Reserved::NotFound => return Ok(ChallengeOutcome::NotFound),
            Reserved::Refused(o) => {
                if let ChallengeOutcome::Failed { message } = &o {
                    let mut e = Event::new(EventKind::ChallengeFailed, Some(user), Some(&pid), now);
                    e.detail = Some(message.clone());
                    self.inner.emit(e);
                }
                return Ok(o);
            }
            Reserved::Ok {
                delivery,
                message,
                previous,
                version,
            } => super::send::Held {
                delivery,
                message,
                previous,
                version,
            },
        };
        self.deliver(user, &p, kind, held, now).await
    }

    pub(super) async fn compensate(
        &self,
        id: i64,
        kind: KindHandle,
        previous: Option<Timestamp>,
        version: i64,
    ) -> Result<(), Error> {
        let slot: Slot<Result<(), KindError>> = Slot::new();
        let out = slot.clone();
        let m: Mutation = Box::new(move |rec| {
            if rec.version != version {
                // Something happened since the reservation (e.g. a verification): leave it.
                out.put(Ok(()));
                return Write::None;
            }
            match kind.0.load(&rec.state) {
                Ok(mut dev) => {
                    dev.challenge_failed();
                    match dev.save() {
                        Ok(s) => {
                            rec.state = s;
                            rec.last_generated_at = previous;
                            out.put(Ok(()));
                            Write::Update
                        }
                        Err(e) => {
                            out.put(Err(e));
                            Write::None
                        }
                    }
                }
                Err(e) => {
                    out.put(Err(e));
                    Write::None
                }
            }
        });
        self.inner.store.update(id, m).await?;
        if let Some(r) = slot.take() {
            r?;
        }
        Ok(())
    }
}
