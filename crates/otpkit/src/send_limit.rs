//! Bounding code emails per account and per recipient address, whatever the device
//! (issue 12; docs/behaviour.md §2.4.1).
//!
//! The §2.4 cooldown is per device, so a user who creates devices (or enrols the same
//! address again and again) could otherwise send any number of codes to any address. The
//! engine therefore asks a [`SendLimiter`] before every code email, **after** the device's
//! own transition reserved its cooldown and token (the recipient is only known then) and
//! **before** delivery:
//!
//! - per user: at most one email per `OTPKIT_EMAIL_ACCOUNT_COOLDOWN` (60 s) and at most
//!   `OTPKIT_EMAIL_HOURLY_LIMIT` (10) in any rolling hour;
//! - per recipient address, across all users: at most `OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT`
//!   (5) in any rolling hour (addresses compared by [`normalise_address`]).
//!
//! A refusal is [`LimitError::Refused`]: the engine withdraws the device's new token and
//! restores its cooldown (the §2.9 compensation) and answers
//! [`ChallengeOutcome::Limited`](crate::engine::ChallengeOutcome::Limited). A failed delivery
//! [`release`](SendLimiter::release)s the reservation, so it counts against nothing.
//!
//! The trait is small on purpose (as tower-sessions' store): [`MemoryLimiter`], the default,
//! keeps its counts in this process only. Several processes behind one site each count on
//! their own, so the bounds multiply by the number of processes; give them a shared
//! implementation (a database table, Redis) to bound the site as a whole.
//!
//! # A custom limiter
//!
//! ```
//! use std::collections::HashSet;
//! use std::sync::Mutex;
//! use otpkit::send_limit::{
//!     LimitError, LimitReason, Reservation, SendLimiter, SendRefused, SendRequest,
//! };
//!
//! /// One code email per address, ever (a toy).
//! #[derive(Default)]
//! struct OncePerAddress(Mutex<HashSet<String>>);
//!
//! #[otpkit::async_trait]
//! impl SendLimiter for OncePerAddress {
//!     async fn reserve(&self, req: &SendRequest<'_>) -> Result<Reservation, LimitError> {
//!         let mut seen = self.0.lock().map_err(|_| LimitError::Backend("poisoned".into()))?;
//!         if !seen.insert(req.address.to_owned()) {
//!             return Err(LimitError::Refused(SendRefused {
//!                 reason: LimitReason::AddressHourly,
//!                 next_allowed_at: otpkit::Timestamp::from_millis(i64::MAX),
//!             }));
//!         }
//!         Ok(Reservation::new(0))
//!     }
//!     async fn release(&self, req: &SendRequest<'_>, _r: Reservation) -> Result<(), LimitError> {
//!         let mut seen = self.0.lock().map_err(|_| LimitError::Backend("poisoned".into()))?;
//!         seen.remove(req.address);
//!         Ok(())
//!     }
//! }
//!
//! let engine = otpkit::Engine::builder(otpkit::MemoryStore::new(), otpkit::KeyRing::random("k1")?)
//!     .send_limiter(OncePerAddress::default())
//!     .build()?;
//! # let _ = engine;
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let limiter = OncePerAddress::default();
//! let alice = otpkit::UserId::new("alice").unwrap();
//! let req = SendRequest {
//!     user: &alice,
//!     address: "alice@example.com",
//!     now: otpkit::Timestamp::from_secs(0),
//!     limits: otpkit::send_limit::SendLimits::from_settings(&otpkit::Settings::default()),
//! };
//! let granted = limiter.reserve(&req).await.unwrap();
//! assert!(matches!(limiter.reserve(&req).await, Err(LimitError::Refused(_))));
//! limiter.release(&req, granted).await.unwrap();
//! assert!(limiter.reserve(&req).await.is_ok(), "a released send counts against nothing");
//! # });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::settings::Settings;
use crate::user::UserId;

/// The length of the rolling window of the hourly budgets, in milliseconds.
pub const WINDOW_MILLIS: i64 = 3_600_000;

/// The bounds in force, from the settings (0 disables each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    /// `OTPKIT_EMAIL_ACCOUNT_COOLDOWN`: seconds between two emails to one user.
    pub account_cooldown_secs: u32,
    /// `OTPKIT_EMAIL_HOURLY_LIMIT`: emails per user per rolling hour.
    pub user_hourly: u32,
    /// `OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT`: emails per address per rolling hour.
    pub address_hourly: u32,
}

impl SendLimits {
    /// The bounds of `settings`.
    pub fn from_settings(settings: &Settings) -> Self {
        SendLimits {
            account_cooldown_secs: settings.email.account_cooldown,
            user_hourly: settings.email.hourly_limit,
            address_hourly: settings.email.address_hourly_limit,
        }
    }
}

/// One code email about to be sent.
#[derive(Debug, Clone, Copy)]
pub struct SendRequest<'a> {
    /// The device's owner.
    pub user: &'a UserId,
    /// The recipient, [`normalise_address`]d.
    pub address: &'a str,
    /// The engine's clock (limiters never read a clock themselves).
    pub now: Timestamp,
    /// The bounds to apply.
    pub limits: SendLimits,
}

/// Which bound refused a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitReason {
    /// `OTPKIT_EMAIL_ACCOUNT_COOLDOWN`.
    AccountCooldown,
    /// `OTPKIT_EMAIL_HOURLY_LIMIT`.
    UserHourly,
    /// `OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT`.
    AddressHourly,
}

impl LimitReason {
    /// A stable name: `account_cooldown`, `user_hourly` or `address_hourly`.
    pub fn name(self) -> &'static str {
        match self {
            LimitReason::AccountCooldown => "account_cooldown",
            LimitReason::UserHourly => "user_hourly",
            LimitReason::AddressHourly => "address_hourly",
        }
    }
}

/// A refused send: why, and the first instant at which it would be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendRefused {
    /// The bound that refused (the one that ends last when several do).
    pub reason: LimitReason,
    /// The first instant at which the same send is allowed (never itself refused by the
    /// bound reported, as §2.4's `next_generation_at`).
    pub next_allowed_at: Timestamp,
}

/// A granted send, to [`release`](SendLimiter::release) if delivery fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reservation(u64);

impl Reservation {
    /// A reservation with the limiter's own id.
    pub fn new(id: u64) -> Self {
        Reservation(id)
    }
    /// The limiter's id.
    pub fn id(self) -> u64 {
        self.0
    }
}

/// Why [`SendLimiter::reserve`] did not grant a send.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    /// Over a bound; nothing was reserved.
    #[error("too many code emails ({})", .0.reason.name())]
    Refused(SendRefused),
    /// The limiter's storage failed; nothing is sent (fail closed). The engine reports it as
    /// [`Error::SendLimiter`](crate::Error::SendLimiter), an internal error.
    #[error("the send limiter failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl LimitError {
    /// Wraps the storage's error.
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        LimitError::Backend(Box::new(e))
    }
}

/// Decides whether a code email may be sent. Implementations must make `reserve` atomic (two
/// concurrent reservations never both take the last unit of a budget).
#[async_trait]
pub trait SendLimiter: Send + Sync + 'static {
    /// Grants and records the send, or refuses it with the bound and when it ends.
    async fn reserve(&self, req: &SendRequest<'_>) -> Result<Reservation, LimitError>;

    /// Forgets a granted send whose delivery failed (it then counts against nothing).
    async fn release(
        &self,
        req: &SendRequest<'_>,
        reservation: Reservation,
    ) -> Result<(), LimitError>;

    /// A code delivered to `user` was verified (an interactive device accepted a token):
    /// the account cooldown restarts, as the device's own cooldown does (§2.4); the hourly
    /// budgets are unchanged. The default does nothing.
    async fn verified(&self, user: &UserId, now: Timestamp) -> Result<(), LimitError> {
        let _ = (user, now);
        Ok(())
    }
}

/// The form in which addresses are compared: trimmed and lower-cased.
///
/// ```
/// assert_eq!(otpkit::send_limit::normalise_address(" Victim@Example.ORG "), "victim@example.org");
/// ```
pub fn normalise_address(address: &str) -> String {
    address.trim().to_lowercase()
}

/// One granted send.
#[derive(Debug, Clone, Copy)]
struct Sent {
    id: u64,
    at: Timestamp,
}

/// A user's sends, and when a verification last restarted the account cooldown.
#[derive(Debug, Default)]
struct UserLog {
    sent: Vec<Sent>,
    verified_at: Option<Timestamp>,
}

#[derive(Debug, Default)]
struct State {
    users: HashMap<UserId, UserLog>,
    addresses: HashMap<String, Vec<Sent>>,
    next_id: u64,
    sweep_at: usize,
}

/// The default [`SendLimiter`]: counts in this process's memory (one mutex). Memory stays
/// bounded: a user or address keeps at most its budget of entries, entries older than their
/// window are dropped, and idle keys are swept once the maps have doubled since the last
/// sweep. Clones share the counts.
#[derive(Debug, Clone, Default)]
pub struct MemoryLimiter {
    state: Arc<Mutex<State>>,
}

impl MemoryLimiter {
    /// An empty limiter.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many users and addresses are tracked (for tests of the memory bound).
    pub fn tracked(&self) -> usize {
        self.state
            .lock()
            .map(|s| s.users.len() + s.addresses.len())
            .unwrap_or(0)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the in-memory send limiter's lock is poisoned")]
struct Poisoned;

fn poisoned() -> LimitError {
    LimitError::backend(Poisoned)
}

/// Milliseconds for which a user's entries matter: the hour, or a longer account cooldown.
fn user_window(l: &SendLimits) -> i64 {
    WINDOW_MILLIS.max(i64::from(l.account_cooldown_secs) * 1000)
}

fn prune(sent: &mut Vec<Sent>, now: Timestamp, window: i64) {
    sent.retain(|s| now.millis_since(s.at) < window);
}

/// The hourly bound over `sent` (already pruned to the hour or longer): refused while
/// `limit` sends lie in the last hour; allowed again when the oldest that keeps it there
/// leaves the window.
fn hourly(sent: &[Sent], now: Timestamp, limit: u32) -> Option<Timestamp> {
    if limit == 0 {
        return None;
    }
    let mut ats: Vec<Timestamp> = sent
        .iter()
        .filter(|s| now.millis_since(s.at) < WINDOW_MILLIS)
        .map(|s| s.at)
        .collect();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if ats.len() < limit {
        return None;
    }
    ats.sort_unstable();
    ats.get(ats.len() - limit)
        .map(|t| t.add_millis(WINDOW_MILLIS))
}

fn cooldown(log: &UserLog, l: &SendLimits) -> Option<Timestamp> {
    if l.account_cooldown_secs == 0 {
        return None;
    }
    let last = log
        .sent
        .iter()
        .map(|s| s.at)
        .filter(|at| log.verified_at.is_none_or(|v| *at > v))
        .max()?;
    Some(last.add_secs(i64::from(l.account_cooldown_secs)))
}

/// Appends a send, keeping at most `keep` newest entries.
fn record(sent: &mut Vec<Sent>, entry: Sent, keep: usize) {
    sent.push(entry);
    if sent.len() > keep {
        sent.sort_unstable_by_key(|s| s.at);
        let extra = sent.len() - keep;
        sent.drain(..extra);
    }
}

impl State {
    /// Drops idle keys once the maps have doubled since the last sweep (amortised O(1)).
    fn sweep(&mut self, l: &SendLimits, now: Timestamp) {
        if self.users.len() + self.addresses.len() < self.sweep_at {
            return;
        }
        let uw = user_window(l);
        self.users.retain(|_, log| {
            prune(&mut log.sent, now, uw);
            !log.sent.is_empty()
        });
        self.addresses.retain(|_, sent| {
            prune(sent, now, WINDOW_MILLIS);
            !sent.is_empty()
        });
        self.sweep_at = (2 * (self.users.len() + self.addresses.len())).max(1024);
    }

    fn reserve(&mut self, req: &SendRequest<'_>) -> Result<Reservation, SendRefused> {
        let (l, now) = (req.limits, req.now);
        self.sweep(&l, now);
        let mut refusals = Vec::new();
        if let Some(log) = self.users.get_mut(req.user) {
            prune(&mut log.sent, now, user_window(&l));
            if let Some(t) = cooldown(log, &l).filter(|t| now < *t) {
                refusals.push((LimitReason::AccountCooldown, t));
            }
            if let Some(t) = hourly(&log.sent, now, l.user_hourly) {
                refusals.push((LimitReason::UserHourly, t));
            }
        }
        if let Some(sent) = self.addresses.get_mut(req.address) {
            prune(sent, now, WINDOW_MILLIS);
            if let Some(t) = hourly(sent, now, l.address_hourly) {
                refusals.push((LimitReason::AddressHourly, t));
            }
        }
        if let Some((reason, next_allowed_at)) = refusals.into_iter().max_by_key(|(_, t)| *t) {
            return Err(SendRefused {
                reason,
                next_allowed_at,
            });
        }
        self.next_id = self.next_id.wrapping_add(1);
        let entry = Sent {
            id: self.next_id,
            at: now,
        };
        let user_keep = usize::try_from(l.user_hourly.max(u32::from(l.account_cooldown_secs > 0)))
            .unwrap_or(usize::MAX);
        if user_keep > 0 {
            let log = self.users.entry(req.user.clone()).or_default();
            record(&mut log.sent, entry, user_keep);
        }
        let addr_keep = usize::try_from(l.address_hourly).unwrap_or(usize::MAX);
        if addr_keep > 0 {
            let sent = self.addresses.entry(req.address.to_owned()).or_default();
            record(sent, entry, addr_keep);
        }
        Ok(Reservation(entry.id))
    }

    fn release(&mut self, req: &SendRequest<'_>, r: Reservation) {
        if let Some(log) = self.users.get_mut(req.user) {
            log.sent.retain(|s| s.id != r.0);
            if log.sent.is_empty() {
                self.users.remove(req.user);
            }
        }
        if let Some(sent) = self.addresses.get_mut(req.address) {
            sent.retain(|s| s.id != r.0);
            if sent.is_empty() {
                self.addresses.remove(req.address);
            }
        }
    }
}

#[async_trait]
impl SendLimiter for MemoryLimiter {
    async fn reserve(&self, req: &SendRequest<'_>) -> Result<Reservation, LimitError> {
        let mut s = self.state.lock().map_err(|_| poisoned())?;
        s.reserve(req).map_err(LimitError::Refused)
    }

    async fn release(
        &self,
        req: &SendRequest<'_>,
        reservation: Reservation,
    ) -> Result<(), LimitError> {
        let mut s = self.state.lock().map_err(|_| poisoned())?;
        s.release(req, reservation);
        Ok(())
    }

    async fn verified(&self, user: &UserId, now: Timestamp) -> Result<(), LimitError> {
        let mut s = self.state.lock().map_err(|_| poisoned())?;
        if let Some(log) = s.users.get_mut(user) {
            log.verified_at = Some(now);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(user: &'a UserId, address: &'a str, secs: i64, l: SendLimits) -> SendRequest<'a> {
        SendRequest {
            user,
            address,
            now: Timestamp::from_secs(secs),
            limits: l,
        }
    }

    #[test]
    fn memory_stays_bounded() {
        let l = SendLimits {
            account_cooldown_secs: 60,
            user_hourly: 10,
            address_hourly: 5,
        };
        let mut s = State::default();
        for i in 0..5000i64 {
            let u = UserId::new(format!("u{i}")).unwrap();
            let a = format!("a{i}@example.org");
            s.reserve(&req(&u, &a, i * 10, l)).unwrap();
        }
        // 5000 sends over 50 000 s: only the last hour's keys (and at most one sweep's
        // growth) are kept.
        assert!(s.users.len() + s.addresses.len() <= 2 * 2 * 361 + 1024);
        let u = UserId::new("busy").unwrap();
        for i in 0..100 {
            let _ = s.reserve(&req(&u, "x@example.org", 100_000 + i * 61, l));
        }
        assert!(s.users.get(&u).unwrap().sent.len() <= 10);
        assert!(s.addresses.get("x@example.org").unwrap().len() <= 5);
    }

    #[test]
    fn release_forgets_and_removes_empty_keys() {
        let l = SendLimits {
            account_cooldown_secs: 60,
            user_hourly: 10,
            address_hourly: 5,
        };
        let mut s = State::default();
        let u = UserId::new("u").unwrap();
        let r = s.reserve(&req(&u, "a@b.c", 0, l)).unwrap();
        assert!(s.reserve(&req(&u, "a@b.c", 1, l)).is_err());
        s.release(&req(&u, "a@b.c", 1, l), r);
        assert!(s.users.is_empty() && s.addresses.is_empty());
        assert!(s.reserve(&req(&u, "a@b.c", 1, l)).is_ok());
    }
}
