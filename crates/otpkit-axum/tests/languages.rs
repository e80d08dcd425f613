//! Every page and every JSON message in the language the request asks for (issue 14): the
//! language cookie, then `Accept-Language`, then `OTPKIT_DEFAULT_LANGUAGE`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use axum::body::Body;
use common::*;
use http::{Request, StatusCode, header};

#[tokio::test]
async fn accept_language_chooses_the_pages_and_the_json_messages() {
    let t = app();
    let mut c = Client::new(&t);
    c.lang = Some("de-DE,de;q=0.9,en;q=0.5".into());
    let r = c.get("/otp/login/").await;
    assert!(r.body.contains("<html lang=\"de\">"), "{}", r.body);
    assert!(r.body.contains("Zum Hauptinhalt springen"), "{}", r.body);
    let r = c
        .post_json(
            "/otp/login/",
            serde_json::json!({"username": "alice", "password": "wrong"}),
        )
        .await;
    assert_eq!(r.json()["error"], "invalid_login", "the code never changes");
    assert_eq!(
        r.json()["message"],
        "Benutzername oder Passwort sind nicht korrekt. Achte bei beiden auf Groß- und Kleinschreibung."
    );
    c.lang = Some("pt-BR".into());
    let r = c.get("/otp/login/").await;
    assert!(
        r.body.contains("<html lang=\"pt\">"),
        "pt-BR is answered in pt"
    );
    c.lang = Some("ja".into());
    let r = c.get("/otp/login/").await;
    assert!(
        r.body.contains("<html lang=\"en\">"),
        "unknown: the default"
    );
}

#[tokio::test]
async fn the_default_language_is_a_setting() {
    let t = app_web(|w| w.default_language = "fr".into());
    let mut c = Client::new(&t);
    let r = c.get("/otp/login/").await;
    assert!(r.body.contains("<html lang=\"fr\">"), "{}", r.body);
    c.lang = Some("es".into());
    assert!(
        c.get("/otp/login/")
            .await
            .body
            .contains("<html lang=\"es\">")
    );
}

#[tokio::test]
async fn the_chooser_keeps_the_choice_in_a_cookie() {
    let t = app();
    let mut c = Client::new(&t);
    let r = c.get("/otp/language/?lang=es&next=/otp/devices/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/otp/devices/");
    let cookie = r.header("set-cookie").expect("a cookie");
    assert!(cookie.starts_with("otpkit_lang=es;"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // The cookie wins over Accept-Language.
    let r = c
        .send(
            Request::get("/otp/login/")
                .header(header::COOKIE, "otpkit_lang=es")
                .header(header::ACCEPT_LANGUAGE, "de")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(r.body.contains("<html lang=\"es\">"), "{}", r.body);
    // An unknown language or an unsafe next: no cookie, the default target.
    let r = c
        .get("/otp/language/?lang=xx&next=https://evil.example/")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/");
    assert!(r.header("set-cookie").is_none());
}

#[tokio::test]
async fn the_guard_answers_in_the_requests_language() {
    let t = app();
    let mut c = Client::new(&t);
    c.lang = Some("fr".into());
    let r = c.get_json("/require-otp/").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "otp_required");
    assert_eq!(
        r.json()["message"],
        "Confirmez qu’il s’agit bien de vous avec un code de vérification."
    );
}

#[tokio::test]
async fn the_script_is_served_from_a_file() {
    let t = app();
    let mut c = Client::new(&t);
    let r = c.get("/otp/static/otpkit.js").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    let page = c.get("/otp/login/").await;
    assert!(
        page.body
            .contains("<script src=\"&#x2f;otp&#x2f;static&#x2f;otpkit.js\" defer></script>"),
        "{}",
        page.body
    );
}

/// The code email speaks the language of the request that asked for it, unless the operator
/// configured its subject or body.
#[tokio::test]
async fn the_code_email_is_in_the_requests_language() {
    let t = app();
    let mut c = Client::new(&t);
    c.lang = Some("de".into());
    c.login_password("nodev").await;
    let r = c
        .post("/otp/devices/email/new/", &[("email", "nodev@example.com")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mail = t.mailer.last().expect("a code email");
    assert_eq!(mail.subject.expose(), "Dein Bestätigungscode");
    let text = mail.text.expose();
    let code: String = text.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "{text}");
    assert!(
        text.starts_with(&format!("Dein Bestätigungscode lautet {code}.")),
        "{text}"
    );

    let t = app_with(|s| s.email.subject = "Login code".into());
    let mut c = Client::new(&t);
    c.lang = Some("de".into());
    c.login_password("nodev").await;
    c.post("/otp/devices/email/new/", &[("email", "nodev@example.com")])
        .await;
    let mail = t.mailer.last().expect("a code email");
    assert_eq!(
        mail.subject.expose(),
        "Login code",
        "the operator's subject wins"
    );
    assert!(
        mail.text
            .expose()
            .starts_with("Dein Bestätigungscode lautet ")
    );
}
