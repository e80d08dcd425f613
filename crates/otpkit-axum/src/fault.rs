//! The session store failing (docs/behaviour.md §7.1.1): the [`OtpService`] itself, which
//! installs the lazy OTP state ([`crate::middleware`]) and answers 503 when the session of a
//! request cannot be read, and [`SessionFaultLayer`], which answers 503 when it cannot be
//! written.
//!
//! tower-sessions 0.15 reads a session lazily, at the first `get`/`insert`, and a read that
//! fails is an error of that one call: an application page that reads the session through
//! `Option`-style helpers, or otpkit's [`OtpState`](crate::OtpState) (which sees an
//! unverified state), would go on as if the visitor were anonymous. A failed write at the end
//! of the request is answered by tower-sessions with a bare `500` and no body. So:
//!
//! - **reading**: [`OtpLayer`](crate::OtpLayer) reads the session of a request with a session
//!   cookie before the handler (the one read the handler's reads then share); if the store
//!   fails, the handler is not called;
//! - **writing**: [`SessionFaultLayer`], outside the session layer, replaces tower-sessions'
//!   answer to a failed write — a `500` with no headers that did not come through
//!   [`OtpLayer`] — with the same 503 (tower-sessions writes once; nothing is written twice).
//!
//! Either failure is answered 503 `internal_error`: JSON `{"error": "internal_error",
//! "message": …}` for a client that wants JSON, otherwise otpkit's message page, in the
//! request's language, rendered without the session. The cookie is left as it is (the
//! session is not lost): once the store answers again, so does the site.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::Response;
use http::request::Parts;
use http::{HeaderMap, Request, StatusCode, Uri};
use otpkit::session::DEVICE_KEY;
use tower::{Layer, Service};
use tower_sessions::{MemoryStore, Session};

use crate::error::Code;
use crate::kit::OtpKit;
use crate::middleware::{LazyOtp, OtpService};
use crate::pages::Page;
use crate::web::secure;

/// Marks a response that came through [`OtpService`] (so not tower-sessions' own answer to
/// a failed write, which replaces the response).
#[derive(Debug, Clone, Copy)]
struct Through;

impl<S, B> Service<Request<B>> for OtpService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let session = req.extensions().get::<Session>().cloned();
        req.extensions_mut().insert(self.kit.clone());
        req.extensions_mut().insert(LazyOtp::new(session.clone()));
        // Only the service that was polled ready may be called.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let kit = self.kit.clone();
        Box::pin(async move {
            if let Some(session) = session
                && let Err(e) = read(&session).await
            {
                tracing::error!(target: "otpkit_axum", error = %e, "session store failure: reading the session");
                let (parts, _) = req.into_parts();
                let mut resp = unavailable(&kit, parts);
                resp.extensions_mut().insert(Through);
                return Ok(resp);
            }
            let mut resp = inner.call(req).await?;
            resp.extensions_mut().insert(Through);
            Ok(resp)
        })
    }
}

/// Reads the session of a request that carries a session cookie (any key loads the whole
/// record, which later reads share); nothing for one without.
async fn read(session: &Session) -> Result<(), tower_sessions::session::Error> {
    if session.id().is_some() {
        session.get_value(DEVICE_KEY).await?;
    }
    Ok(())
}

/// 503 `internal_error`, as JSON or as the message page, rendered from the request's
/// headers and path and no session data.
fn unavailable(kit: &OtpKit, mut parts: Parts) -> Response {
    if parts.extensions.get::<Session>().is_none() {
        // The page needs a session to exist, not to be read: an empty one in memory.
        let empty = Session::new(None, Arc::new(MemoryStore::default()), None);
        parts.extensions.insert(empty);
    }
    match Page::of(kit, &mut parts) {
        Some(page) => page.stateless(Code::InternalError),
        // Unreachable: `parts` carries a session.
        None => secure(crate::error::Problem::new(Code::InternalError).into_json()),
    }
}

/// The layer that answers 503 `internal_error` when the session store fails to write a
/// session (docs/behaviour.md §7.1.1). Put it outside the session layer, with
/// [`OtpLayer`](crate::OtpLayer) inside:
///
/// ```
/// # use otpkit_axum::OtpKit;
/// # fn app(kit: OtpKit) -> axum::Router {
/// axum::Router::new()
///     .merge(otpkit_axum::routes(kit.clone()))
///     .layer(kit.layer())
///     .layer(otpkit_axum::session_layer(tower_sessions::MemoryStore::default()))
///     .layer(kit.session_fault_layer())
/// # }
/// ```
///
/// It changes only tower-sessions' own answer to a failed write (a `500` with no headers
/// that did not come through `OtpLayer`); every other response passes unchanged.
#[derive(Debug, Clone)]
pub struct SessionFaultLayer {
    kit: OtpKit,
}

impl OtpKit {
    /// The [`SessionFaultLayer`] for this kit.
    pub fn session_fault_layer(&self) -> SessionFaultLayer {
        SessionFaultLayer { kit: self.clone() }
    }
}

impl<S> Layer<S> for SessionFaultLayer {
    type Service = SessionFaultService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        SessionFaultService {
            inner,
            kit: self.kit.clone(),
        }
    }
}

/// The service of [`SessionFaultLayer`].
#[derive(Debug, Clone)]
pub struct SessionFaultService<S> {
    inner: S,
    kit: OtpKit,
}

impl<S, B> Service<Request<B>> for SessionFaultService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let kit = self.kit.clone();
        let headers = req.headers().clone();
        let uri = req.uri().clone();
        Box::pin(async move {
            let resp = inner.call(req).await?;
            if !is_failed_write(&resp) {
                return Ok(resp);
            }
            tracing::error!(target: "otpkit_axum", "session store failure: writing the session");
            Ok(unavailable(&kit, rebuilt(headers, uri)))
        })
    }
}

/// Whether `resp` is tower-sessions' answer to a failed write: `500`, no headers, and not
/// through [`OtpService`] (tower-sessions replaced the response).
fn is_failed_write(resp: &Response) -> bool {
    resp.status() == StatusCode::INTERNAL_SERVER_ERROR
        && resp.headers().is_empty()
        && resp.extensions().get::<Through>().is_none()
}

/// The parts of a request already handed on: its headers and URI.
fn rebuilt(headers: HeaderMap, uri: Uri) -> Parts {
    let (mut parts, ()) = Request::new(()).into_parts();
    parts.headers = headers;
    parts.uri = uri;
    parts
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse as _;

    use super::*;

    #[test]
    fn only_tower_sessions_bare_500_is_a_failed_write() {
        let mut bare = Response::default();
        *bare.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        assert!(is_failed_write(&bare));
        // Through the OTP layer: a handler's answer.
        let mut through = Response::default();
        *through.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        through.extensions_mut().insert(Through);
        assert!(!is_failed_write(&through));
        // With headers: not tower-sessions' `Response::default()`.
        let with_body = (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response();
        assert!(!is_failed_write(&with_body));
        assert!(!is_failed_write(&Response::default()));
    }
}
