//! Passkeys and security keys (WebAuthn) as an otpkit device kind, on
//! [webauthn-rs](https://docs.rs/webauthn-rs) (MPL-2.0: this crate is the only one of otpkit
//! that depends on it).
//!
//! - [`WebauthnDevice`] is the kind, model label `otp_webauthn.webauthndevice`: several per
//!   user, its state in the device record like every other kind (credential id, the
//!   serialised webauthn-rs `Passkey` with its public key, signature counter, transports,
//!   AAGUID, backup flags), so no schema change. It is passive and never tried by
//!   `match_token`; its "token" is the browser's response.
//! - [`Passkeys`] runs the two ceremonies on an [`otpkit::Engine`] that has the kind
//!   registered.
//!
//! # Design: where the ceremony state lives
//!
//! A WebAuthn ceremony has server-side state (webauthn-rs's `PasskeyRegistration` /
//! `PasskeyAuthentication`: the challenge and what the response must match). Here it lives
//! in otpkit's store, in the device record, and never in a cookie or anything the client
//! holds — the same place the email kind keeps its outstanding code:
//!
//! - **Registration** (enrolment) creates an *unconfirmed* device, as the enrolment of every
//!   other kind does, holding the ceremony. Its finish is the engine's `confirm_device` with
//!   the response as the token: one atomic transition consumes the ceremony, stores the
//!   credential and confirms the device. Older pending registrations of the user are
//!   replaced; `OTPKIT_ENROLMENT_TTL` and the purge of abandoned enrolments apply.
//! - **Authentication** of a known user puts one ceremony (one challenge, allowing all of the
//!   user's credentials) on each of the user's confirmed passkeys. Its finish looks up the
//!   passkey the assertion names and runs the engine's `verify_token` path on it, the
//!   assertion being the token: one atomic transition checks the throttle and the per-account
//!   limit, consumes the ceremony, verifies the signature, refuses a signature counter that
//!   did not advance (`counter_regressed`, its own audit event and notification), stores the
//!   new counter and `last_used_at`, and emits the events every kind emits. The copies on the
//!   user's other passkeys are withdrawn right after; until then a copy could be finished
//!   only with an assertion *that other authenticator* signed over the same challenge.
//!
//! Every ceremony is bound to the caller's session binding value (otpkit-axum's
//! `otpkit_binding`; stored only as a keyed hash under the key ring's hashing key, with the
//! ceremony's id), expires after [`PasskeySettings::ceremony_secs`] (300 s) on the engine's
//! clock, and is consumed by the first finish that reaches it, accepted or not: a challenge
//! is never used twice. The state holds nothing secret (a public key and a challenge the
//! browser saw), so it is stored plainly; storing it in our store is what webauthn-rs's
//! `danger-allow-state-serialisation` feature is for.
//!
//! Each refused finish says why ([`Refusal`]): no challenge, expired, another session, a
//! replayed assertion (another challenge), wrong origin, wrong relying-party id, another
//! user's or an unknown credential, user not verified, bad signature, counter regression.
//! Each evaluated refusal counts one failure (docs/behaviour.md §2.2 step 5, §2.5) and
//! consumes the ceremony; an assertion naming no passkey of the user writes nothing
//! (docs/behaviour.md §3: not found).
//!
//! # Example
//!
//! ```
//! use otpkit::{Engine, KeyRing, MemoryStore, UserId};
//! use otpkit_webauthn::{Passkeys, PasskeySettings, RelyingParty, WebauthnDevice};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap())
//!     .register::<WebauthnDevice>()
//!     .build()
//!     .unwrap();
//! let rp = RelyingParty::new("example.com", "https://example.com");
//! let passkeys = Passkeys::new(engine, PasskeySettings::new(rp)).unwrap();
//! let alice = UserId::new("alice").unwrap();
//! let binding = b"the session's binding value";
//! let started = passkeys.start_registration(&alice, Some("My key"), binding).await.unwrap();
//! // `started.options` goes to navigator.credentials.create(); its answer, in JSON, to
//! // passkeys.finish_registration(&alice, &started.persistent_id, &json, binding).
//! assert!(serde_json::to_string(&started.options).unwrap().contains("challenge"));
//! // Alice has no registered passkey yet: nothing to authenticate with.
//! assert!(passkeys.start_authentication(&alice, binding).await.unwrap().is_none());
//! # });
//! ```

mod aaguid;
mod ceremony;
mod handle;
mod kind;
mod mode;
mod passwordless;
mod refusal;
mod rp;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod web;

pub use aaguid::authenticator_name;
pub use ceremony::{
    CeremonyOutcome, DEFAULT_CEREMONY_SECS, PasskeyError, PasskeySettings, Passkeys,
    RegistrationStart,
};
pub use kind::{Ceremony, MAX_RESPONSE_BYTES, MODEL_LABEL, Step, WebauthnDevice};
pub use mode::Passwordless;
pub use passwordless::{PendingSignIn, SignInOutcome};
pub use refusal::Refusal;
pub use rp::RelyingParty;
/// webauthn-rs, re-exported for its option and response types.
pub use webauthn_rs;
