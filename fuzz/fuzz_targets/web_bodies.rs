//! The request bodies of the web flows (docs/behaviour.md §7, REQ-07, REQ-18): arbitrary JSON, form
//! and other bodies POSTed to every state-changing route of otpkit-axum's router, from an
//! anonymous, a pending and a verified session, with and without a valid CSRF token. The
//! router never panics and never answers 500 (a 4xx or a typed answer instead).
#![no_main]

use std::cell::RefCell;
use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use otpkit::engine::TotpOptions;
use otpkit::{
    Engine, KeyRing, ManualClock, MemoryStore, Timestamp, UserDirectory, UserId, UserInfo,
};
use otpkit_axum::{OtpKit, SessionPasswordAuth};
use tower::ServiceExt;
use tower_sessions::{MemoryStore as Sessions, SessionManagerLayer};

struct Directory;

#[async_trait::async_trait]
impl UserDirectory for Directory {
    async fn lookup(&self, user: &UserId) -> Option<UserInfo> {
        Some(UserInfo {
            display_name: None,
            email: Some(format!("{}@example.com", user.as_str())),
            is_active: true,
            is_staff: user.as_str() == "alice",
        })
    }
}

struct App {
    router: Router,
    engine: Engine,
    clock: ManualClock,
    /// alice's TOTP, alice's backup codes, bob's TOTP.
    pids: [String; 3],
    uses: u32,
}

fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime")
    })
}

async fn build() -> App {
    let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
    let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1").expect("a ring"))
        .clock(clock.clone())
        .user_directory(Directory)
        .build()
        .expect("the engine builds");
    let alice = UserId::new("alice").expect("id");
    let bob = UserId::new("bob").expect("id");
    let totp = engine
        .create_totp(&alice, TotpOptions::default())
        .await
        .expect("a TOTP device");
    let (codes, _) = engine
        .generate_backup_codes(&alice, None)
        .await
        .expect("backup codes");
    let other = engine
        .create_totp(&bob, TotpOptions::default())
        .await
        .expect("bob's device");
    let auth = SessionPasswordAuth::from_fn(|username, password| {
        Box::pin(async move {
            Ok((matches!(username, "alice" | "bob") && password == "pw")
                .then(|| UserId::new(username).expect("id")))
        })
    });
    let kit = OtpKit::new(engine.clone(), auth);
    let router = Router::new()
        .merge(otpkit_axum::routes(kit.clone()))
        .layer(kit.layer())
        .layer(SessionManagerLayer::new(Sessions::default()).with_secure(false));
    App {
        router,
        engine,
        clock,
        pids: [
            totp.persistent_id(),
            codes.persistent_id(),
            other.persistent_id(),
        ],
        uses: 0,
    }
}

struct Res {
    status: StatusCode,
    body: String,
}

async fn send(app: &App, cookie: &mut Option<String>, mut req: Request<Body>) -> Res {
    if let Some(c) = cookie.as_ref() {
        if let Ok(v) = format!("id={c}").parse() {
            req.headers_mut().insert(header::COOKIE, v);
        }
    }
    let resp = app.router.clone().oneshot(req).await.expect("infallible");
    for sc in resp.headers().get_all(header::SET_COOKIE) {
        if let Some(rest) = sc.to_str().ok().and_then(|s| s.strip_prefix("id=")) {
            let value = rest.split(';').next().unwrap_or("").to_owned();
            *cookie = (!value.is_empty() && !rest.contains("Max-Age=0")).then_some(value);
        }
    }
    let status = resp.status();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Res {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn csrf(app: &App, cookie: &mut Option<String>) -> String {
    let r = send(
        app,
        cookie,
        Request::get("/otp/session")
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    serde_json::from_str::<serde_json::Value>(&r.body)
        .ok()
        .and_then(|v| v["csrf_token"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn post_json(
    app: &App,
    cookie: &mut Option<String>,
    path: &str,
    v: serde_json::Value,
) -> Res {
    let token = csrf(app, cookie).await;
    send(
        app,
        cookie,
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", token)
            .body(Body::from(v.to_string()))
            .expect("request"),
    )
    .await
}

const ROUTES: [&str; 17] = [
    "/otp/login/",
    "/otp/verify/",
    "/otp/admin/login/",
    "/otp/logout/",
    "/otp/devices/totp/new/",
    "/otp/devices/email/new/",
    "/otp/devices/backup-codes/",
    "/otp/devices/{pid}/rename/",
    "/otp/devices/{pid}/remove/",
    "/otp/devices/{pid}/unlock/",
    "/otp/admin/reset-throttling/",
    "/otp/admin/devices/add/",
    "/otp/admin/devices/{pid}/",
    "/otp/admin/devices/{pid}/confirm/",
    "/otp/admin/devices/{pid}/reset-throttling/",
    "/otp/admin/devices/{pid}/remove/",
    "/otp/admin/devices/{pid}/backup-codes/",
];
const TYPES: [&str; 4] = [
    "application/x-www-form-urlencoded",
    "application/json",
    "",
    "multipart/form-data; boundary=x",
];

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    let [route, flags, which, body @ ..] = data else {
        return;
    };
    let mut app = APP.with(|a| a.borrow_mut().take());
    if app.as_ref().is_none_or(|a| a.uses >= 64) {
        app = Some(rt().block_on(build()));
    }
    let Some(mut app) = app else { return };
    app.uses += 1;
    rt().block_on(one(&app, *route, *flags, *which, body));
    APP.with(|a| *a.borrow_mut() = Some(app));
});

async fn one(app: &App, route: u8, flags: u8, which: u8, body: &[u8]) {
    // Fresh TOTP step and no throttle delay left from earlier inputs.
    app.clock.advance_secs(3601);
    let mut cookie = None;
    match flags & 3 {
        // Pending login: the password step.
        1 => {
            post_json(
                app,
                &mut cookie,
                "/otp/login/",
                serde_json::json!({"username": "alice", "password": "pw"}),
            )
            .await;
        }
        // Verified: password and the current TOTP code.
        2 | 3 => {
            if let Ok(code) = app.engine.current_totp(&app.pids[0]).await {
                post_json(
                    app,
                    &mut cookie,
                    "/otp/login/",
                    serde_json::json!({"username": "alice", "password": "pw",
                        "otp_device": app.pids[0], "otp_token": code.expose()}),
                )
                .await;
            }
        }
        _ => {}
    }
    let pid = &app.pids[usize::from(which % 3)];
    let path = ROUTES[usize::from(route) % ROUTES.len()].replace("{pid}", pid);
    let mut req = Request::post(path.as_str());
    let ct = TYPES[usize::from((flags >> 2) & 3)];
    if !ct.is_empty() {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    if flags & 0x10 != 0 {
        req = req.header(header::ACCEPT, "application/json");
    }
    if flags & 0x20 != 0 {
        let token = csrf(app, &mut cookie).await;
        req = req.header("x-csrf-token", token);
    }
    let req = req.body(Body::from(body.to_vec())).expect("request");
    let r = send(app, &mut cookie, req).await;
    assert_ne!(
        r.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "500 on {path}: {}",
        r.body
    );
    assert_ne!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "503 on {path}: {}",
        r.body
    );
}
