//! otpkit's routes as pieces an application picks (docs/behaviour.md §7.3): [`crate::routes`]
//! is all of them; an application that keeps its own password login merges only what it
//! uses, and never mounts [`password_login`].
//!
//! Every piece is a `Router<S>` under `OTPKIT_URL_PREFIX` with the layers of every otpkit
//! route (the refusal answer, the `OTPKIT_MAX_BODY_BYTES` limit and the security headers of
//! §7.5). The pieces share no route, so any of them merge together.
//!
//! | piece | routes |
//! |---|---|
//! | [`code_step`] | `/verify/`, `/logout/`, `/session`, `/openapi.json`, `/language/`, `/static/otpkit.css`, `/static/otpkit.js` |
//! | [`password_login`] | `/login/`, `/admin/login/` |
//! | [`enrolment`] | `/devices/new/…`, `/devices/totp/new/…`, `/devices/email/new/`, `/devices/backup-codes/…` |
//! | [`devices`] | `/devices/`, `/devices/{model_label}/{id}/{rename,remove,unlock}/`, `/devices/sessions/`, `/devices/sessions/{handle}/end/`, `/devices/sessions/end-others/` |
//! | [`admin`] | `/admin/…` except `/admin/login/` |
//!
//! ```
//! use axum::Router;
//! use otpkit_axum::{OtpKit, router};
//!
//! fn otp_pieces(kit: OtpKit) -> Router {
//!     // The application's own login stays; otpkit adds the code step, enrolment and the
//!     // device list. `/otp/login/` is not mounted.
//!     Router::new()
//!         .merge(router::code_step(kit.clone()))
//!         .merge(router::enrolment(kit.clone()))
//!         .merge(router::devices(kit))
//! }
//! ```

use axum::Router;

use crate::kit::OtpKit;
use crate::pages;

/// The code step and what it needs: `/verify/` (for a signed-in user who is not verified
/// yet, a pending login started by [`OtpKit::begin_second_factor`], or a re-verification),
/// `/logout/`, `/session`, `/language/`, the static assets of the default templates, and the
/// JSON API's OpenAPI document (`/openapi.json`, [`crate::openapi`]).
pub fn code_step<S>(kit: OtpKit) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    pages::piece(kit, pages::code_step)
}

/// otpkit's own password login: `/login/` and `/admin/login/`, which check passwords with
/// [`Authentication::check_credentials`](crate::Authentication::check_credentials). Mount it
/// only if otpkit should ask for passwords; it needs [`code_step`] too (logout, assets).
pub fn password_login<S>(kit: OtpKit) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    pages::piece(kit, pages::password_login)
}

/// Enrolment: the guided setup, the enrolment of each kind and the backup codes.
pub fn enrolment<S>(kit: OtpKit) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    pages::piece(kit, pages::enrolment)
}

/// The user's devices: the list, rename, remove and unlock; and the user's signed-in
/// sessions, listed and ended, when the kit has the session store's index
/// ([`OtpKitBuilder::user_sessions`](crate::OtpKitBuilder::user_sessions)).
pub fn devices<S>(kit: OtpKit) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    pages::piece(kit, pages::own_devices)
}

/// The admin area, without its login (which is in [`password_login`]).
pub fn admin<S>(kit: OtpKit) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    pages::piece(kit, pages::admin_area)
}
