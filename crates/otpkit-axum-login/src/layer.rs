//! [`AxumLoginLayer`]: axum-login's `AuthSession` in every request, over otpkit's one
//! tower-sessions 0.15 session.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use axum_login::AuthnBackend;
use http::{HeaderMap, HeaderValue, Request, header};
use otpkit_axum::{Code, OtpKit, Problem, wants_json};
use tower::{Layer, Service};

use crate::auth::AxumLoginAuth;
use crate::view::{Session, SessionView};

/// The layer of [`AxumLoginAuth::layer`]. Per request it
///
/// 1. takes the tower-sessions 0.15 `Session` that otpkit's session layer (outside it) put
///    in the request,
/// 2. builds axum-login's `AuthSession` over a [`SessionView`] of it — with axum-login's own
///    `AuthManager`, so the backend's `get_user` and the `session_auth_hash` check run as in
///    axum-login — and puts both the `AuthSession` and the view (a tower-sessions 0.14
///    `Session`) into the request's extensions,
/// 3. after the inner service, writes what axum-login changed (its key, an id cycle at
///    `login`, a flush at `logout`) back into the 0.15 session, which otpkit's session layer
///    then saves once.
///
/// A failure to read or write the session answers 503 (otpkit's `internal_error`, JSON or a
/// short HTML page by content negotiation, in the request's language when otpkit's
/// `OtpLayer` is outside): nothing is treated as signed in or anonymous by mistake.
pub struct AxumLoginLayer<B> {
    auth: AxumLoginAuth<B>,
}

impl<B: Clone> Clone for AxumLoginLayer<B> {
    fn clone(&self) -> Self {
        AxumLoginLayer {
            auth: self.auth.clone(),
        }
    }
}

impl<B> std::fmt::Debug for AxumLoginLayer<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AxumLoginLayer")
            .field("auth", &self.auth)
            .finish()
    }
}

impl<B> AxumLoginAuth<B>
where
    B: AuthnBackend + 'static,
{
    /// The layer that gives each request axum-login's `AuthSession` (for the
    /// `AuthSession` extractor and `login_required!`) over otpkit's session: put it inside
    /// `otpkit_axum::session_layer`, in place of axum-login's `AuthManagerLayer`.
    pub fn layer(&self) -> AxumLoginLayer<B> {
        AxumLoginLayer { auth: self.clone() }
    }
}

impl<S, B: Clone> Layer<S> for AxumLoginLayer<B> {
    type Service = AxumLoginService<S, B>;

    fn layer(&self, inner: S) -> Self::Service {
        AxumLoginService {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// The service of [`AxumLoginLayer`].
pub struct AxumLoginService<S, B> {
    inner: S,
    auth: AxumLoginAuth<B>,
}

impl<S: Clone, B: Clone> Clone for AxumLoginService<S, B> {
    fn clone(&self) -> Self {
        AxumLoginService {
            inner: self.inner.clone(),
            auth: self.auth.clone(),
        }
    }
}

impl<S, B> std::fmt::Debug for AxumLoginService<S, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AxumLoginService")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<Request<Body>> for AxumLoginService<S, B>
where
    S: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: AuthnBackend + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<Body>) -> Self::Future {
        // The service that was polled ready serves this request (tower's clone rule).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            let kit = req.extensions().get::<OtpKit>().cloned();
            let headers = req.headers().clone();
            let Some(session) = req.extensions().get::<Session>().cloned() else {
                tracing::error!(
                    target: "otpkit_axum_login",
                    error = %crate::BridgeError::NoSession,
                    "axum-login adapter"
                );
                return Ok(unavailable(kit.as_ref(), &headers));
            };
            let view = SessionView::for_request(session, auth.data_key());
            let auth_session = match auth.auth_session_of(&view).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::error!(target: "otpkit_axum_login", error = %e, "axum-login adapter");
                    return Ok(unavailable(kit.as_ref(), &headers));
                }
            };
            req.extensions_mut().insert(view.session().clone());
            req.extensions_mut().insert(auth_session);
            let res = inner.call(req).await?;
            if let Err(e) = view.write_back().await {
                tracing::error!(target: "otpkit_axum_login", error = %e, "axum-login adapter");
                return Ok(unavailable(kit.as_ref(), &headers));
            }
            Ok(res)
        })
    }
}

/// 503 `internal_error`: otpkit's message in the request's language, as JSON or a short page.
fn unavailable(kit: Option<&OtpKit>, headers: &HeaderMap) -> Response {
    let (problem, lang) = match kit {
        Some(kit) => {
            let lang = kit.catalogue().negotiate_headers(headers);
            let p = Problem::localised(
                kit.messages(),
                kit.catalogue(),
                &lang,
                Code::InternalError,
                "",
                0,
            );
            (p, lang.as_str().to_owned())
        }
        None => (Problem::new(Code::InternalError), "en".to_owned()),
    };
    let mut res = if wants_json(headers) {
        problem.into_json()
    } else {
        let body = format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{}</title></head><body><main><p>{}</p></main></body></html>",
            escape(&lang),
            escape(&problem.message),
            escape(&problem.message)
        );
        let mut r = (problem.status(), body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(otpkit_axum::CSP),
    );
    res
}

/// HTML text escaping for the error page.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
