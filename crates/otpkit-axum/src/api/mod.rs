//! The JSON API: what otpkit's routes answer a JSON client (docs/behaviour.md §7), as types a
//! client can deserialize, and the OpenAPI 3.1 document that describes every JSON route.
//!
//! Every route answers HTML or JSON by content negotiation ([`crate::wants_json`]); the
//! types here are the JSON answers ([`SessionInfo`], [`LoginStep`], [`DeviceList`], …), the
//! refusal every route may answer ([`Refusal`], its `error` one of the [`Code`](crate::Code)s)
//! and the fields each POST reads ([`LoginForm`], [`TotpForm`], …).
//!
//! The document is generated from the handlers' annotations ([`utoipa`]):
//! [`crate::openapi`] builds it for a URL prefix, the routes serve it at `GET {prefix}/openapi.json` (in
//! [`crate::router::code_step`]), and the crate holds a copy for the default prefix `/otp`
//! (`crates/otpkit-axum/openapi.json`), which a test keeps in step.
//!
//! ```
//! let doc = otpkit_axum::openapi("/otp");
//! assert!(doc.paths.paths.contains_key("/otp/login/"));
//! assert_eq!(doc.info.title, "otpkit");
//! ```

mod answers;
mod refusal;
mod requests;

pub use answers::*;
pub use refusal::{ChallengeSent, Refusal};
pub use requests::*;
