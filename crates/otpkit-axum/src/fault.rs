//! The [`OtpService`] itself: it installs the lazy OTP state ([`crate::middleware`]) and
//! answers 503 when the session store fails (docs/behaviour.md §7.1.1).
//!
//! tower-sessions 0.15 reads a session lazily, at the first `get`/`insert`, and a read that
//! fails is an error of that one call: an application page that reads the session through
//! `Option`-style helpers, or otpkit's [`OtpState`](crate::OtpState) (which sees an
//! unverified state), would go on as if the visitor were anonymous. A failed write at the end
//! of the request is answered by tower-sessions with a bare `500` and no body. So the layer
//! does both itself, around the handler:
//!
//! - **before**: a request with a session cookie has its session read (the one read the
//!   handler's reads then share); if the store fails, the handler is not called;
//! - **after**: a session the handler changed (and did not empty) is written, unless the
//!   answer is already a server error; if the store fails, the handler's answer is replaced.
//!
//! Either failure is answered 503 `internal_error`: JSON `{"error": "internal_error",
//! "message": …}` for a client that wants JSON, otherwise otpkit's message page, in the
//! request's language, rendered without the session. The cookie is left as it is (the
//! session is not lost): once the store answers again, so does the site. tower-sessions
//! writes a changed session again after the layer (an extra write of the same record on the
//! requests that change the session), and writes nothing after a 503.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::response::Response;
use http::request::Parts;
use http::{HeaderMap, Request, StatusCode, Uri};
use otpkit::session::DEVICE_KEY;
use tower::Service;
use tower_sessions::Session;

use crate::error::Code;
use crate::kit::OtpKit;
use crate::middleware::{LazyOtp, OtpService};
use crate::pages::Page;
use crate::web::secure;

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
            let Some(session) = session else {
                // No session layer: the lazy state reports it (unavailable) when read.
                return inner.call(req).await;
            };
            if let Err(e) = read(&session).await {
                tracing::error!(target: "otpkit_axum", error = %e, "session store failure: reading the session");
                let (parts, _) = req.into_parts();
                return Ok(unavailable(&kit, parts));
            }
            let headers = req.headers().clone();
            let uri = req.uri().clone();
            let resp = inner.call(req).await?;
            match write(&session, resp.status()).await {
                Ok(()) => Ok(resp),
                Err(e) => {
                    tracing::error!(target: "otpkit_axum", error = %e, "session store failure: writing the session");
                    Ok(unavailable(&kit, rebuilt(headers, uri, session)))
                }
            }
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

/// Writes the session if the handler changed it, as tower-sessions would afterwards: not
/// for an emptied session (its cookie is removed) nor after a server error.
async fn write(
    session: &Session,
    status: StatusCode,
) -> Result<(), tower_sessions::session::Error> {
    if !session.is_modified() || status.is_server_error() || session.is_empty().await {
        return Ok(());
    }
    session.save().await
}

/// The parts of a request already handed on: its headers and URI, and the session.
fn rebuilt(headers: HeaderMap, uri: Uri, session: Session) -> Parts {
    let (mut parts, ()) = Request::new(()).into_parts();
    parts.headers = headers;
    parts.uri = uri;
    parts.extensions.insert(session);
    parts
}

/// 503 `internal_error`, as JSON or as the message page, read from no session.
fn unavailable(kit: &OtpKit, mut parts: Parts) -> Response {
    match Page::of(kit, &mut parts) {
        Some(page) => page.stateless(Code::InternalError),
        // Unreachable: `parts` always carries the session here.
        None => secure(crate::error::Problem::new(Code::InternalError).into_json()),
    }
}
