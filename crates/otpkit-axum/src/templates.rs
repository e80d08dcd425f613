//! HTML templates: embedded defaults, overridable by the application.
//!
//! Templates are [minijinja](https://docs.rs/minijinja) with HTML auto-escaping. Every page
//! extends `otpkit/base.html`. An application replaces any template by name — its version
//! takes precedence over the embedded one — with [`Templates::with_override`] or a whole
//! loader with [`Templates::with_loader`]. The defaults use no inline style, script or event
//! handler, so they work under `Content-Security-Policy: default-src 'self'` (docs/behaviour.md
//! §7.5); overrides should keep it that way.
//!
//! Every sentence of the default templates comes from the catalogues ([`crate::i18n`]):
//! `{{ t("message-id", name=value) }}` renders a message in the request's language and
//! `{{ ago(time) }}` a human time ("2 minutes ago") in a `<time datetime>` element. Besides
//! each page's own values, every template sees `lang` (the language tag), `site_name`,
//! `title`, `user`, `level` (`anonymous`, `authenticated` or `verified`), `csrf_token`,
//! `languages` (each with `tag`, `name`, `current`), `here` (the page's path and query) and
//! `urls` (`login`, the effective `OTP_LOGIN_URL`; `verify`, `logout`, `devices`, `totp_new`,
//! `email_new`, `backup_codes`, `admin`, `admin_login`, `css`, `js`, `language`, `home`).
//!
//! `otpkit/code_step_form.html` is a partial, not a page: the code step's forms (the shown
//! method's field or its "send a code" button, and the other methods), included by
//! `otpkit/login.html` and rendered alone by [`crate::CodeStep`] for an application's own
//! page. Its values: `action` (where the forms post), `next`, `csrf_token`, `method` (`kind`
//! — `app`, `email`, `backup` or another kind's —, `device`, `name`, `numeric`,
//! `interactive`, `sent`), `others` (each with `kind`, `device`, `name`, `interactive`,
//! `many`, `href`) and, on the login page, `error`. Override it to change the code step
//! everywhere.
//!
//! ```
//! use otpkit_axum::Templates;
//! let t = Templates::new().with_override(
//!     "otpkit/base.html",
//!     "<!doctype html><title>{{ title }}</title>{% block content %}{% endblock %}",
//! );
//! assert!(t.names().any(|n| n == "otpkit/login.html"));
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use minijinja::Environment;

/// The embedded templates, by name.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("otpkit/base.html", include_str!("../templates/base.html")),
    (
        "otpkit/language_chooser.html",
        include_str!("../templates/language_chooser.html"),
    ),
    ("otpkit/login.html", include_str!("../templates/login.html")),
    (
        "otpkit/code_step_form.html",
        include_str!("../templates/code_step_form.html"),
    ),
    (
        "otpkit/logout.html",
        include_str!("../templates/logout.html"),
    ),
    (
        "otpkit/message.html",
        include_str!("../templates/message.html"),
    ),
    (
        "otpkit/devices.html",
        include_str!("../templates/devices.html"),
    ),
    (
        "otpkit/confirm.html",
        include_str!("../templates/confirm.html"),
    ),
    (
        "otpkit/totp_new.html",
        include_str!("../templates/totp_new.html"),
    ),
    (
        "otpkit/email_new.html",
        include_str!("../templates/email_new.html"),
    ),
    (
        "otpkit/backup_codes.html",
        include_str!("../templates/backup_codes.html"),
    ),
    (
        "otpkit/setup_steps.html",
        include_str!("../templates/setup_steps.html"),
    ),
    (
        "otpkit/setup_choose.html",
        include_str!("../templates/setup_choose.html"),
    ),
    (
        "otpkit/setup_done.html",
        include_str!("../templates/setup_done.html"),
    ),
    (
        "otpkit/admin_list.html",
        include_str!("../templates/admin_list.html"),
    ),
    (
        "otpkit/admin_device.html",
        include_str!("../templates/admin_device.html"),
    ),
    (
        "otpkit/admin_add.html",
        include_str!("../templates/admin_add.html"),
    ),
    (
        "otpkit/admin_config.html",
        include_str!("../templates/admin_config.html"),
    ),
];

/// The stylesheet served at `{prefix}/static/otpkit.css`.
pub const STYLESHEET: &str = include_str!("../static/otpkit.css");

/// The script served at `{prefix}/static/otpkit.js`: progressive enhancement only (every page
/// works without it). It disables a form's submit buttons after the first submission and wires
/// the `data-copy-target`, `data-print` and `data-download` buttons; see the comment at its
/// top for the attributes. It is an external file from the site's origin, so it runs under
/// `Content-Security-Policy: default-src 'self'`.
pub const SCRIPT: &str = include_str!("../static/otpkit.js");

type Loader = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The template set: application overrides first, then the embedded defaults.
#[derive(Clone)]
pub struct Templates {
    overrides: HashMap<String, String>,
    loader: Option<Loader>,
    env: Arc<Environment<'static>>,
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Templates")
            .field("overrides", &self.overrides.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    /// The embedded templates.
    pub fn new() -> Self {
        let mut t = Templates {
            overrides: HashMap::new(),
            loader: None,
            env: Arc::new(Environment::new()),
        };
        t.rebuild();
        t
    }

    /// Replaces the template `name` (e.g. `otpkit/login.html`) with `source`.
    pub fn with_override(mut self, name: impl Into<String>, source: impl Into<String>) -> Self {
        self.overrides.insert(name.into(), source.into());
        self.rebuild();
        self
    }

    /// Asks `loader` for every template first; `None` falls back to the embedded one.
    pub fn with_loader(
        mut self,
        loader: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.loader = Some(Arc::new(loader));
        self.rebuild();
        self
    }

    /// The names of the embedded templates.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        EMBEDDED.iter().map(|(n, _)| *n)
    }

    fn rebuild(&mut self) {
        let overrides = self.overrides.clone();
        let loader = self.loader.clone();
        let mut env = Environment::new();
        crate::i18n::template::register(&mut env);
        env.set_loader(move |name| {
            if let Some(s) = overrides.get(name) {
                return Ok(Some(s.clone()));
            }
            if let Some(l) = &loader
                && let Some(s) = l(name)
            {
                return Ok(Some(s));
            }
            Ok(EMBEDDED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| (*s).to_owned()))
        });
        self.env = Arc::new(env);
    }

    /// Renders `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }
}
