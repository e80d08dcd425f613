//! The engine and the top-level API (SPEC §2.2, §2.9, §3).
//!
//! [`Engine`] ties the registered kinds, the policies, the key ring, the clock and a
//! [`DeviceStore`] together. Every verification is one atomic transition: the engine hands
//! the store a closure that resolves the device *inside* the store's lock (the `for_verify`
//! lookup), applies the throttle, lets the kind evaluate the token, applies the outcome's
//! policy effects, and decides the write. The outcome is reported only after the store
//! committed; any storage or crypto error is an [`Error`] — never accepted, never "wrong
//! token", and nothing was written.
//!
//! ```
//! use otpkit::{Engine, MemoryStore, ManualClock, Timestamp, UserId};
//! use otpkit::engine::TotpOptions;
//! use otpkit::seal::KeyRing;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let clock = ManualClock::new(Timestamp::from_secs(1_000_000));
//! let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap())
//!     .clock(clock.clone())
//!     .build()
//!     .unwrap();
//! let alice = UserId::new("alice").unwrap();
//! let device = engine.create_totp(&alice, TotpOptions::default()).await.unwrap();
//! let code = engine.current_totp(&device.persistent_id()).await.unwrap();
//! let verified = engine.verify_token(Some(&alice), &device.persistent_id(), code.expose()).await.unwrap();
//! assert!(verified.is_some());
//! // The same code again is a replay: refused.
//! let again = engine.verify_token(Some(&alice), &device.persistent_id(), code.expose()).await.unwrap();
//! assert!(again.is_none());
//! # });
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock, Timestamp};
use crate::device::{DeviceRecord, NewDevice, PersistentId, ThrottleState, validate_name};
use crate::error::Error;
use crate::events::{Event, EventKind, NoNotifier, Notifier, emit};
use crate::kind::{
    Context, Delivery, DeviceKind, DynDevice, EmailDevice, HotpDevice, KindError, KindHandle,
    Registry, StaticDevice, TotpDevice, Verdict,
};
use crate::mailer::{EmailTemplates, Mailer, NoMailer};
use crate::oath::{Algorithm, Digits, OathKey};
use crate::otpauth::OtpAuth;
use crate::policy::{Cooldown, GenerateNotAllowed, Throttle, VerifyNotAllowed, throttle_reset};
use crate::seal::KeyRing;
use crate::secret::{SecretBytes, SecretString};
use crate::send_limit::{MemoryLimiter, SendLimiter, SendRefused};
use crate::session::{self, OtpSession, SessionError};
use crate::settings::Settings;
use crate::store::{DeviceQuery, DeviceStore, Mutation, Slot, UserMutation, Write};
use crate::user::{NoDirectory, UserDirectory, UserId};

mod enrol;
mod send;

/// A device as callers see it: its record and its kind.
#[derive(Clone)]
pub struct Device {
    record: DeviceRecord,
    kind: KindHandle,
}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Device")
            .field("persistent_id", &self.persistent_id())
            .field("record", &self.record)
            .finish()
    }
}

/// `__str__`: `"{name} ({user})"`.
impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.record.name, self.record.user)
    }
}

impl Device {
    /// The stored record.
    pub fn record(&self) -> &DeviceRecord {
        &self.record
    }
    /// The database id.
    pub fn id(&self) -> i64 {
        self.record.id
    }
    /// The owner.
    pub fn user(&self) -> &UserId {
        &self.record.user
    }
    /// The name.
    pub fn name(&self) -> &str {
        &self.record.name
    }
    /// Whether the device counts for login.
    pub fn confirmed(&self) -> bool {
        self.record.confirmed
    }
    /// `"{model_label}/{id}"`.
    pub fn persistent_id(&self) -> String {
        self.record.persistent_id()
    }
    /// The kind's model label.
    pub fn model_label(&self) -> &'static str {
        self.kind.model_label()
    }
    /// The kind's verbose name.
    pub fn verbose_name(&self) -> &'static str {
        self.kind.verbose_name()
    }
    /// `is_interactive()`.
    pub fn is_interactive(&self) -> bool {
        self.kind.is_interactive()
    }
    /// When the device was created.
    pub fn created_at(&self) -> Timestamp {
        self.record.created_at
    }
    /// The last successful verification.
    pub fn last_used_at(&self) -> Option<Timestamp> {
        self.record.last_used_at
    }
    /// Throttling fields.
    pub fn throttle(&self) -> ThrottleState {
        self.record.throttle
    }
    /// The cooldown's last generation instant.
    pub fn last_generated_at(&self) -> Option<Timestamp> {
        self.record.last_generated_at
    }

    /// `throttle_reset(commit = false)`: clears the throttle of this in-memory copy only.
    /// [`Engine::throttle_reset`] is the committing form.
    pub fn throttle_reset(&mut self) {
        throttle_reset(&mut self.record.throttle);
    }
    /// `throttle_increment(commit = false)` on this in-memory copy.
    pub fn throttle_increment(&mut self, now: Timestamp) {
        self.record.throttle.failure_count = self.record.throttle.failure_count.saturating_add(1);
        self.record.throttle.failure_timestamp = Some(now);
    }
    /// `cooldown_set(commit = false)` on this in-memory copy.
    pub fn cooldown_set(&mut self, now: Timestamp) {
        crate::policy::cooldown_set(&mut self.record, now);
    }
    /// `cooldown_reset(commit = false)` on this in-memory copy.
    pub fn cooldown_reset(&mut self) {
        crate::policy::cooldown_reset(&mut self.record);
    }
    /// `set_last_used_timestamp(commit = false)` on this in-memory copy.
    pub fn set_last_used_timestamp(&mut self, now: Timestamp) {
        crate::policy::set_last_used_timestamp(&mut self.record, now);
    }
}

/// Why a token was rejected (after it was evaluated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Not of the kind's syntax (§4.4, §5.3).
    Malformed,
    /// Wrong, expired, or none outstanding.
    Invalid,
    /// A TOTP token of an already used step.
    Replay,
}

/// The detailed outcome of one attempt (§3 `verify_token`, detailed form).
#[derive(Debug, Clone)]
pub enum VerifyOutcome {
    /// Accepted and committed.
    Accepted(Device),
    /// No such device for this user (or unconfirmed); nothing changed anywhere.
    NotFound,
    /// Refused before evaluation; nothing changed.
    NotAllowed(VerifyNotAllowed),
    /// Evaluated and rejected; one failure was recorded.
    Rejected(Rejection),
}

impl VerifyOutcome {
    /// The device, if accepted.
    pub fn accepted(self) -> Option<Device> {
        match self {
            VerifyOutcome::Accepted(d) => Some(d),
            _ => None,
        }
    }
}

/// Which devices [`Engine::match_token_detailed`] tries, and how.
#[derive(Debug, Clone, Default)]
pub struct MatchOptions {
    /// Only passive devices (TOTP, HOTP, backup codes), plus `first` whatever its kind: what
    /// a login form does with a code typed without choosing a device, or with an email
    /// device chosen (SPEC §7.3). Default: every confirmed device.
    pub passive_only: bool,
    /// The id of a device to try before the others (the one the user pointed at).
    pub first: Option<i64>,
    /// The requester's binding (the web session's `otpkit_binding`), for email codes.
    pub binding: Option<Vec<u8>>,
}

/// The detailed outcome of [`Engine::match_token_detailed`].
#[derive(Debug, Clone)]
pub enum MatchOutcome {
    /// A candidate accepted; only its success was committed.
    Accepted(Device),
    /// Every candidate was evaluated and none matched; each recorded one failure. The reason
    /// is the first evaluated candidate's.
    Rejected(Rejection),
    /// Nothing matched and at least one candidate refused before evaluation (throttled,
    /// locked out): the code may have been that one's. The reason is the refusal that ends
    /// soonest. The candidates that were evaluated recorded their failures.
    NotAllowed(VerifyNotAllowed),
    /// The user has no candidate device (or no user was given); nothing changed.
    NoDevice,
}

impl MatchOutcome {
    /// The device, if accepted.
    pub fn accepted(self) -> Option<Device> {
        match self {
            MatchOutcome::Accepted(d) => Some(d),
            _ => None,
        }
    }
}

/// The outcome of a challenge request (§2.1 `generate_challenge`, §5.4).
#[derive(Debug, Clone)]
pub enum ChallengeOutcome {
    /// Delivered; `message` is the device's text (`sent by email`).
    Sent {
        /// The user-facing message.
        message: String,
    },
    /// No such device for this user.
    NotFound,
    /// A passive device: nothing to do (`not_interactive`).
    NotInteractive,
    /// The cooldown is pending (`challenge_cooldown`).
    Cooldown(GenerateNotAllowed),
    /// The device is locked out (`device_locked`).
    Locked {
        /// The failure count.
        failure_count: u32,
    },
    /// Generation or delivery failed; `message` can be shown to the user.
    Failed {
        /// The device's user-facing error text.
        message: String,
    },
    /// The per-account or per-address bound on code emails refused the send
    /// ([`crate::send_limit`]); nothing was sent and the device's cooldown and token are as
    /// before. The web layer answers `challenge_cooldown` with `retry_after`.
    Limited(SendRefused),
}

/// Options of a verification.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The requester's binding (the web session's `otpkit_binding`), for email codes.
    pub binding: Option<Vec<u8>>,
}

/// Options of a challenge.
#[derive(Debug, Clone, Default)]
pub struct ChallengeOptions {
    /// The requester's binding.
    pub binding: Option<Vec<u8>>,
    /// Extra template context (an object).
    pub extra_context: Option<serde_json::Value>,
    /// Challenge an unconfirmed device being enrolled (the `confirm_device` path only).
    pub for_enrolment: bool,
}

/// Options for a new TOTP device; `None` takes the setting's default.
#[derive(Debug, Clone, Default)]
pub struct TotpOptions {
    /// The name (default `TOTP device`).
    pub name: Option<String>,
    /// `false` while enrolling; default true.
    pub unconfirmed: bool,
    /// An imported key (16–64 bytes); default: random of the algorithm's length.
    pub key: Option<SecretBytes>,
    /// Default `OTPKIT_TOTP_ALGORITHM`.
    pub algorithm: Option<Algorithm>,
    /// Default `OTPKIT_TOTP_DIGITS`.
    pub digits: Option<u8>,
    /// Default `OTPKIT_TOTP_STEP` (1–120).
    pub step: Option<u32>,
    /// Default 0.
    pub t0: Option<i64>,
    /// Default `OTPKIT_TOTP_TOLERANCE` (0–10).
    pub tolerance: Option<u8>,
    /// Default 0.
    pub drift: Option<i16>,
}

/// Options for a new HOTP device; `None` takes the default.
#[derive(Debug, Clone, Default)]
pub struct HotpOptions {
    /// The name (default `HOTP device`).
    pub name: Option<String>,
    /// `false` while enrolling; default true.
    pub unconfirmed: bool,
    /// An imported key (16–64 bytes); default: random.
    pub key: Option<SecretBytes>,
    /// Default SHA1.
    pub algorithm: Option<Algorithm>,
    /// Default 6.
    pub digits: Option<u8>,
    /// Default `OTPKIT_HOTP_TOLERANCE` (0–20).
    pub tolerance: Option<u8>,
    /// Default 0 (0 to 2^63−1).
    pub counter: Option<u64>,
}

/// The result of `keys rotate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RotateReport {
    /// Sealed keys moved to the active key.
    pub resealed: u64,
    /// Sealed keys already under the active key.
    pub current: u64,
    /// Devices whose keys could not be re-sealed.
    pub failed: u64,
}

/// Per key id: how many sealed keys and keyed hashes use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyUsage {
    /// Sealed TOTP/HOTP keys.
    pub sealed: u64,
    /// Hashed backup and email codes.
    pub hashed: u64,
}

type RegisterFn = Box<dyn FnOnce(&mut Registry) -> Result<(), crate::kind::RegistryError>>;

/// Builds an [`Engine`].
pub struct EngineBuilder {
    store: Arc<dyn DeviceStore>,
    keys: KeyRing,
    settings: Settings,
    registry: Option<Registry>,
    extra: Vec<RegisterFn>,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
    users: Arc<dyn UserDirectory>,
    notifier: Arc<dyn Notifier>,
    limiter: Arc<dyn SendLimiter>,
}

impl fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineBuilder").finish_non_exhaustive()
    }
}

impl EngineBuilder {
    /// The settings (default: [`Settings::default`]).
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }
    /// The clock (default: [`SystemClock`]).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }
    /// The mailer for email challenges (default: [`NoMailer`]).
    pub fn mailer(mut self, mailer: impl Mailer) -> Self {
        self.mailer = Arc::new(mailer);
        self
    }
    /// The mailer, shared.
    pub fn mailer_arc(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self
    }
    /// The user directory (default: [`NoDirectory`]).
    pub fn user_directory(mut self, users: impl UserDirectory) -> Self {
        self.users = Arc::new(users);
        self
    }
    /// The user directory, shared.
    pub fn user_directory_arc(mut self, users: Arc<dyn UserDirectory>) -> Self {
        self.users = users;
        self
    }
    /// The bound on code emails per user and per address (default: a [`MemoryLimiter`],
    /// which counts in this process only).
    pub fn send_limiter(mut self, limiter: impl SendLimiter) -> Self {
        self.limiter = Arc::new(limiter);
        self
    }
    /// The send limiter, shared.
    pub fn send_limiter_arc(mut self, limiter: Arc<dyn SendLimiter>) -> Self {
        self.limiter = limiter;
        self
    }
    /// The notification hook (default: none).
    pub fn notifier(mut self, notifier: impl Notifier) -> Self {
        self.notifier = Arc::new(notifier);
        self
    }
    /// Replaces the registry (default: the built-ins of `OTPKIT_DEVICE_KINDS`).
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }
    /// Registers a third-party kind after the built-ins.
    pub fn register<K: DeviceKind>(mut self) -> Self {
        self.extra.push(Box::new(|r| r.register::<K>()));
        self
    }
    /// Validates the settings, loads the email templates and builds the engine.
    pub fn build(self) -> Result<Engine, Error> {
        self.settings.validate()?;
        let templates = EmailTemplates::from_settings(&self.settings)?;
        let mut registry = self
            .registry
            .unwrap_or_else(|| Registry::builtin(&self.settings));
        for f in self.extra {
            f(&mut registry)?;
        }
        Ok(Engine {
            inner: Arc::new(Inner {
                store: self.store,
                registry,
                settings: self.settings,
                keys: self.keys,
                clock: self.clock,
                mailer: self.mailer,
                users: self.users,
                notifier: self.notifier,
                limiter: self.limiter,
                templates,
            }),
        })
    }
}

struct Inner {
    store: Arc<dyn DeviceStore>,
    registry: Registry,
    settings: Settings,
    keys: KeyRing,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
    users: Arc<dyn UserDirectory>,
    notifier: Arc<dyn Notifier>,
    limiter: Arc<dyn SendLimiter>,
    templates: EmailTemplates,
}

/// The otpkit engine. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("registry", &self.inner.registry)
            .field("keys", &self.inner.keys)
            .finish_non_exhaustive()
    }
}

/// Which devices an attempt may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Confirmed devices only (login, API).
    Verify,
    /// Unconfirmed devices created at most `OTPKIT_ENROLMENT_TTL` ago (`confirm_device`).
    Confirm,
}

/// What one attempt did, inside the transaction.
#[derive(Debug)]
enum Attempt {
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
struct AttemptInput<'a> {
    token: &'a str,
    now: Timestamp,
    binding: Option<&'a [u8]>,
    mode: Mode,
    /// The owner's other devices, when the account throttle is on.
    account: Option<AccountTally>,
}

/// The throttle state of the *other* devices of the attempted device's owner: the sum of
/// their failure counts and their latest failure (the account throttle, see
/// `OTPKIT_ACCOUNT_THROTTLING`).
#[derive(Debug, Clone, Copy, Default)]
struct AccountTally {
    failure_count: u32,
    latest_failure: Option<Timestamp>,
}

impl AccountTally {
    /// The tally of `recs` without the record at index `skip`.
    fn of_others(recs: &[DeviceRecord], skip: usize) -> Self {
        recs.iter()
            .enumerate()
            .filter(|&(i, _)| i != skip)
            .fold(AccountTally::default(), |t, (_, r)| t.plus(&r.throttle))
    }

    /// This tally with one more device's state added (saturating).
    fn plus(self, s: &ThrottleState) -> Self {
        AccountTally {
            failure_count: self.failure_count.saturating_add(s.failure_count),
            latest_failure: self.latest_failure.max(s.failure_timestamp),
        }
    }

    /// The account as one throttle state.
    fn state(self) -> ThrottleState {
        ThrottleState {
            failure_count: self.failure_count,
            failure_timestamp: self.latest_failure,
        }
    }
}

/// Extra inputs of a context.
#[derive(Default)]
struct CtxExtra<'a> {
    binding: Option<&'a [u8]>,
    user_email: Option<&'a str>,
    extra: Option<&'a serde_json::Value>,
}

impl Inner {
    fn ctx<'a>(
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

    fn throttle_for(&self, dev: &dyn DynDevice) -> Throttle {
        Throttle {
            factor: dev.throttle_factor(&self.settings),
            max_delay_secs: self.settings.throttle_max_delay,
            lockout_threshold: self.settings.lockout_threshold,
        }
    }

    fn kind_of(&self, rec: &DeviceRecord) -> Option<&KindHandle> {
        self.registry.get(&rec.model_label)
    }

    fn device(&self, rec: DeviceRecord) -> Option<Device> {
        let kind = self.kind_of(&rec)?.clone();
        Some(Device { record: rec, kind })
    }

    /// SPEC §2.2 steps 1–5 on `rec` (the caller commits). Pure apart from the CSPRNG.
    fn attempt(
        &self,
        kind: &KindHandle,
        rec: &mut DeviceRecord,
        input: AttemptInput<'_>,
    ) -> Result<(Attempt, Write), KindError> {
        let AttemptInput {
            token,
            now,
            binding,
            mode,
            account,
        } = input;
        let mut dev = kind.0.load(&rec.state)?;
        let throttle = self.throttle_for(dev.as_ref());
        if let Err(r) = throttle.check(&rec.throttle, now) {
            return Ok((Attempt::NotAllowed(r), Write::None));
        }
        // The account throttle: the same rules on the sum of the owner's failure counts and
        // their latest failure, with this device's factor; zero HMACs when it refuses.
        let account = account.map(|others| others.plus(&rec.throttle));
        let account_throttle = Throttle {
            lockout_threshold: self.settings.account_lockout_threshold,
            ..throttle
        };
        if let Some(total) = account
            && let Err(r) = account_throttle.check(&total.state(), now)
        {
            return Ok((Attempt::NotAllowed(r), Write::None));
        }
        let pid = rec.persistent_id();
        let verdict = {
            let ctx0 = self.ctx(
                now,
                rec,
                &pid,
                CtxExtra {
                    binding,
                    ..CtxExtra::default()
                },
            );
            if let Err(msg) = dev.verify_is_allowed(&ctx0) {
                return Ok((
                    Attempt::NotAllowed(VerifyNotAllowed::Kind { error_message: msg }),
                    Write::None,
                ));
            }
            let mut ctx = ctx0;
            dev.verify(token, &mut ctx)?
        };
        let state = dev.save()?;
        rec.state = state;
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
                Ok((Attempt::Accepted, Write::Update))
            }
            v => {
                let locked_now = throttle.increment(&mut rec.throttle, now);
                let why = match v {
                    Verdict::Malformed => Rejection::Malformed,
                    Verdict::Replay => Rejection::Replay,
                    _ => Rejection::Invalid,
                };
                // The account check passed, so the total was below its threshold before.
                let account_locked =
                    account
                        .map(|t| t.failure_count.saturating_add(1))
                        .filter(|&after| {
                            account_throttle.is_locked_out(&ThrottleState {
                                failure_count: after,
                                failure_timestamp: Some(now),
                            })
                        });
                Ok((
                    Attempt::Rejected {
                        why,
                        locked_now,
                        account_locked,
                    },
                    Write::Update,
                ))
            }
        }
    }

    /// The indexes of `match_token`'s candidates among the owner's rows, in the order they
    /// are tried: `opts.first`, then registration order and id; confirmed only, passive only
    /// when asked (`opts.first` whatever its kind).
    fn match_order(&self, recs: &[DeviceRecord], opts: &MatchOptions) -> Vec<usize> {
        let mut order: Vec<(bool, usize, i64, usize)> = recs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.confirmed)
            .filter_map(|(i, r)| {
                let kind = self.kind_of(r)?;
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
    /// them as committed, with `account_locked` on the first when they together brought the
    /// account's total to its threshold.
    fn commit_failures(
        &self,
        recs: &mut [DeviceRecord],
        writes: &mut [Write],
        failures: Vec<(usize, DeviceRecord, Attempt)>,
    ) -> Vec<(DeviceRecord, Attempt)> {
        let lockout = self.settings.account_lockout_threshold;
        let before = AccountTally::of_others(recs, usize::MAX).failure_count;
        let after = u32::try_from(failures.len()).map_or(u32::MAX, |n| before.saturating_add(n));
        let mut account_locked = (self.settings.account_throttling
            && lockout > 0
            && before < lockout
            && after >= lockout)
            .then_some(after);
        let mut seen = Vec::new();
        for (i, mut work, mut a) in failures {
            if let Attempt::Rejected {
                account_locked: al, ..
            } = &mut a
            {
                *al = account_locked.take();
            }
            if let (Some(r), Some(w)) = (recs.get_mut(i), writes.get_mut(i)) {
                *r = work.clone();
                *w = Write::Update;
            }
            work.version = work.version.saturating_add(1);
            seen.push((work, a));
        }
        seen
    }

    /// `match_token`'s decision over the owner's rows (all locked by the caller): the
    /// candidates in order (`opts.first`, then registration order and id), the first that
    /// accepts commits only its success; if none accepts, every evaluated candidate records
    /// its failure.
    fn match_in(
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
                    if let (Some(r), Some(w)) = (recs.get_mut(i), writes.get_mut(i)) {
                        *r = work.clone();
                        *w = Write::Update;
                    }
                    work.version = work.version.saturating_add(1);
                    return Ok(Matched {
                        found: Some(work),
                        failures: Vec::new(),
                        throttled: Vec::new(),
                        refused: None,
                    });
                }
                Ok((Attempt::NotAllowed(r), _)) => {
                    refused = Some(sooner(refused, r.clone()));
                    throttled.push((work, Attempt::NotAllowed(r)));
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

    fn emit(&self, e: Event) {
        emit(self.notifier.as_ref(), &e);
    }

    fn emit_attempt(
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
            } => {
                if *why == Rejection::Replay {
                    self.emit(Event::new(
                        EventKind::TokenReplayed,
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
                    }
                    .to_owned(),
                );
                self.emit(e);
                if *locked_now {
                    let mut e = Event::new(EventKind::DeviceLocked, Some(user), Some(pid), now);
                    e.failure_count = Some(rec.throttle.failure_count);
                    self.emit(e);
                }
                if let Some(total) = account_locked {
                    let mut e = Event::new(EventKind::AccountLocked, Some(user), Some(pid), now);
                    e.failure_count = Some(*total);
                    self.emit(e);
                }
            }
        }
    }
}

/// What one `match_token` decision found.
struct Matched {
    found: Option<DeviceRecord>,
    failures: Vec<(DeviceRecord, Attempt)>,
    /// The candidates refused before evaluation (`verification_throttled`).
    throttled: Vec<(DeviceRecord, Attempt)>,
    /// The refusal to report when no candidate was evaluated.
    refused: Option<VerifyNotAllowed>,
}

/// Of two refusals, the one to report: a delay that ends soonest before a lock-out, a
/// lock-out before a kind's own refusal.
fn sooner(a: Option<VerifyNotAllowed>, b: VerifyNotAllowed) -> VerifyNotAllowed {
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

/// What the verification closure leaves behind for the caller.
enum Step {
    NotFound,
    Done(Attempt, Box<DeviceRecord>),
}

fn mode_admits(mode: Mode, rec: &DeviceRecord, now: Timestamp, ttl_secs: u32) -> bool {
    match mode {
        Mode::Verify => rec.confirmed,
        Mode::Confirm => {
            !rec.confirmed && now.millis_since(rec.created_at) <= i64::from(ttl_secs) * 1000
        }
    }
}

fn option_err(name: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidOption {
        name,
        reason: reason.into(),
    }
}

impl Engine {
    /// Starts building an engine on `store` with the key ring `keys`.
    pub fn builder(store: impl DeviceStore, keys: KeyRing) -> EngineBuilder {
        Self::builder_arc(Arc::new(store), keys)
    }

    /// [`Engine::builder`] with a shared store.
    pub fn builder_arc(store: Arc<dyn DeviceStore>, keys: KeyRing) -> EngineBuilder {
        EngineBuilder {
            store,
            keys,
            settings: Settings::default(),
            registry: None,
            extra: Vec::new(),
            clock: Arc::new(SystemClock),
            mailer: Arc::new(NoMailer),
            users: Arc::new(NoDirectory),
            notifier: Arc::new(NoNotifier),
            limiter: Arc::new(MemoryLimiter::new()),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }
    /// The registered kinds.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }
    /// The store.
    pub fn store(&self) -> &Arc<dyn DeviceStore> {
        &self.inner.store
    }
    /// The key ring.
    pub fn keys(&self) -> &KeyRing {
        &self.inner.keys
    }
    /// The user directory.
    pub fn users(&self) -> &Arc<dyn UserDirectory> {
        &self.inner.users
    }
    /// `now` from the injected clock.
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    // ----- lookups -----------------------------------------------------------------------

    /// `devices_for_user(user, confirmed)` (§3): every registered kind's devices in
    /// registration order, then ascending id. Anonymous → empty.
    pub async fn devices_for_user(
        &self,
        user: Option<&UserId>,
        confirmed: Option<bool>,
    ) -> Result<Vec<Device>, Error> {
        let Some(user) = user else {
            return Ok(Vec::new());
        };
        let mut recs = self.inner.store.list_for_user(user).await?;
        recs.retain(|r| confirmed.is_none_or(|c| r.confirmed == c));
        let mut out: Vec<(usize, Device)> = recs
            .into_iter()
            .filter_map(|r| {
                let pos = self.inner.registry.position(&r.model_label)?;
                Some((pos, self.inner.device(r)?))
            })
            .collect();
        out.sort_by_key(|(pos, d)| (*pos, d.id()));
        Ok(out.into_iter().map(|(_, d)| d).collect())
    }

    /// `user_has_device(user, confirmed)` (§3).
    pub async fn user_has_device(
        &self,
        user: Option<&UserId>,
        confirmed: Option<bool>,
    ) -> Result<bool, Error> {
        Ok(!self.devices_for_user(user, confirmed).await?.is_empty())
    }

    /// `from_persistent_id(pid)` (§1.6): the device, or `None` under every failure.
    pub async fn from_persistent_id(&self, pid: &str) -> Result<Option<Device>, Error> {
        let Some(p) = PersistentId::parse(pid) else {
            return Ok(None);
        };
        let Some(kind) = self.inner.registry.get(p.model_label()) else {
            return Ok(None);
        };
        let Some(rec) = self.inner.store.get(p.id()).await? else {
            return Ok(None);
        };
        if rec.model_label != kind.model_label() {
            return Ok(None);
        }
        Ok(self.inner.device(rec))
    }

    /// The kind-specific `from_persistent_id`: `None` for another kind's label.
    pub async fn from_persistent_id_of<K: DeviceKind>(
        &self,
        pid: &str,
    ) -> Result<Option<Device>, Error> {
        Ok(self
            .from_persistent_id(pid)
            .await?
            .filter(|d| d.model_label() == K::MODEL_LABEL))
    }

    /// `DeviceManager.devices_for_user(user, confirmed)` for one kind (§2.7): that kind's
    /// devices of `user`, ascending id; `None` = all.
    pub async fn devices_of_kind<K: DeviceKind>(
        &self,
        user: &UserId,
        confirmed: Option<bool>,
    ) -> Result<Vec<Device>, Error> {
        Ok(self
            .devices_for_user(Some(user), confirmed)
            .await?
            .into_iter()
            .filter(|d| d.model_label() == K::MODEL_LABEL)
            .collect())
    }

    /// Devices matching an administrative query (only registered kinds).
    pub async fn list_devices(&self, query: &DeviceQuery) -> Result<Vec<Device>, Error> {
        Ok(self
            .inner
            .store
            .list(query)
            .await?
            .into_iter()
            .filter_map(|r| self.inner.device(r))
            .collect())
    }

    fn resolve(&self, pid: &str) -> Option<(PersistentId, KindHandle)> {
        let p = PersistentId::parse(pid)?;
        let kind = self.inner.registry.get(p.model_label())?.clone();
        Some((p, kind))
    }

    // ----- verification ------------------------------------------------------------------

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

    async fn run_attempt(
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
        let step = slot
            .take()
            .ok_or_else(|| KindError::State("the store did not run the transition".into()))?;
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

    // ----- challenges --------------------------------------------------------------------

    /// `generate_challenge()` (§2.1, §5.4): reserves the cooldown and stores the new token's
    /// hash in one conditional write, asks the [`SendLimiter`] (per-account and per-address
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
                        Err(KindError::Challenge(message)) => {
                            return Ok((
                                Reserved::Refused(ChallengeOutcome::Failed { message }),
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
        let reserved = slot
            .take()
            .ok_or_else(|| KindError::State("the store did not run the transition".into()))??;
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
            } => send::Held {
                delivery,
                message,
                previous,
                version,
            },
        };
        self.deliver(user, &p, kind, held, now).await
    }

    async fn compensate(
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

    // ----- creation ----------------------------------------------------------------------

    /// Creates a device of kind `K`; `build` makes its state with a context bound to the
    /// new persistent id (so secrets can be sealed to it). Emits `device_created`.
    pub async fn create_device<K, F>(
        &self,
        user: &UserId,
        name: Option<&str>,
        confirmed: bool,
        build: F,
    ) -> Result<Device, Error>
    where
        K: DeviceKind,
        F: FnOnce(&Context<'_>) -> Result<K, KindError> + Send + 'static,
    {
        let Some(kind) = self.inner.registry.get(K::MODEL_LABEL).cloned() else {
            return Err(Error::UnknownKind(K::MODEL_LABEL.to_owned()));
        };
        let name = name.unwrap_or(K::VERBOSE_NAME).to_owned();
        validate_name(&name)?;
        let now = self.inner.clock.now();
        let new = NewDevice {
            user: user.clone(),
            model_label: K::MODEL_LABEL.to_owned(),
            name,
            confirmed,
            created_at: now,
        };
        let inner = self.inner.clone();
        let owner = user.clone();
        let rec = self
            .inner
            .store
            .insert(
                new,
                Box::new(move |id| {
                    let pid = format!("{}/{}", K::MODEL_LABEL, id);
                    let ctx = Context::new(
                        now,
                        &inner.settings,
                        &inner.keys,
                        &pid,
                        &owner,
                        &inner.templates,
                    );
                    let k = build(&ctx)?;
                    serde_json::to_string(&k).map_err(|e| e.into())
                }),
            )
            .await?;
        let d = Device { record: rec, kind };
        self.inner.emit(Event::new(
            EventKind::DeviceCreated,
            Some(user),
            Some(&d.persistent_id()),
            now,
        ));
        Ok(d)
    }

    /// Creates a TOTP device (§5.1), validating every option.
    pub async fn create_totp(&self, user: &UserId, o: TotpOptions) -> Result<Device, Error> {
        let s = &self.inner.settings;
        let algorithm = o.algorithm.unwrap_or(s.totp_algorithm);
        let digits = Digits::new(o.digits.unwrap_or(s.totp_digits))
            .map_err(|_| option_err("digits", "must be 6, 7 or 8"))?;
        let step = o.step.unwrap_or(s.totp_step);
        if !(1..=120).contains(&step) {
            return Err(option_err("step", "must be 1 to 120 seconds"));
        }
        let tolerance = o.tolerance.unwrap_or(s.totp_tolerance);
        if tolerance > 10 {
            return Err(option_err("tolerance", "must be 0 to 10 steps"));
        }
        let key = key_or_random(o.key, algorithm)?;
        self.create_device::<TotpDevice, _>(user, o.name.as_deref(), !o.unconfirmed, move |ctx| {
            Ok(TotpDevice {
                key: ctx.seal(key.expose())?,
                algorithm,
                step,
                t0: o.t0.unwrap_or(0),
                digits,
                tolerance,
                drift: o.drift.unwrap_or(0),
                last_t: -1,
            })
        })
        .await
    }

    /// Creates an HOTP device (§5.2), validating every option.
    pub async fn create_hotp(&self, user: &UserId, o: HotpOptions) -> Result<Device, Error> {
        let algorithm = o.algorithm.unwrap_or(Algorithm::Sha1);
        let digits = Digits::new(o.digits.unwrap_or(6))
            .map_err(|_| option_err("digits", "must be 6, 7 or 8"))?;
        let tolerance = o.tolerance.unwrap_or(self.inner.settings.hotp_tolerance);
        if tolerance > 20 {
            return Err(option_err("tolerance", "must be 0 to 20 counters"));
        }
        let counter = o.counter.unwrap_or(0);
        if counter > crate::kind::hotp::MAX_COUNTER {
            return Err(option_err("counter", "must be 0 to 2^63-1"));
        }
        let key = key_or_random(o.key, algorithm)?;
        self.create_device::<HotpDevice, _>(user, o.name.as_deref(), !o.unconfirmed, move |ctx| {
            Ok(HotpDevice {
                key: ctx.seal(key.expose())?,
                algorithm,
                digits,
                tolerance,
                counter,
            })
        })
        .await
    }

    /// Creates an email device (§5.4). `email`, when given, must be one plain address of at
    /// most 254 characters ([`crate::kind::email::parse_address`]: no display name, no list,
    /// no whitespace); otherwise `InvalidOption { name: "email" }` and nothing is created.
    pub async fn create_email(
        &self,
        user: &UserId,
        name: Option<&str>,
        email: Option<String>,
        confirmed: bool,
    ) -> Result<Device, Error> {
        if let Some(e) = &email
            && crate::kind::email::parse_address(e).is_err()
        {
            return Err(option_err(
                "email",
                "must be an address of at most 254 characters",
            ));
        }
        self.create_device::<EmailDevice, _>(user, name, confirmed, move |ctx| {
            Ok(EmailDevice::new(email, ctx))
        })
        .await
    }

    /// Creates an empty static device.
    pub async fn create_static(
        &self,
        user: &UserId,
        name: Option<&str>,
        confirmed: bool,
    ) -> Result<Device, Error> {
        self.create_device::<StaticDevice, _>(
            user,
            name,
            confirmed,
            |_| Ok(StaticDevice::default()),
        )
        .await
    }

    /// The user's first static device (confirmed or not), or a new confirmed one named
    /// `Backup Code`.
    pub async fn static_device_for(&self, user: &UserId) -> Result<Device, Error> {
        match self
            .devices_of_kind::<StaticDevice>(user, None)
            .await?
            .into_iter()
            .next()
        {
            Some(d) => Ok(d),
            None => self.create_static(user, Some("Backup Code"), true).await,
        }
    }

    /// Replaces the user's backup codes with a batch of `count` (default
    /// `OTPKIT_STATIC_BATCH_SIZE`, 1–50) in one commit; returns the device and the codes,
    /// shown once. Emits `backup_codes_generated`.
    pub async fn generate_backup_codes(
        &self,
        user: &UserId,
        count: Option<usize>,
    ) -> Result<(Device, Vec<SecretString>), Error> {
        let count = count.unwrap_or(self.inner.settings.static_batch_size as usize);
        if !(1..=50).contains(&count) {
            return Err(option_err("count", "must be 1 to 50 codes"));
        }
        let dev = self.static_device_for(user).await?;
        let codes = self
            .with_kind_state::<StaticDevice, _, _>(&dev.persistent_id(), move |s, ctx| {
                s.generate_batch(ctx, count)
            })
            .await?;
        let now = self.inner.clock.now();
        self.inner.emit(Event::new(
            EventKind::BackupCodesGenerated,
            Some(user),
            Some(&dev.persistent_id()),
            now,
        ));
        let dev = self
            .from_persistent_id(&dev.persistent_id())
            .await?
            .ok_or(Error::NotFound)?;
        Ok((dev, codes))
    }

    /// `addstatictoken`: adds `token` (or one random code) to the user's first static device
    /// (or a new `Backup Code` device); returns the device and the code.
    pub async fn add_static_token(
        &self,
        user: &UserId,
        token: Option<&str>,
    ) -> Result<(Device, SecretString), Error> {
        // A malformed token is refused before anything is created (no empty `Backup Code`
        // device left behind).
        if let Some(t) = token
            && crate::token::normalize_static(t).is_err()
        {
            return Err(Error::MalformedToken);
        }
        let dev = self.static_device_for(user).await?;
        let code = match token {
            Some(t) => SecretString::from(t),
            None => crate::kind::static_token::random_code()?,
        };
        let c2 = code.clone();
        let res = self
            .with_kind_state::<StaticDevice, _, _>(&dev.persistent_id(), move |s, ctx| {
                s.add_token(ctx, c2.expose())
            })
            .await?;
        match res {
            Ok(()) => Ok((dev, code)),
            Err(crate::kind::static_token::StaticTokenError::DuplicateToken) => {
                Err(Error::DuplicateToken)
            }
            Err(crate::kind::static_token::StaticTokenError::Malformed) => {
                Err(Error::MalformedToken)
            }
        }
    }

    /// Runs `f` on the typed state of device `pid` of kind `K` in one atomic transition and
    /// writes the state back; `f`'s error writes nothing. `f` may run more than once if the
    /// store retries the transition after a serialisation failure. For operations a kind offers beyond
    /// verification (backup code batches, …).
    pub async fn with_kind_state<K, F, R>(&self, pid: &str, f: F) -> Result<R, Error>
    where
        K: DeviceKind,
        R: Send + 'static,
        F: FnMut(&mut K, &Context<'_>) -> Result<R, KindError> + Send + 'static,
    {
        let Some((p, _)) = self.resolve(pid) else {
            return Err(Error::NotFound);
        };
        if p.model_label() != K::MODEL_LABEL {
            return Err(Error::WrongKind(K::VERBOSE_NAME));
        }
        let now = self.inner.clock.now();
        let inner = self.inner.clone();
        let slot: Slot<Result<R, KindError>> = Slot::new();
        let out = slot.clone();
        let mut f = f;
        let m: Mutation = Box::new(move |rec| {
            if rec.model_label != K::MODEL_LABEL {
                return Write::None;
            }
            let res = (|| {
                let mut k: K = serde_json::from_str(&rec.state)
                    .map_err(|e| KindError::State(e.to_string()))?;
                let pid = rec.persistent_id();
                let r = {
                    let ctx = inner.ctx(now, rec, &pid, CtxExtra::default());
                    f(&mut k, &ctx)?
                };
                let s = serde_json::to_string(&k).map_err(|e| KindError::State(e.to_string()))?;
                Ok((r, s))
            })();
            match res {
                // Nothing changed (e.g. a refused explicit token): nothing is written.
                Ok((r, s)) if s == rec.state => {
                    out.put(Ok(r));
                    Write::None
                }
                Ok((r, s)) => {
                    rec.state = s;
                    out.put(Ok(r));
                    Write::Update
                }
                Err(e) => {
                    out.put(Err(e));
                    Write::None
                }
            }
        });
        if !self.inner.store.update(p.id(), m).await? {
            return Err(Error::NotFound);
        }
        Ok(slot.take().ok_or(Error::NotFound)??)
    }

    // ----- provisioning ------------------------------------------------------------------

    /// The otpauth data of a TOTP/HOTP device with issuer, account and image filled in from
    /// the settings and the user directory (§5.5).
    pub async fn provisioning(&self, pid: &str) -> Result<OtpAuth, Error> {
        let dev = self.from_persistent_id(pid).await?.ok_or(Error::NotFound)?;
        let info = self.inner.users.lookup(dev.user()).await;
        let kind = dev.kind.clone();
        let rec = dev.record;
        let now = self.inner.clock.now();
        let loaded = kind.0.load(&rec.state)?;
        let pid = rec.persistent_id();
        let ctx = self.inner.ctx(now, &rec, &pid, CtxExtra::default());
        let mut auth = loaded
            .provisioning(&ctx)?
            .ok_or(Error::WrongKind(kind.verbose_name()))?;
        if let Some(name) = info.and_then(|i| i.display_name) {
            auth.account = name;
        }
        let s = &self.inner.settings;
        let is_totp = matches!(auth.kind, crate::otpauth::OtpAuthKind::Totp { .. });
        let issuer = if is_totp {
            &s.totp_issuer
        } else {
            &s.hotp_issuer
        };
        auth.issuer = issuer
            .as_ref()
            .and_then(|i| i.resolve(rec.user.as_str()))
            .map(|i| i.replace(':', ""))
            .filter(|i| !i.is_empty());
        if is_totp {
            auth.image = s
                .totp_image
                .as_ref()
                .and_then(|i| i.resolve(rec.user.as_str()));
        }
        Ok(auth)
    }

    /// `config_url`: the otpauth URI of a TOTP/HOTP device. It carries the secret.
    pub async fn config_url(&self, pid: &str) -> Result<SecretString, Error> {
        Ok(self.provisioning(pid).await?.to_uri())
    }

    /// The TOTP code of the device's current step (for tests, demos and the CLI).
    pub async fn current_totp(&self, pid: &str) -> Result<SecretString, Error> {
        let auth = self.provisioning(pid).await?;
        let dev = self.from_persistent_id(pid).await?.ok_or(Error::NotFound)?;
        let k: TotpDevice =
            serde_json::from_str(&dev.record.state).map_err(|e| KindError::State(e.to_string()))?;
        let key = OathKey::new(auth.algorithm, auth.secret.expose());
        let t = crate::oath::totp_step(self.now().as_secs(), k.t0, k.step, k.drift);
        crate::oath::totp_at(&key, t, k.digits)
            .map(SecretString::from)
            .ok_or(Error::NotFound)
    }

    /// Non-secret kind state for display (`device show`).
    pub fn info(&self, device: &Device) -> Result<serde_json::Value, Error> {
        Ok(device.kind.0.load(&device.record.state)?.info())
    }

    /// `verify_is_allowed()` by the throttle at `now`, without evaluating anything.
    pub fn verify_is_allowed(&self, device: &Device) -> Result<(), VerifyNotAllowed> {
        let Ok(dev) = device.kind.0.load(&device.record.state) else {
            return Ok(());
        };
        self.inner
            .throttle_for(dev.as_ref())
            .check(&device.record.throttle, self.now())
    }

    /// `generate_is_allowed()` by the cooldown at `now`.
    pub fn generate_is_allowed(&self, device: &Device) -> Result<(), GenerateNotAllowed> {
        let Ok(dev) = device.kind.0.load(&device.record.state) else {
            return Ok(());
        };
        Cooldown {
            duration_secs: dev.cooldown_duration(&self.inner.settings),
        }
        .check(device.record.last_generated_at, self.now())
    }

    /// `throttling_enabled` and `cooldown_enabled` for a device.
    pub fn policies(&self, device: &Device) -> (bool, bool) {
        match device.kind.0.load(&device.record.state) {
            Ok(dev) => (
                dev.throttle_factor(&self.inner.settings) > 0,
                dev.cooldown_duration(&self.inner.settings) > 0,
            ),
            Err(_) => (false, false),
        }
    }

    // ----- committing policy operations --------------------------------------------------

    async fn update_record(
        &self,
        pid: &str,
        f: impl FnMut(&mut DeviceRecord) -> Write + Send + 'static,
    ) -> Result<Device, Error> {
        let Some((p, kind)) = self.resolve(pid) else {
            return Err(Error::NotFound);
        };
        let label = kind.model_label();
        let slot: Slot<DeviceRecord> = Slot::new();
        let out = slot.clone();
        let mut f = f;
        let m: Mutation = Box::new(move |rec| {
            if rec.model_label != label {
                return Write::None;
            }
            let w = f(rec);
            let mut seen = rec.clone();
            if w == Write::Update {
                seen.version = seen.version.saturating_add(1);
            }
            out.put(seen);
            w
        });
        if !self.inner.store.update(p.id(), m).await? {
            return Err(Error::NotFound);
        }
        let rec = slot.take().ok_or(Error::NotFound)?;
        Ok(Device { record: rec, kind })
    }

    /// `throttle_reset(commit = true)`: clears the delay and `LOCKED_OUT`. Emits
    /// `throttle_reset`.
    pub async fn throttle_reset(&self, pid: &str) -> Result<Device, Error> {
        self.reset_with_event(pid, EventKind::ThrottleReset).await
    }

    /// `throttle_reset` of every device of `user` at once (all rows locked), which also
    /// clears the account throttle (`OTPKIT_ACCOUNT_THROTTLING`). Emits `throttle_reset` for
    /// each device that had a failure count or timestamp; returns those devices.
    pub async fn throttle_reset_user(&self, user: &UserId) -> Result<Vec<Device>, Error> {
        let slot: Slot<Vec<DeviceRecord>> = Slot::new();
        let out = slot.clone();
        let m: UserMutation = Box::new(move |recs, writes| {
            let mut reset = Vec::new();
            for (r, w) in recs.iter_mut().zip(writes.iter_mut()) {
                if r.throttle != ThrottleState::default() {
                    throttle_reset(&mut r.throttle);
                    *w = Write::Update;
                    let mut seen = r.clone();
                    seen.version = seen.version.saturating_add(1);
                    reset.push(seen);
                }
            }
            out.put(reset);
        });
        self.inner.store.update_user(user, m).await?;
        let now = self.now();
        let recs = slot.take().unwrap_or_default();
        let mut devices = Vec::with_capacity(recs.len());
        for rec in recs {
            self.inner.emit(Event::new(
                EventKind::ThrottleReset,
                Some(user),
                Some(&rec.persistent_id()),
                now,
            ));
            devices.extend(self.inner.device(rec));
        }
        Ok(devices)
    }

    /// The owner's self-service unlock (§7.7): `throttle_reset` emitting `device_unlocked`.
    /// The caller checks that the session was verified by a different device.
    pub async fn unlock(&self, pid: &str) -> Result<Device, Error> {
        self.reset_with_event(pid, EventKind::DeviceUnlocked).await
    }

    async fn reset_with_event(&self, pid: &str, kind: EventKind) -> Result<Device, Error> {
        let d = self
            .update_record(pid, |r| {
                throttle_reset(&mut r.throttle);
                Write::Update
            })
            .await?;
        self.inner.emit(Event::new(
            kind,
            Some(d.user()),
            Some(&d.persistent_id()),
            self.now(),
        ));
        Ok(d)
    }

    /// `throttle_increment(commit = true)`: count + 1 and timestamp = now, atomically. Emits
    /// `device_locked` (and notifies) when this increment reaches the lock-out threshold.
    pub async fn throttle_increment(&self, pid: &str) -> Result<Device, Error> {
        let now = self.now();
        let max = self.inner.settings.throttle_max_delay;
        let lockout = self.inner.settings.lockout_threshold;
        let locked = Slot::new();
        let l2 = locked.clone();
        let d = self
            .update_record(pid, move |r| {
                l2.put(
                    Throttle {
                        factor: 1,
                        max_delay_secs: max,
                        lockout_threshold: lockout,
                    }
                    .increment(&mut r.throttle, now),
                );
                Write::Update
            })
            .await?;
        if locked.take() == Some(true) {
            let mut e = Event::new(
                EventKind::DeviceLocked,
                Some(d.user()),
                Some(&d.persistent_id()),
                now,
            );
            e.failure_count = Some(d.throttle().failure_count);
            self.inner.emit(e);
        }
        Ok(d)
    }

    /// `cooldown_set(commit = true)`.
    pub async fn cooldown_set(&self, pid: &str) -> Result<Device, Error> {
        let now = self.now();
        self.update_record(pid, move |r| {
            crate::policy::cooldown_set(r, now);
            Write::Update
        })
        .await
    }

    /// `cooldown_reset(commit = true)`.
    pub async fn cooldown_reset(&self, pid: &str) -> Result<Device, Error> {
        self.update_record(pid, |r| {
            crate::policy::cooldown_reset(r);
            Write::Update
        })
        .await
    }

    /// `set_last_used_timestamp(commit = true)`.
    pub async fn set_last_used_timestamp(&self, pid: &str) -> Result<Device, Error> {
        let now = self.now();
        self.update_record(pid, move |r| {
            crate::policy::set_last_used_timestamp(r, now);
            Write::Update
        })
        .await
    }

    /// `generate_token(length, valid_secs, commit = true)` for a side-channel device: stores
    /// the new token's hash and returns the plaintext once.
    pub async fn generate_token(
        &self,
        pid: &str,
        length: u8,
        valid_secs: u32,
    ) -> Result<SecretString, Error> {
        let Some((p, kind)) = self.resolve(pid) else {
            return Err(Error::NotFound);
        };
        let now = self.now();
        let inner = self.inner.clone();
        let slot: Slot<Result<SecretString, Error>> = Slot::new();
        let out = slot.clone();
        let m: Mutation = Box::new(move |rec| {
            if rec.model_label != kind.model_label() {
                out.put(Err(Error::NotFound));
                return Write::None;
            }
            let res = (|| -> Result<SecretString, Error> {
                let mut dev = kind.0.load(&rec.state)?;
                let pid = rec.persistent_id();
                let token = {
                    let ctx = inner.ctx(now, rec, &pid, CtxExtra::default());
                    let side = dev
                        .side_channel()
                        .ok_or(Error::WrongKind(kind.verbose_name()))?;
                    side.generate_token(&ctx, length, valid_secs)?
                };
                rec.state = dev.save()?;
                Ok(token)
            })();
            let w = if res.is_ok() {
                Write::Update
            } else {
                Write::None
            };
            out.put(res);
            w
        });
        if !self.inner.store.update(p.id(), m).await? {
            return Err(Error::NotFound);
        }
        slot.take().ok_or(Error::NotFound)?
    }

    /// Renames a device.
    pub async fn rename(&self, pid: &str, name: &str) -> Result<Device, Error> {
        validate_name(name)?;
        let name = name.to_owned();
        self.update_record(pid, move |r| {
            r.name = name.clone();
            Write::Update
        })
        .await
    }

    /// Marks a device confirmed (administrator override of §7.6). Emits
    /// `device_confirmed` when it was not.
    pub async fn confirm(&self, pid: &str) -> Result<Device, Error> {
        let was = Slot::new();
        let w2 = was.clone();
        let d = self
            .update_record(pid, move |r| {
                w2.put(r.confirmed);
                if r.confirmed {
                    Write::None
                } else {
                    r.confirmed = true;
                    Write::Update
                }
            })
            .await?;
        if was.take() == Some(false) {
            self.inner.emit(Event::new(
                EventKind::DeviceConfirmed,
                Some(d.user()),
                Some(&d.persistent_id()),
                self.now(),
            ));
        }
        Ok(d)
    }

    /// Removes a device. Emits `device_removed`.
    pub async fn remove(&self, pid: &str) -> Result<Device, Error> {
        let d = self.update_record(pid, |_| Write::Delete).await?;
        self.inner.emit(Event::new(
            EventKind::DeviceRemoved,
            Some(d.user()),
            Some(&d.persistent_id()),
            self.now(),
        ));
        Ok(d)
    }

    /// `delete_devices_for_user(user)`: removes every device of `user` (the application calls
    /// it when it deletes the user), in one transition over all of the user's rows, and
    /// emits `device_removed` once per device removed (REQ-16).
    pub async fn delete_devices_for_user(&self, user: &UserId) -> Result<u64, Error> {
        let slot: Slot<Vec<String>> = Slot::new();
        let out = slot.clone();
        let m: UserMutation = Box::new(move |recs, writes| {
            writes.iter_mut().for_each(|w| *w = Write::Delete);
            out.put(recs.iter().map(DeviceRecord::persistent_id).collect());
        });
        self.inner.store.update_user(user, m).await?;
        let removed = slot.take().unwrap_or_default();
        let now = self.now();
        for pid in &removed {
            self.inner.emit(Event::new(
                EventKind::DeviceRemoved,
                Some(user),
                Some(pid),
                now,
            ));
        }
        Ok(u64::try_from(removed.len()).unwrap_or(u64::MAX))
    }

    /// `otpkit device prune`: deletes unconfirmed devices older than `OTPKIT_ENROLMENT_TTL`.
    pub async fn prune_unconfirmed(&self) -> Result<u64, Error> {
        let cutoff = self
            .now()
            .add_secs(-i64::from(self.inner.settings.enrolment_ttl));
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
                    limit: Some(500),
                    ..DeviceQuery::default()
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for r in page {
                // `update` reports whether the row existed, not what the mutation decided:
                // a device confirmed since the listing is kept and must not be counted. The
                // slot holds the decision of the run that committed (a retried group runs
                // the mutation again).
                let deleted = Slot::new();
                let out = deleted.clone();
                let m: Mutation = Box::new(move |rec| {
                    let expired = !rec.confirmed && rec.created_at < cutoff;
                    out.put(expired);
                    if expired { Write::Delete } else { Write::None }
                });
                if self.inner.store.update(r.id, m).await? && deleted.take() == Some(true) {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    // ----- keys --------------------------------------------------------------------------

    async fn each_page(
        &self,
        mut f: impl FnMut(Vec<DeviceRecord>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut after = None;
        loop {
            let page = self
                .inner
                .store
                .list(&DeviceQuery {
                    after_id: after,
                    limit: Some(500),
                    ..DeviceQuery::default()
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            f(page)?;
        }
        Ok(())
    }

    /// `keys status`: per key id, the sealed keys and keyed hashes that use it.
    pub async fn key_status(&self) -> Result<BTreeMap<String, KeyUsage>, Error> {
        let mut map: BTreeMap<String, KeyUsage> = BTreeMap::new();
        let reg = self.inner.registry.clone();
        self.each_page(|page| {
            for r in page {
                let Some(kind) = reg.get(&r.model_label) else {
                    continue;
                };
                let ids = kind.0.load(&r.state)?.key_ids();
                for k in ids.sealed {
                    map.entry(k).or_default().sealed += 1;
                }
                for k in ids.hashed {
                    map.entry(k).or_default().hashed += 1;
                }
            }
            Ok(())
        })
        .await?;
        Ok(map)
    }

    /// `keys rotate`: re-seals every sealed key not under the active key, each as its own
    /// atomic transition (so an interrupted run resumes where it stopped; a second run is a
    /// no-op). Emits `keys_rotated` once.
    pub async fn rotate_keys(&self) -> Result<RotateReport, Error> {
        let mut ids = Vec::new();
        self.each_page(|page| {
            ids.extend(page.into_iter().map(|r| r.id));
            Ok(())
        })
        .await?;
        let mut report = RotateReport::default();
        for id in ids {
            let inner = self.inner.clone();
            let now = self.now();
            let slot: Slot<Result<usize, KindError>> = Slot::new();
            let out = slot.clone();
            let m: Mutation = Box::new(move |rec| {
                let Some(kind) = inner.kind_of(rec).cloned() else {
                    out.put(Ok(0));
                    return Write::None;
                };
                let res = (|| {
                    let mut dev = kind.0.load(&rec.state)?;
                    let pid = rec.persistent_id();
                    let n = {
                        let ctx = inner.ctx(now, rec, &pid, CtxExtra::default());
                        dev.reseal(&ctx)?
                    };
                    Ok((n, dev.save()?))
                })();
                match res {
                    Ok((0, _)) => {
                        out.put(Ok(0));
                        Write::None
                    }
                    Ok((n, s)) => {
                        rec.state = s;
                        out.put(Ok(n));
                        Write::Update
                    }
                    Err(e) => {
                        out.put(Err(e));
                        Write::None
                    }
                }
            });
            let found = self.inner.store.update(id, m).await?;
            if !found {
                continue;
            }
            match slot.take() {
                Some(Ok(0)) => {
                    let rec = self.inner.store.get(id).await?;
                    let sealed = rec
                        .and_then(|r| {
                            let k = self.inner.kind_of(&r)?;
                            k.0.load(&r.state).ok().map(|d| d.key_ids().sealed.len())
                        })
                        .unwrap_or(0);
                    report.current += sealed as u64;
                }
                Some(Ok(n)) => report.resealed += n as u64,
                Some(Err(e)) => {
                    tracing::warn!(target: "otpkit", device = id, error = %e, "re-sealing failed");
                    report.failed += 1;
                }
                None => {}
            }
        }
        let mut e = Event::new(EventKind::KeysRotated, None, None, self.now());
        e.detail = Some(format!(
            "resealed={} current={} failed={}",
            report.resealed, report.current, report.failed
        ));
        self.inner.emit(e);
        Ok(report)
    }

    // ----- sessions ----------------------------------------------------------------------

    /// `login(session, user, device)` (§3): if the device is the user's and confirmed, stores
    /// `otp_device_id` and `otpkit_verified_at`, removes `otpkit_pending`, rotates the session
    /// id and returns `true`; otherwise does nothing and returns `false`.
    pub async fn login(
        &self,
        session: &dyn OtpSession,
        user: &UserId,
        device: &Device,
    ) -> Result<bool, SessionError> {
        if device.user() != user || !device.confirmed() {
            return Ok(false);
        }
        session
            .insert_value(
                session::DEVICE_KEY,
                serde_json::Value::String(device.persistent_id()),
            )
            .await?;
        session
            .insert_value(
                session::VERIFIED_AT_KEY,
                serde_json::Value::String(self.now().to_rfc3339()),
            )
            .await?;
        session.remove_value(session::PENDING_KEY).await?;
        session.cycle_id().await?;
        Ok(true)
    }

    /// `logout_otp(session)`: removes `otp_device_id` and `otpkit_verified_at`.
    pub async fn logout_otp(&self, session: &dyn OtpSession) -> Result<(), SessionError> {
        session.remove_value(session::DEVICE_KEY).await?;
        session.remove_value(session::VERIFIED_AT_KEY).await
    }
}

fn key_or_random(key: Option<SecretBytes>, alg: Algorithm) -> Result<SecretBytes, Error> {
    match key {
        Some(k) => {
            crate::encoding::check_key_len(k.len())?;
            Ok(k)
        }
        None => SecretBytes::random(alg.default_key_len()).map_err(|_| KindError::Random.into()),
    }
}
