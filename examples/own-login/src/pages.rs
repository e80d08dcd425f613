//! The application's pages: home, settings and the JSON route `/api/me`, rendered from the
//! templates in `templates/` (minijinja, HTML escaped).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, context};

use crate::AppState;
use crate::login::CurrentUser;

/// The application's templates.
#[derive(Debug, Clone)]
pub struct Templates(Arc<Environment<'static>>);

impl Templates {
    /// The templates of `templates/`, compiled in.
    pub fn load() -> Result<Templates, minijinja::Error> {
        let mut env = Environment::new();
        env.add_template("base.html", include_str!("../templates/base.html"))?;
        env.add_template("login.html", include_str!("../templates/login.html"))?;
        env.add_template("home.html", include_str!("../templates/home.html"))?;
        env.add_template("settings.html", include_str!("../templates/settings.html"))?;
        Ok(Templates(Arc::new(env)))
    }

    /// The page `name` rendered with `ctx` (500 if the template fails).
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Response {
        match self.0.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => Html(html).into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

/// `GET /`: the home page.
pub async fn home(State(app): State<AppState>, CurrentUser(user): CurrentUser) -> Response {
    app.templates
        .render("home.html", context! { name => user.name })
}

/// `GET /settings`: the account, and the second factor's links and forms.
pub async fn settings(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    otpkit_axum::CsrfToken(csrf_token): otpkit_axum::CsrfToken, // otpkit
) -> Response {
    let ctx = context! {
        name => user.name,
        username => user.username,
        csrf_token, // otpkit
    };
    app.templates.render("settings.html", ctx)
}

/// `GET /api/me`: the signed-in user as JSON.
pub async fn me(CurrentUser(user): CurrentUser) -> Json<serde_json::Value> {
    Json(serde_json::json!({"username": user.username, "name": user.name}))
}
