//! Time: the [`Timestamp`] instant and the injected [`Clock`].
//!
//! No rule of otpkit reads the system clock directly (docs/behaviour.md §0). The engine asks its
//! [`Clock`] for `now` once per attempt and hands that value to the pure policy and kind
//! code. [`SystemClock`] is the production clock, [`ManualClock`] the test clock.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant with millisecond resolution, stored as milliseconds since the Unix epoch.
///
/// JSON writes it as RFC 3339 with milliseconds and `Z` (docs/behaviour.md §0), e.g.
/// `2026-01-01T10:00:01.000Z`; it also reads plain integers (milliseconds).
///
/// ```
/// use otpkit::Timestamp;
/// let t = Timestamp::from_secs(30);
/// assert_eq!(t.as_secs(), 30);
/// assert_eq!(t.to_rfc3339(), "1970-01-01T00:00:30.000Z");
/// assert_eq!(Timestamp::from_millis(-1).as_secs(), -1); // floor, toward −∞
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// An instant `ms` milliseconds after the Unix epoch.
    pub const fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    /// An instant `s` whole seconds after the Unix epoch (saturating).
    pub const fn from_secs(s: i64) -> Self {
        Timestamp(s.saturating_mul(1000))
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// `now_s = floor(now / 1000)` (docs/behaviour.md §0): whole seconds, rounded toward −∞.
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// This instant plus `ms` milliseconds, saturating.
    pub const fn add_millis(self, ms: i64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }

    /// This instant plus `s` seconds, saturating.
    pub const fn add_secs(self, s: i64) -> Self {
        self.add_millis(s.saturating_mul(1000))
    }

    /// `self − earlier` in milliseconds, saturating.
    pub const fn millis_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// RFC 3339 with milliseconds and `Z`. Instants outside the years 0000–9999 are clamped.
    pub fn to_rfc3339(self) -> String {
        const MIN: i64 = -62_167_219_200_000; // 0000-01-01T00:00:00Z
        const MAX: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
        let ms = self.0.clamp(MIN, MAX);
        let secs = ms.div_euclid(1000);
        let milli = ms.rem_euclid(1000);
        match time::OffsetDateTime::from_unix_timestamp(secs) {
            Ok(dt) => format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                dt.year(),
                u8::from(dt.month()),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                milli
            ),
            Err(_) => String::from("1970-01-01T00:00:00.000Z"),
        }
    }

    /// Parses RFC 3339 (any offset; sub-millisecond digits are truncated).
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        let dt =
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
        let nanos = dt.unix_timestamp_nanos();
        i64::try_from(nanos.div_euclid(1_000_000))
            .ok()
            .map(Timestamp)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Millis(i64),
            Text(String),
        }
        match Repr::deserialize(d)? {
            Repr::Millis(ms) => Ok(Timestamp(ms)),
            Repr::Text(s) => Timestamp::parse_rfc3339(&s)
                .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 instant")),
        }
    }
}

/// The source of `now`. Injected into the engine; the core never reads the clock itself.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system's real-time clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the system clock
    fn now(&self) -> Timestamp {
        let now = time::OffsetDateTime::now_utc();
        let ms = now.unix_timestamp_nanos().div_euclid(1_000_000);
        Timestamp(i64::try_from(ms).unwrap_or(i64::MAX))
    }
}

/// A clock that only moves when told to: for tests and simulations. Clones share one time.
///
/// ```
/// use otpkit::{Clock, ManualClock, Timestamp};
/// let clock = ManualClock::new(Timestamp::from_secs(100));
/// clock.advance_millis(1_500);
/// assert_eq!(clock.now(), Timestamp::from_millis(101_500));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock standing at `t`.
    pub fn new(t: Timestamp) -> Self {
        ManualClock(Arc::new(AtomicI64::new(t.as_millis())))
    }

    /// Moves the clock to `t` (backwards too).
    pub fn set(&self, t: Timestamp) {
        self.0.store(t.as_millis(), Ordering::SeqCst);
    }

    /// Moves the clock by `ms` milliseconds (negative moves it back).
    pub fn advance_millis(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    /// Moves the clock by `s` seconds.
    pub fn advance_secs(&self, s: i64) {
        self.advance_millis(s.saturating_mul(1000));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let t = Timestamp::from_millis(1_767_261_601_000);
        assert_eq!(t.to_rfc3339(), "2026-01-01T10:00:01.000Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2026-01-01T10:00:01.000Z"),
            Some(t)
        );
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-01-01T10:00:01.000Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        assert_eq!(
            serde_json::from_str::<Timestamp>("1767261601000").unwrap(),
            t
        );
    }

    #[test]
    fn floor_seconds() {
        assert_eq!(Timestamp::from_millis(59_999).as_secs(), 59);
        assert_eq!(Timestamp::from_millis(-1).as_secs(), -1);
        assert_eq!(
            Timestamp::from_millis(i64::MAX).add_millis(5).as_millis(),
            i64::MAX
        );
    }
}
