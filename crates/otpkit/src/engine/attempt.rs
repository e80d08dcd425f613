//! The pure decision of one attempt (docs/behaviour.md §2.2, §2.5, §2.5.1, §7.3.1): the
//! mode, the device's and the account's throttle, the kind's verdict and its policy
//! effects, computed inside the store's transition; and the events it emits.

use crate::clock::Timestamp;
use crate::events::{Event, EventKind, emit};
use crate::kind::{Context, DynDevice, KindError, KindHandle, Verdict};
use crate::policy::{Throttle, VerifyNotAllowed, throttle_reset};
use crate::record::{DeviceId, DeviceRecord, ThrottleState};
use crate::store::Write;
use crate::user::UserId;

use super::{Device, Inner, MatchOptions, Rejection};

/// Which devices an attempt may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Confirmed devices only (login, API).
    Verify,
    /// Unconfirmed devices created at most `OTPKIT_ENROLMENT_TTL` ago (`confirm_device`).
    Confirm,
}

/// What one attempt did, inside the transaction.
#[derive(Debug)]
pub(super) enum Attempt {
    Accepted,
    NotAllowed(VerifyNotAllowed),
    Rejected {
        why: Rejection,
        locked_now: bool,
        /// The account's failure total when this failure brought it to
        /// `OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD` (`account_locked`).
        account_locked: Option<u32>,
    },
}

/// The inputs of one attempt besides the device.
pub(super) struct AttemptInput<'a> {
    pub(super) token: &'a str,
    pub(super) now: Timestamp,
    pub(super) binding: Option<&'a [u8]>,
    pub(super) mode: Mode,
    /// The owner's other devices, when the account throttle is on.
    pub(super) account: Option<AccountTally>,
}

/// The throttle state of the *other* devices of the attempted device's owner: the sum of
/// their failure counts and their latest failure (the account throttle, see
/// `OTPKIT_ACCOUNT_THROTTLING`).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct AccountTally {
    pub(super) failure_count: u32,
    pub(super) latest_failure: Option<Timestamp>,
}

impl AccountTally {
    /// The tally of `recs` without the record at index `skip`.
    pub(super) fn of_others(recs: &[DeviceRecord], skip: usize) -> Self {
        recs.iter()
            .enumerate()
            .filter(|&(i, _)| i != skip)
            .fold(AccountTally::default(), |t, (_, r)| t.plus(&r.throttle))
    }

    /// This tally with one more device's state added (saturating).
    pub(super) fn plus(self, s: &ThrottleState) -> Self {
        AccountTally {
            failure_count: self.failure_count.saturating_add(s.failure_count),
            latest_failure: self.latest_failure.max(s.failure_timestamp),
        }
    }

    /// The account as one throttle state.
    pub(super) fn state(self) -> ThrottleState {
        ThrottleState {
            failure_count: self.failure_count,
            failure_timestamp: self.latest_failure,
        }
    }
}

/// The throttles one attempt is under: the device's, and the account's (the same rules on
/// the sum of the owner's failure counts and their latest failure, with this device's
/// factor) when the account throttle is on.
#[derive(Debug, Clone, Copy)]
struct Throttles {
    device: Throttle,
    account: Throttle,
    /// The account's tally with this device, before the attempt; `None` when the account
    /// throttle is off.
    total: Option<AccountTally>,
}

impl Throttles {
    /// Whether an attempt may be evaluated now; zero HMACs when either throttle refuses.
    fn check(&self, own: &ThrottleState, now: Timestamp) -> Result<(), VerifyNotAllowed> {
        self.device.check(own, now)?;
        match self.total {
            Some(total) => self.account.check(&total.state(), now),
            None => Ok(()),
        }
    }

    /// Counts a failure in `own`: whether it locked the device now, and the account's
    /// failure total when it brought the account to its lock-out threshold.
    fn fail(&self, own: &mut ThrottleState, now: Timestamp) -> (bool, Option<u32>) {
        let locked_now = self.device.increment(own, now);
        // The account check passed, so the total was below its threshold before.
        let account_locked = self
            .total
            .map(|t| t.failure_count.saturating_add(1))
            .filter(|&after| {
                self.account.is_locked_out(&ThrottleState {
                    failure_count: after,
                    failure_timestamp: Some(now),
                })
            });
        (locked_now, account_locked)
    }
}

/// The kind's verdict applied to `rec`: a success resets the throttle and the cooldown and
/// records the use (and confirms the device in [`Mode::Confirm`]); a failure counts against
/// the device and the account.
fn record_verdict(
    rec: &mut DeviceRecord,
    verdict: Verdict,
    now: Timestamp,
    mode: Mode,
    throttles: &Throttles,
) -> Attempt {
    match verdict {
        Verdict::Accepted => {
            throttle_reset(&mut rec.throttle);
            rec.last_used_at = Some(now);
            // Success resets the cooldown (§2.4), also when its duration is 0 now: a
            // stale timestamp would make a later, longer duration refuse a challenge right
            // after a login (django-otp resets it unconditionally too).
            rec.last_generated_at = None;
            if mode == Mode::Confirm {
                rec.confirmed = true;
            }
            Attempt::Accepted
        }
        v => {
            let (locked_now, account_locked) = throttles.fail(&mut rec.throttle, now);
            let why = match v {
                Verdict::Malformed => Rejection::Malformed,
                Verdict::Replay => Rejection::Replay,
                Verdict::Refused(code) => Rejection::Kind(code),
                Verdict::CounterRegressed => Rejection::CounterRegressed,
                Verdict::Accepted | Verdict::Invalid => Rejection::Invalid,
            };
            Attempt::Rejected {
                why,
                locked_now,
                account_locked,
            }
        }
    }
}

/// Extra inputs of a context.
#[derive(Default)]
pub(super) struct CtxExtra<'a> {
    pub(super) binding: Option<&'a [u8]>,
    pub(super) user_email: Option<&'a str>,
    pub(super) extra: Option<&'a serde_json::Value>,
}

impl Inner {
    pub(super) fn ctx<'a>(
        &'a self,
        now: Timestamp,
        rec: &'a DeviceRecord,
        pid: &'a str,
        x: CtxExtra<'a>,
    ) -> Context<'a> {
        Context {
            now,
            settings: &self.settings,
            keys: &self.keys,
            model_label: &rec.model_label,
            persistent_id: pid,
            user: &rec.user,
            binding: x.binding,
            user_email: x.user_email,
            extra: x.extra,
            templates: &self.templates,
        }
    }

    pub(super) fn throttle_for(&self, dev: &dyn DynDevice) -> Throttle {
        Throttle {
            factor: dev.throttle_factor(&self.settings),
            max_delay_secs: self.settings.throttle.max_delay,
            lockout_threshold: self.settings.throttle.lockout_threshold,
        }
    }

    pub(super) fn kind_of(&self, rec: &DeviceRecord) -> Option<&KindHandle> {
        self.registry.get(&rec.model_label)
    }

    pub(super) fn device(&self, rec: DeviceRecord) -> Option<Device> {
        let kind = self.kind_of(&rec)?.clone();
        Some(Device { record: rec, kind })
    }

    /// docs/behaviour.md §2.2 steps 1–5 on `rec` (the caller commits). Pure apart from the CSPRNG.
    pub(super) fn attempt(
        &self,
        kind: &KindHandle,
        rec: &mut DeviceRecord,
        input: AttemptInput<'_>,
    ) -> Result<(Attempt, Write), KindError> {
        let mut dev = kind.0.load(&rec.state)?;
        let throttles = self.throttles(dev.as_ref(), input.account, &rec.throttle);
        if let Err(r) = throttles.check(&rec.throttle, input.now) {
            return Ok((Attempt::NotAllowed(r), Write::None));
        }
        let pid = rec.persistent_id();
        let verdict = {
            let ctx0 = self.ctx(
                input.now,
                rec,
                &pid,
                CtxExtra {
                    binding: input.binding,
                    ..CtxExtra::default()
                },
            );
            if let Err(refusal) = dev.verify_is_allowed(&ctx0) {
                return Ok((
                    Attempt::NotAllowed(VerifyNotAllowed::Kind { refusal }),
                    Write::None,
                ));
            }
            let mut ctx = ctx0;
            dev.verify(input.token, &mut ctx)?
        };
        let state = dev.save()?;
        rec.state = state;
        let attempt = record_verdict(rec, verdict, input.now, input.mode, &throttles);
        Ok((attempt, Write::Update))
    }

    /// The throttles of an attempt on a device whose kind state is `dev` and whose throttle
    /// state is `own`, given the tally of the owner's other devices when the account
    /// throttle is on.
    fn throttles(
        &self,
        dev: &dyn DynDevice,
        others: Option<AccountTally>,
        own: &ThrottleState,
    ) -> Throttles {
        let device = self.throttle_for(dev);
        Throttles {
            device,
            account: Throttle {
                lockout_threshold: self.settings.throttle.account_lockout_threshold,
                ..device
            },
            total: others.map(|others| others.plus(own)),
        }
    }

    /// The indexes of `match_token`'s candidates among the owner's rows, in the order they
    /// are tried: `opts.first`, then registration order and id; confirmed only, passive only
    /// when asked (`opts.first` whatever its kind).
    pub(super) fn match_order(&self, recs: &[DeviceRecord], opts: &MatchOptions) -> Vec<usize> {
        let mut order: Vec<(bool, usize, i64, usize)> = recs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.confirmed)
            .filter_map(|(i, r)| {
                let kind = self.kind_of(r)?;
                if !kind.is_matchable() {
                    return None;
                }
                if opts.passive_only && kind.is_interactive() && opts.first != Some(r.id) {
                    return None;
                }
                let pos = self.registry.position(&r.model_label)?;
                Some((opts.first != Some(r.id), pos, r.id, i))
            })
            .collect();
        order.sort_unstable();
        order.into_iter().map(|(.., i)| i).collect()
    }

    /// Writes `match_token`'s failures into the owner's rows (nothing matched) and returns
    /// their devices, with `account_locked` on the first when they together brought the
    /// account's total to its threshold.
    pub(super) fn commit_failures(
        &self,
        recs: &mut [DeviceRecord],
        writes: &mut [Write],
        failures: Vec<(usize, DeviceRecord, Attempt)>,
    ) -> Vec<(DeviceId, Attempt)> {
        let lockout = self.settings.throttle.account_lockout_threshold;
        let before = AccountTally::of_others(recs, usize::MAX).failure_count;
        let after = u32::try_from(failures.len()).map_or(u32::MAX, |n| before.saturating_add(n));
        let mut account_locked = (self.settings.throttle.account_throttling
            && lockout > 0
            && before < lockout
            && after >= lockout)
            .then_some(after);
        let mut seen = Vec::new();
        for (i, work, mut a) in failures {
            if let Attempt::Rejected {
                account_locked: al, ..
            } = &mut a
            {
                *al = account_locked.take();
            }
            seen.push((work.id, a));
            if let (Some(r), Some(w)) = (recs.get_mut(i), writes.get_mut(i)) {
                *r = work;
                *w = Write::Update;
            }
        }
        seen
    }

    /// `match_token`'s decision over the owner's rows (all locked by the caller): the
    /// candidates in order (`opts.first`, then registration order and id), the first that
    /// accepts commits only its success; if none accepts, every evaluated candidate records
    /// its failure.
    pub(super) fn match_in(
        &self,
        recs: &mut [DeviceRecord],
        writes: &mut [Write],
        token: &str,
        now: Timestamp,
        opts: &MatchOptions,
    ) -> Result<Matched, KindError> {
        let order = self.match_order(recs, opts);
        let mut failures: Vec<(usize, DeviceRecord, Attempt)> = Vec::new();
        let mut refused: Option<VerifyNotAllowed> = None;
        let mut throttled = Vec::new();
        for &i in &order {
            let Some(rec) = recs.get(i) else { continue };
            let Some(kind) = self.kind_of(rec).cloned() else {
                continue;
            };
            let mut work = rec.clone();
            // The account tally is taken before this call's own failures: one call is one
            // guess for the account throttle, and every evaluated device records it.
            let account = self
                .settings
                .throttle
                .account_throttling
                .then(|| AccountTally::of_others(recs, i));
            let input = AttemptInput {
                token,
                now,
                binding: opts.binding.as_deref(),
                mode: Mode::Verify,
                account,
            };
            match self.attempt(&kind, &mut work, input) {
                Ok((Attempt::Accepted, _)) => {
                    let found = work.id;
                    if let (Some(r), Some(w)) = (recs.get_mut(i), writes.get_mut(i)) {
                        *r = work;
                        *w = Write::Update;
                    }
                    return Ok(Matched {
                        found: Some(found),
                        failures: Vec::new(),
                        throttled: Vec::new(),
                        refused: None,
                    });
                }
                Ok((Attempt::NotAllowed(r), _)) => {
                    refused = Some(sooner(refused, r.clone()));
                    throttled.push((work.id, Attempt::NotAllowed(r)));
                }
                Ok((a @ Attempt::Rejected { .. }, _)) => failures.push((i, work, a)),
                Err(e) => {
                    writes.iter_mut().for_each(|w| *w = Write::None);
                    return Err(e);
                }
            }
        }
        let seen = self.commit_failures(recs, writes, failures);
        Ok(Matched {
            found: None,
            failures: seen,
            throttled,
            refused,
        })
    }

    pub(super) fn emit(&self, e: Event) {
        emit(self.notifier.as_ref(), &e);
    }

    pub(super) fn emit_attempt(
        &self,
        user: &UserId,
        pid: &str,
        now: Timestamp,
        a: &Attempt,
        rec: &DeviceRecord,
        mode: Mode,
    ) {
        match a {
            Attempt::Accepted => {
                self.emit(Event::new(
                    EventKind::VerificationSucceeded,
                    Some(user),
                    Some(pid),
                    now,
                ));
                if mode == Mode::Confirm {
                    self.emit(Event::new(
                        EventKind::DeviceConfirmed,
                        Some(user),
                        Some(pid),
                        now,
                    ));
                }
            }
            Attempt::NotAllowed(r) => {
                let mut e =
                    Event::new(EventKind::VerificationThrottled, Some(user), Some(pid), now);
                e.detail = Some(r.reason().to_owned());
                if let VerifyNotAllowed::NFailedAttempts {
                    failure_count,
                    locked_until,
                } = r
                {
                    e.failure_count = Some(*failure_count);
                    e.locked_until = Some(*locked_until);
                }
                if let VerifyNotAllowed::LockedOut { failure_count } = r {
                    e.failure_count = Some(*failure_count);
                }
                self.emit(e);
            }
            Attempt::Rejected {
                why,
                locked_now,
                account_locked,
            } => self.emit_rejected(user, pid, now, rec, *why, *locked_now, *account_locked),
        }
    }
    /// The events of an evaluated, rejected attempt: the kind's alarm (`token_replayed`,
    /// `counter_regressed`) first, then `verification_failed`, then the lock-outs it caused.
    #[allow(clippy::too_many_arguments)]
    fn emit_rejected(
        &self,
        user: &UserId,
        pid: &str,
        now: Timestamp,
        rec: &DeviceRecord,
        why: Rejection,
        locked_now: bool,
        account_locked: Option<u32>,
    ) {
        if why == Rejection::Replay {
            self.emit(Event::new(
                EventKind::TokenReplayed,
                Some(user),
                Some(pid),
                now,
            ));
        }
        if why == Rejection::CounterRegressed {
            self.emit(Event::new(
                EventKind::CounterRegressed,
                Some(user),
                Some(pid),
                now,
            ));
        }
        let mut e = Event::new(EventKind::VerificationFailed, Some(user), Some(pid), now);
        e.failure_count = Some(rec.throttle.failure_count);
        e.detail = Some(
            match why {
                Rejection::Malformed => "malformed",
                Rejection::Invalid => "invalid",
                Rejection::Replay => "replay",
                Rejection::Kind(code) => code,
                Rejection::CounterRegressed => "counter_regressed",
            }
            .to_owned(),
        );
        self.emit(e);
        if locked_now {
            let mut e = Event::new(EventKind::DeviceLocked, Some(user), Some(pid), now);
            e.failure_count = Some(rec.throttle.failure_count);
            self.emit(e);
        }
        if let Some(total) = account_locked {
            let mut e = Event::new(EventKind::AccountLocked, Some(user), Some(pid), now);
            e.failure_count = Some(total);
            self.emit(e);
        }
    }
}

/// What one `match_token` decision found: the devices, whose records the caller takes as
/// the store committed them.
pub(super) struct Matched {
    /// The device that accepted the code.
    pub(super) found: Option<DeviceId>,
    /// The devices that evaluated the code and recorded a failure (nothing accepted).
    pub(super) failures: Vec<(DeviceId, Attempt)>,
    /// The candidates refused before evaluation (`verification_throttled`).
    pub(super) throttled: Vec<(DeviceId, Attempt)>,
    /// The refusal to report when no candidate was evaluated.
    pub(super) refused: Option<VerifyNotAllowed>,
}

/// Of two refusals, the one to report: a delay that ends soonest before a lock-out, a
/// lock-out before a kind's own refusal.
pub(super) fn sooner(a: Option<VerifyNotAllowed>, b: VerifyNotAllowed) -> VerifyNotAllowed {
    use VerifyNotAllowed::{LockedOut, NFailedAttempts};
    match (a, b) {
        (None, b) => b,
        (
            Some(
                a @ NFailedAttempts {
                    locked_until: ta, ..
                },
            ),
            b @ NFailedAttempts {
                locked_until: tb, ..
            },
        ) => {
            if tb < ta {
                b
            } else {
                a
            }
        }
        (Some(a @ NFailedAttempts { .. }), _) => a,
        (_, b @ NFailedAttempts { .. }) => b,
        (Some(a @ LockedOut { .. }), _) => a,
        (_, b @ LockedOut { .. }) => b,
        (Some(a), _) => a,
    }
}

pub(super) fn mode_admits(mode: Mode, rec: &DeviceRecord, now: Timestamp, ttl_secs: u32) -> bool {
    match mode {
        Mode::Verify => rec.confirmed,
        Mode::Confirm => {
            !rec.confirmed && now.millis_since(rec.created_at) <= i64::from(ttl_secs) * 1000
        }
    }
}
