//! The reusable policies the engine applies to every kind that opts in (docs/behaviour.md §2.4–2.6,
//! §2.8): throttling with exponential back-off and a hard lock-out, cooldown between challenges,
//! and timestamps.
//!
//! Everything here is pure: given a device's fields and `now`, a policy answers. The engine
//! calls these inside the device's atomic transition, so a kind cannot forget them (see
//! docs/architecture.md): a kind only says *whether a token matches*.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::kind::KindRefusal;
use crate::record::{DeviceRecord, ThrottleState};

/// Why a verification is refused before the token is looked at (docs/behaviour.md §2.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason")]
pub enum VerifyNotAllowed {
    /// Exponential back-off is running (django-otp's `N_FAILED_ATTEMPTS`).
    #[serde(rename = "N_FAILED_ATTEMPTS")]
    NFailedAttempts {
        /// Consecutive failures so far.
        failure_count: u32,
        /// The first instant at which a token will be evaluated again.
        locked_until: Timestamp,
    },
    /// Hard lock-out after `OTPKIT_LOCKOUT_THRESHOLD` failures; does not expire (new).
    #[serde(rename = "LOCKED_OUT")]
    LockedOut {
        /// Consecutive failures so far.
        failure_count: u32,
    },
    /// A third-party kind's own refusal, with its user-facing message (serialised as
    /// `error_message`).
    #[serde(rename = "KIND")]
    Kind {
        /// The kind's refusal.
        #[serde(flatten)]
        refusal: KindRefusal,
    },
}

impl VerifyNotAllowed {
    /// The django-otp reason name: `N_FAILED_ATTEMPTS`, `LOCKED_OUT`, or `KIND`.
    pub fn reason(&self) -> &'static str {
        match self {
            VerifyNotAllowed::NFailedAttempts { .. } => "N_FAILED_ATTEMPTS",
            VerifyNotAllowed::LockedOut { .. } => "LOCKED_OUT",
            VerifyNotAllowed::Kind { .. } => "KIND",
        }
    }
}

/// Why a challenge is refused (docs/behaviour.md §2.4, §2.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason")]
pub enum GenerateNotAllowed {
    /// The cooldown has not expired (django-otp's `COOLDOWN_DURATION_PENDING`).
    #[serde(rename = "COOLDOWN_DURATION_PENDING")]
    CooldownDurationPending {
        /// The first instant at which a new challenge is allowed.
        next_generation_at: Timestamp,
    },
}

/// Throttling parameters for one device: the kind's factor, the cap and the lock-out
/// threshold (docs/behaviour.md §2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Base delay `c` in seconds; 0 disables the delay (`throttling_enabled` is false).
    pub factor: u32,
    /// `OTPKIT_THROTTLE_MAX_DELAY` in seconds.
    pub max_delay_secs: u64,
    /// `OTPKIT_LOCKOUT_THRESHOLD`; 0 disables the lock-out.
    pub lockout_threshold: u32,
}

impl Throttle {
    /// `throttling_enabled`: the factor is above 0.
    pub fn enabled(&self) -> bool {
        self.factor > 0
    }

    /// The back-off after `count` failures: `min(c · 2^(count−1), cap)` seconds, in
    /// milliseconds, computed with saturation; 0 when `count` is 0 or the factor is 0.
    ///
    /// ```
    /// use otpkit::policy::Throttle;
    /// let t = Throttle { factor: 1, max_delay_secs: 3600, lockout_threshold: 100 };
    /// assert_eq!(t.delay_millis(1), 1_000);
    /// assert_eq!(t.delay_millis(12), 2_048_000);
    /// assert_eq!(t.delay_millis(13), 3_600_000);
    /// assert_eq!(t.delay_millis(u32::MAX), 3_600_000);
    /// ```
    pub fn delay_millis(&self, count: u32) -> i64 {
        if count == 0 || self.factor == 0 {
            return 0;
        }
        let exp = count - 1;
        let mult = if exp >= 63 { u64::MAX } else { 1u64 << exp };
        let secs = u64::from(self.factor)
            .saturating_mul(mult)
            .min(self.max_delay_secs);
        i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
    }

    /// `verify_is_allowed()` by the throttle rules, first match wins (docs/behaviour.md §2.5).
    pub fn check(&self, s: &ThrottleState, now: Timestamp) -> Result<(), VerifyNotAllowed> {
        if self.is_locked_out(s) {
            return Err(VerifyNotAllowed::LockedOut {
                failure_count: s.failure_count,
            });
        }
        if let (true, true, Some(ts)) = (self.factor > 0, s.failure_count > 0, s.failure_timestamp)
        {
            let delay = self.delay_millis(s.failure_count);
            if now.millis_since(ts) < delay {
                return Err(VerifyNotAllowed::NFailedAttempts {
                    failure_count: s.failure_count,
                    locked_until: ts.add_millis(delay),
                });
            }
        }
        Ok(())
    }

    /// Rule 1 alone: the hard lock-out.
    pub fn is_locked_out(&self, s: &ThrottleState) -> bool {
        self.lockout_threshold > 0 && s.failure_count >= self.lockout_threshold
    }

    /// `throttle_increment`: count + 1 (saturating) and timestamp = now. Returns `true` when
    /// this failure is the one that reached the lock-out threshold.
    pub fn increment(&self, s: &mut ThrottleState, now: Timestamp) -> bool {
        let was_locked = self.is_locked_out(s);
        s.failure_count = s.failure_count.saturating_add(1);
        s.failure_timestamp = Some(now);
        !was_locked && self.is_locked_out(s)
    }
}

/// `throttle_reset`: count 0, timestamp cleared; this also clears `LOCKED_OUT`.
pub fn throttle_reset(s: &mut ThrottleState) {
    *s = ThrottleState::default();
}

/// Cooldown between challenges (docs/behaviour.md §2.4): `duration_secs = 0` disables it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cooldown {
    /// `get_cooldown_duration()` in seconds.
    pub duration_secs: u32,
}

impl Cooldown {
    /// `cooldown_enabled`: the duration is above 0.
    pub fn enabled(&self) -> bool {
        self.duration_secs > 0
    }

    /// `generate_is_allowed()`: allowed when disabled, never generated, or
    /// `now ≥ last_generated + duration`.
    ///
    /// ```
    /// use otpkit::policy::{Cooldown, GenerateNotAllowed};
    /// use otpkit::Timestamp;
    /// let c = Cooldown { duration_secs: 60 };
    /// let t0 = Timestamp::from_secs(0);
    /// assert!(c.check(Some(t0), Timestamp::from_millis(59_999)).is_err());
    /// assert!(c.check(Some(t0), Timestamp::from_millis(60_000)).is_ok());
    /// ```
    pub fn check(
        &self,
        last_generated: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), GenerateNotAllowed> {
        match last_generated {
            Some(t) if self.enabled() => {
                let next = t.add_secs(i64::from(self.duration_secs));
                if now < next {
                    Err(GenerateNotAllowed::CooldownDurationPending {
                        next_generation_at: next,
                    })
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }
}

/// `cooldown_set`: `last_generated_timestamp = now`.
pub fn cooldown_set(r: &mut DeviceRecord, now: Timestamp) {
    r.last_generated_at = Some(now);
}

/// `cooldown_reset`: `last_generated_timestamp = null`.
pub fn cooldown_reset(r: &mut DeviceRecord) {
    r.last_generated_at = None;
}

/// `set_last_used_timestamp`: `last_used_at = now`.
pub fn set_last_used_timestamp(r: &mut DeviceRecord, now: Timestamp) {
    r.last_used_at = Some(now);
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Throttle = Throttle {
        factor: 1,
        max_delay_secs: 3600,
        lockout_threshold: 100,
    };

    fn state(count: u32, at_ms: i64) -> ThrottleState {
        ThrottleState {
            failure_count: count,
            failure_timestamp: Some(Timestamp::from_millis(at_ms)),
        }
    }

    #[test]
    fn delays_for_every_count_up_to_twenty() {
        for n in 1..=20u32 {
            let expect = if n <= 12 { 1i64 << (n - 1) } else { 3600 };
            let s = state(n, 0);
            let until = Timestamp::from_secs(expect);
            assert_eq!(
                T.check(&s, until.add_millis(-1)),
                Err(VerifyNotAllowed::NFailedAttempts {
                    failure_count: n,
                    locked_until: until
                }),
                "n={n}"
            );
            assert_eq!(T.check(&s, until), Ok(()), "n={n}");
        }
    }

    #[test]
    fn lockout_and_saturation() {
        let s = state(100, 0);
        assert_eq!(
            T.check(&s, Timestamp::from_secs(10_000_000)),
            Err(VerifyNotAllowed::LockedOut { failure_count: 100 })
        );
        let mut s = state(99, 0);
        assert!(T.increment(&mut s, Timestamp::from_secs(1)));
        assert!(
            !T.increment(&mut s, Timestamp::from_secs(2)),
            "reported once"
        );
        let mut s = state(u32::MAX, 0);
        T.increment(&mut s, Timestamp::from_secs(1));
        assert_eq!(s.failure_count, u32::MAX);
        let off = Throttle {
            lockout_threshold: 0,
            ..T
        };
        assert_eq!(
            off.check(&state(u32::MAX, 0), Timestamp::from_secs(3600)),
            Ok(())
        );
        let zero = Throttle { factor: 0, ..T };
        assert_eq!(zero.check(&state(5, 0), Timestamp::from_secs(0)), Ok(()));
        assert_eq!(
            zero.check(&state(100, 0), Timestamp::from_secs(0)),
            Err(VerifyNotAllowed::LockedOut { failure_count: 100 })
        );
    }

    #[test]
    fn count_ninety_reports_the_cap() {
        let s = state(90, 5_000);
        assert_eq!(
            T.check(&s, Timestamp::from_millis(5_000)),
            Err(VerifyNotAllowed::NFailedAttempts {
                failure_count: 90,
                locked_until: Timestamp::from_millis(5_000 + 3_600_000)
            })
        );
    }

    #[test]
    fn factor_two_and_huge_factor() {
        let t = Throttle { factor: 2, ..T };
        assert_eq!(t.delay_millis(1), 2_000);
        assert_eq!(t.delay_millis(3), 8_000);
        let big = Throttle {
            factor: 86_400,
            max_delay_secs: 3_153_600_000,
            lockout_threshold: 0,
        };
        assert_eq!(big.delay_millis(200), 3_153_600_000_000);
    }

    #[test]
    fn cooldown_boundaries() {
        let c = Cooldown { duration_secs: 60 };
        let t0 = Timestamp::from_secs(43_200);
        assert_eq!(
            c.check(Some(t0), t0.add_millis(59_999)),
            Err(GenerateNotAllowed::CooldownDurationPending {
                next_generation_at: t0.add_secs(60)
            })
        );
        assert_eq!(c.check(Some(t0), t0.add_secs(60)), Ok(()));
        assert_eq!(c.check(None, t0), Ok(()));
        let off = Cooldown { duration_secs: 0 };
        assert!(!off.enabled());
        assert_eq!(off.check(Some(t0), t0), Ok(()));
    }

    #[test]
    fn reasons_serialise_like_the_spec() {
        let r = VerifyNotAllowed::NFailedAttempts {
            failure_count: 3,
            locked_until: Timestamp::from_secs(7),
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"reason":"N_FAILED_ATTEMPTS","failure_count":3,"locked_until":"1970-01-01T00:00:07.000Z"}"#
        );
        let k = VerifyNotAllowed::Kind {
            refusal: KindRefusal::new("disabled"),
        };
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, r#"{"reason":"KIND","error_message":"disabled"}"#);
        assert_eq!(serde_json::from_str::<VerifyNotAllowed>(&json).unwrap(), k);
    }
}
