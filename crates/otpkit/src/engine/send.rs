//! The delivery half of `generate_challenge` (docs/behaviour.md §2.9, §5.4 step 3; issue 12): once
//! the device's transition reserved its cooldown and stored the new token, the
//! [`SendLimiter`](crate::send_limit::SendLimiter) is asked about the recipient, the message
//! is delivered, and a refusal or a failure is compensated before it is reported.

use super::{ChallengeOutcome, Engine, Error, Event, EventKind, KindHandle, Timestamp, UserId};
use crate::kind::Delivery;
use crate::record::{DeviceId, DeviceRecord, PersistentId};
use crate::send_limit::{LimitError, Reservation, SendLimits, SendRequest, normalise_address};

/// What the device's transition reserved: the message to deliver and what undoes it.
pub(super) struct Held {
    pub(super) delivery: Delivery,
    pub(super) message: String,
    pub(super) previous: Option<Timestamp>,
    pub(super) version: i64,
}

impl Engine {
    /// Asks the limiter, delivers, and compensates (restores the previous cooldown, clears the
    /// new token) when the limiter refuses or delivery fails.
    pub(super) async fn deliver(
        &self,
        user: &UserId,
        (p, id): (&PersistentId, DeviceId),
        kind: KindHandle,
        held: Held,
        now: Timestamp,
    ) -> Result<ChallengeOutcome, Error> {
        let pid = p.to_string();
        let limits = SendLimits::from_settings(&self.inner.settings);
        let address = match &held.delivery {
            Delivery::Email(msg) => Some(normalise_address(&msg.to)),
            Delivery::None => None,
        };
        let reservation = match &address {
            None => None,
            Some(address) => {
                let req = SendRequest {
                    user,
                    address,
                    now,
                    limits,
                };
                match self.inner.limiter.reserve(&req).await {
                    Ok(r) => Some(r),
                    Err(e) => {
                        self.compensate(id, kind, held.previous, held.version)
                            .await?;
                        return self.refused(user, &pid, now, e);
                    }
                }
            }
        };
        let sent = match &held.delivery {
            Delivery::None => Ok(()),
            Delivery::Email(msg) => self.inner.mailer.send(msg).await,
        };
        drop(held.delivery);
        match sent {
            Ok(()) => {
                self.inner.emit(Event::new(
                    EventKind::ChallengeSent,
                    Some(user),
                    Some(&pid),
                    now,
                ));
                Ok(ChallengeOutcome::Sent {
                    message: held.message,
                })
            }
            Err(err) => {
                tracing::warn!(target: "otpkit", device = %pid, error = %err, "challenge delivery failed");
                if let (Some(address), Some(r)) = (&address, reservation) {
                    self.release(user, address, now, limits, r).await;
                }
                self.compensate(id, kind, held.previous, held.version)
                    .await?;
                let mut e = Event::new(EventKind::ChallengeFailed, Some(user), Some(&pid), now);
                e.detail = Some("delivery".into());
                self.inner.emit(e);
                Ok(ChallengeOutcome::Failed {
                    message: "the email could not be sent".into(),
                })
            }
        }
    }

    /// The answer to a limiter refusal (already compensated): `challenge_failed` with detail
    /// `rate_limited` and `locked_until` = when it ends, then
    /// [`ChallengeOutcome::Limited`]; a limiter failure fails closed.
    fn refused(
        &self,
        user: &UserId,
        pid: &str,
        now: Timestamp,
        e: LimitError,
    ) -> Result<ChallengeOutcome, Error> {
        match e {
            LimitError::Refused(r) => {
                let mut ev = Event::new(EventKind::ChallengeFailed, Some(user), Some(pid), now);
                ev.detail = Some("rate_limited".into());
                ev.locked_until = Some(r.next_allowed_at);
                self.inner.emit(ev);
                Ok(ChallengeOutcome::Limited(r))
            }
            LimitError::Backend(message) => Err(Error::SendLimiter(message)),
        }
    }

    /// Forgets a reservation whose delivery failed; a failure to do so only leaves the send
    /// counted (the safe side), so it is logged, not reported.
    async fn release(
        &self,
        user: &UserId,
        address: &str,
        now: Timestamp,
        limits: SendLimits,
        r: Reservation,
    ) {
        let req = SendRequest {
            user,
            address,
            now,
            limits,
        };
        if let Err(e) = self.inner.limiter.release(&req, r).await {
            tracing::warn!(target: "otpkit", error = %e, "send limiter release failed");
        }
    }

    /// After an accepted token: an interactive device (a code was delivered and came back)
    /// restarts the account cooldown of the send limiter, as §2.4 resets the device's.
    pub(super) async fn after_accepted(&self, user: &UserId, rec: &DeviceRecord, now: Timestamp) {
        let interactive = self.inner.kind_of(rec).is_some_and(|k| k.is_interactive());
        if interactive && let Err(e) = self.inner.limiter.verified(user, now).await {
            tracing::warn!(target: "otpkit", error = %e, "send limiter update failed");
        }
    }
}
