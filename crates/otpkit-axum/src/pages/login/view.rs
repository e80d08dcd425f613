//! What a login page shows (the password step, the code step, "no device"), in HTML or
//! JSON, and how a login POST answers: in the response (JSON) or as a flash for the page's
//! GET (HTML, Post/Redirect/Get).

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::Device;

use super::method;
use crate::api::{LoginDevice, LoginStep, LoginStepName};
use crate::error::{Code, Problem};
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::pages::access;
use crate::pages::context::Page;
use crate::pages::refusal::PageError;
use crate::web::{redirect_url, secure};

/// Which login page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// `/login/`.
    Login,
    /// `/verify/`: the code step for an authenticated user, verified or not.
    Verify,
    /// `/admin/login/`.
    Admin,
}

impl Flow {
    fn action(self, kit: &OtpKit) -> String {
        kit.url(match self {
            Flow::Login => "/login/",
            Flow::Verify => "/verify/",
            Flow::Admin => "/admin/login/",
        })
    }

    /// `login`, `verify` or `admin`, for the template.
    fn as_str(self) -> &'static str {
        match self {
            Flow::Login => "login",
            Flow::Verify => "verify",
            Flow::Admin => "admin",
        }
    }

    /// The message id of the page's title.
    fn title(self) -> &'static str {
        match self {
            Flow::Verify => "login-verify-title",
            Flow::Admin => "login-admin-title",
            Flow::Login => "login-title",
        }
    }
}

/// The device a code without a chosen device is tried against first (docs/behaviour.md §7.3.1):
/// the confirmed passive device used last, or the only confirmed device.
pub(crate) fn match_first(devices: &[Device]) -> Option<&Device> {
    let mut best: Option<&Device> = None;
    for d in devices.iter().filter(|d| !d.is_interactive()) {
        if let Some(t) = d.last_used_at()
            && best.and_then(Device::last_used_at).is_none_or(|b| t > b)
        {
            best = Some(d);
        }
    }
    match (best, devices) {
        (Some(b), _) => Some(b),
        (None, [only]) => Some(only),
        _ => None,
    }
}

/// The code step's devices for JSON: `available` is false for a device that cannot give a
/// code on this site (an email device without a mailer, [`method::usable`]).
fn login_devices(devices: &[Device], sends_email: bool) -> Vec<LoginDevice> {
    devices
        .iter()
        .map(|d| LoginDevice {
            available: method::usable(d, sends_email),
            id: d.persistent_id(),
            interactive: d.is_interactive(),
            name: d.name().to_owned(),
        })
        .collect()
}

/// Everything a login page shows.
pub(crate) struct View<'a> {
    pub(crate) flow: Flow,
    pub(crate) step: &'static str,
    pub(crate) next: &'a str,
    pub(crate) devices: &'a [Device],
    /// The device whose method the code step shows (posted as `otp_device`, or named by the
    /// `device` of a "use another method" link); the preferred one when absent or not one of
    /// `devices`.
    pub(crate) selected: Option<String>,
    pub(crate) problem: Option<Problem>,
    pub(crate) info: Option<String>,
    /// What the POST before this GET left (Post/Redirect/Get).
    pub(crate) flash: Option<Flash>,
}

impl<'a> View<'a> {
    /// A page of `step` with an optional problem, nothing else.
    pub(crate) fn of(
        flow: Flow,
        step: &'static str,
        next: &'a str,
        devices: &'a [Device],
        problem: Option<Problem>,
    ) -> View<'a> {
        View {
            flow,
            step,
            next,
            devices,
            selected: None,
            problem,
            info: None,
            flash: None,
        }
    }
}

/// The GET address of a login page, with its `next`.
fn page_url(kit: &OtpKit, flow: Flow, next: &str) -> String {
    let action = flow.action(kit);
    if next.is_empty() {
        action
    } else {
        redirect_url(&action, "next", next)
    }
}

/// A POST's answer: JSON in the response, HTML as a 303 to the page's GET with the outcome
/// left as a flash (Post/Redirect/Get: no "Confirm Form Resubmission" after Back).
pub(crate) async fn answer(
    page: &Page,
    v: View<'_>,
    username: Option<&str>,
) -> Result<Response, PageError> {
    if page.json {
        return Ok(render(page, v).await);
    }
    let mut url = page_url(&page.kit, v.flow, v.next);
    if let Some(selected) = v.selected.as_deref().filter(|_| v.step == "token") {
        url = redirect_url(&url, "device", selected);
    }
    let mut flash = Flash::outcome(&url, v.problem.as_ref(), v.info);
    if let Some(selected) = v.selected {
        flash = flash.field("otp_device", selected);
    }
    if let Some(u) = username.filter(|u| !u.is_empty()) {
        flash = flash.field("username", u);
    }
    Ok(page.see_other(&url, flash).await?)
}

/// On the admin login, the name of a signed-in user who may not use the admin area.
async fn authenticated_as(page: &Page, flow: Flow) -> Option<String> {
    if flow != Flow::Admin {
        return None;
    }
    let state = page.state().await;
    let u = state.user()?;
    if access::is_admin(&page.kit, &state).await {
        return None;
    }
    let info = page.kit.engine().users().lookup(u).await;
    Some(
        info.and_then(|i| i.display_name)
            .unwrap_or_else(|| u.as_str().to_owned()),
    )
}

/// The page of `v`: JSON, or the login template.
pub(crate) async fn render(page: &Page, v: View<'_>) -> Response {
    if page.json {
        return render_json(page, &v).await;
    }
    let flash = v.flash.clone().unwrap_or_default();
    let authenticated_as = authenticated_as(page, v.flow).await;
    let (error, code) = match &v.problem {
        Some(p) => (Some(p.message.clone()), Some(p.code.as_str().to_owned())),
        None => (flash.error.clone(), flash.code.clone()),
    };
    let info = v.info.clone().or_else(|| flash.info.clone());
    let state = page.state().await;
    let who = state
        .user()
        .or_else(|| state.pending().map(|p| &p.user))
        .map(|u| u.as_str().to_owned());
    let signed_in = (v.step == "credentials" && state.is_verified()).then(|| who.clone());
    let step = code_step_context(page, &v, &flash);
    let sign_ins = sign_in_links(page, &v);
    let mut resp = page
        .render(
            StatusCode::OK,
            "otpkit/login.html",
            &page.t(v.flow.title()),
            context! {
                step => v.step,
                flow => v.flow.as_str(),
                admin => v.flow == Flow::Admin,
                action => v.flow.action(&page.kit),
                next => v.next,
                continue_url => page.next_or_default(Some(v.next)),
                who => who,
                signed_in => signed_in,
                error => error,
                code => code,
                info => info,
                username => flash.get("username"),
                authenticated_as => authenticated_as,
                sign_ins => sign_ins,
                ..step
            },
        )
        .await;
    match &v.problem {
        Some(p) => p.add_headers(&mut resp),
        None => flash.add_headers(&mut resp),
    }
    resp
}

/// The password step's links to the sign-ins without a password
/// ([`crate::extension::KindSignIn`]), on `/login/` only.
fn sign_in_links(page: &Page, v: &View<'_>) -> Vec<minijinja::Value> {
    if v.step != "credentials" || v.flow != Flow::Login {
        return Vec::new();
    }
    page.kit
        .kind_steps()
        .iter()
        .filter_map(|s| s.sign_in.as_ref())
        .map(|s| {
            let url = page.kit.url(&s.path);
            context! {
                href => if v.next.is_empty() { url } else { redirect_url(&url, "next", v.next) },
                label => page.t(&s.message_id),
            }
        })
        .collect()
}

/// The code step's part of the page: the method shown (`method`), the others (`others`),
/// each with the address of the page that shows it, and the links to the sign-in methods
/// with a web step of their own (`steps`, [`crate::extension::KindStep`]), whose devices
/// are never shown as a text field.
pub(crate) fn code_step_context(page: &Page, v: &View<'_>, flash: &Flash) -> minijinja::Value {
    if v.step != "token" {
        return context! {};
    }
    let kind_steps = page.kit.kind_steps();
    let typed: Vec<Device> = v
        .devices
        .iter()
        .filter(|d| !kind_steps.iter().any(|s| s.covers(d)))
        .cloned()
        .collect();
    let steps: Vec<minijinja::Value> = kind_steps
        .iter()
        .filter(|s| v.devices.iter().any(|d| s.covers(d)))
        .map(|s| {
            let url = page.kit.url(&s.path);
            context! {
                href => if v.next.is_empty() { url } else { redirect_url(&url, "next", v.next) },
                label => page.t(&s.message_id),
            }
        })
        .collect();
    let wanted = v.selected.as_deref().or_else(|| flash.get("otp_device"));
    let sends_email = page.kit.engine().sends_email();
    let Some(shown) = method::current(&typed, wanted, sends_email) else {
        return context! { steps => steps };
    };
    let base = page_url(&page.kit, v.flow, v.next);
    let href = |pid: &str| redirect_url(&base, "device", pid);
    let pid = shown.persistent_id();
    let asked = flash.get("otp_device") == Some(pid.as_str())
        && flash.code.as_deref() != Some(Code::ChallengeException.as_str());
    let validity = i64::from(page.kit.settings().email.token_validity) * 1000;
    let recent = shown
        .last_generated_at()
        .is_some_and(|t| page.kit.engine().now().millis_since(t) < validity);
    let trust_days = (v.flow == Flow::Login && page.kit.trust().is_some())
        .then(|| page.kit.web_settings().trust_browser_days);
    context! {
        method => method::shown(shown, asked || recent, sends_email),
        others => method::others(&typed, shown, href, sends_email),
        steps => steps,
        trust_days => trust_days,
    }
}

/// The JSON of a login page: the problem ([`Refusal`](crate::api::Refusal)) or the step
/// and state ([`LoginStep`]); the devices of the code step; the session's CSRF token.
async fn render_json(page: &Page, v: &View<'_>) -> Response {
    let sends_email = page.kit.engine().sends_email();
    let devices = (v.step == "token").then(|| login_devices(v.devices, sends_email));
    let csrf_token = page.store().csrf_token().await.ok();
    let Some(p) = &v.problem else {
        let step = match v.step {
            "token" => LoginStepName::Token,
            "no_device" => LoginStepName::NoDevice,
            _ => LoginStepName::Credentials,
        };
        let body = LoginStep {
            csrf_token,
            devices,
            state: page.state().await.level(),
            step,
        };
        return secure(axum::Json(body).into_response());
    };
    let mut body = p.body();
    if let Some(m) = body.as_object_mut() {
        if let Some(d) = devices.and_then(|d| serde_json::to_value(d).ok()) {
            m.insert("devices".into(), d);
        }
        if let Some(t) = csrf_token {
            m.insert("csrf_token".into(), t.into());
        }
    }
    let mut resp = (p.status(), axum::Json(body)).into_response();
    p.add_headers(&mut resp);
    secure(resp)
}
