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
//! `{{ ago(time) }}` a human time ("2 minutes ago") in a `<time datetime>` element.
//!
//! The reference below lists, for every embedded template, what it is for, which route
//! renders it, the values of its context besides the common ones, and its blocks. A value
//! marked *(unused by the default)* is in the context for an override's sake; the embedded
//! template does not read it. Times are RFC 3339 text (give them to `ago()`); "or none" means
//! the value may be `none`. A test (`tests/templates.rs`) keeps this reference and the
//! templates in step.
//!
//! ## What every template sees
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `lang` | text | the language tag of the answer (`en`, `de`, …) |
//! | `i18n` | object | the catalogue and language `t()` and `ago()` read; not for display |
//! | `site_name` | text | `OTP_SITE_NAME` |
//! | `title` | text | the page's title, in the request's language |
//! | `user` | text or none | the signed-in user's id |
//! | `level` | text | `anonymous`, `authenticated` or `verified` |
//! | `is_staff` | yes/no | whether the signed-in user is staff (the header links the admin area) |
//! | `csrf_token` | text | the session's CSRF token, for every form's `csrf_token` field |
//! | `languages` | list | the languages to choose from, each with `tag`, `name` (in its own language) and `current` (yes/no) |
//! | `here` | text | the page's path and query (where the language chooser comes back to) |
//! | `urls` | map | the addresses below |
//!
//! | Address | What it is |
//! |---|---|
//! | `urls.login` | the sign-in page: the effective `OTP_LOGIN_URL` |
//! | `urls.verify` | the code step of a signed-in user (`{prefix}/verify/`) *(unused by the default)* |
//! | `urls.logout` | sign out (`{prefix}/logout/`) |
//! | `urls.devices` | the user's sign-in methods (`{prefix}/devices/`) |
//! | `urls.setup` | the guided setup: choose a method (`{prefix}/devices/new/`) |
//! | `urls.totp_new` | add an authenticator app (`{prefix}/devices/totp/new/`) |
//! | `urls.email_new` | add email codes (`{prefix}/devices/email/new/`) |
//! | `urls.backup_codes` | backup codes (`{prefix}/devices/backup-codes/`) |
//! | `urls.admin` | the admin area (`{prefix}/admin/`) |
//! | `urls.admin_login` | the admin sign-in (`{prefix}/admin/login/`) *(unused by the default)* |
//! | `urls.css` | the stylesheet ([`STYLESHEET`]) |
//! | `urls.js` | the script ([`SCRIPT`]) |
//! | `urls.language` | the language chooser's target (`{prefix}/language/`) |
//! | `urls.home` | `OTPKIT_LOGIN_REDIRECT_URL`, where "Continue" goes |
//!
//! Pages showing a problem or a notice have `error` (the problem's sentence, or none),
//! `code` (its stable [`crate::Code`], written to `data-code`) and `info` (a notice, or none),
//! where the tables below list them.
//!
//! ## The templates
//!
//! ### `otpkit/base.html`
//!
//! The layout every page extends: the `<head>`, the site header (sign in, or the signed-in
//! user, the security and admin links and sign out), `<main>` and a footer with the language
//! chooser (it includes `otpkit/language_chooser.html`). Rendered by no route itself. It reads
//! only the common values.
//!
//! Blocks: `title`, `head`, `header`, `content`, `footer`.
//!
//! `title` is the text of `<title>` (by default "title | site name"), `head` extra elements at
//! the end of `<head>` (empty by default), `header` the site header, `content` the page inside
//! `<main>` (every page fills it) and `footer` the footer with the language chooser. A page
//! template, or an application's override of one, replaces any of them with
//! `{% block header %}…{% endblock %}`; `{{ super() }}` keeps the default's content.
//!
//! ### `otpkit/language_chooser.html`
//!
//! A partial: the language chooser form (a `GET` to `urls.language` with `next` = `here`),
//! included by `otpkit/base.html`; an application's own layout may include it too. It reads
//! only the common values (`languages`, `here`, `urls`).
//!
//! Blocks: none.
//!
//! ### `otpkit/login.html`
//!
//! The sign-in pages: `{prefix}/login/` (the password step, then the code step),
//! `{prefix}/admin/login/` and `{prefix}/verify/` (the code step of a signed-in user); also
//! "no sign-in method yet". On the code step it includes `otpkit/code_step_form.html`, whose
//! values it has as well.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `step` | text | `credentials` (user name and password), `token` (the code step) or `no_device` |
//! | `flow` | text | `login`, `verify` or `admin`: which page |
//! | `admin` | yes/no | the admin sign-in |
//! | `action` | text | where the forms post (the page's own address) |
//! | `next` | text | where to go after signing in (a hidden field) |
//! | `continue_url` | text | the safe `next`, or `urls.home`: the "Continue" link of a verified user |
//! | `who` | text or none | the user being signed in or verified |
//! | `signed_in` | text or none | on the password step, the user who is already signed in and verified |
//! | `authenticated_as` | text or none | on the admin sign-in, the signed-in user who may not use the admin area |
//! | `username` | text or none | the user name typed before a refused password |
//! | `error` | text or none | the problem |
//! | `code` | text or none | the problem's code |
//! | `info` | text or none | a notice ("We sent a code…") |
//! | `sign_ins` | list | on the password step of `{prefix}/login/`, the sign-ins without a password (e.g. "Sign in with a passkey", [`KindStep::sign_in`](crate::extension::KindStep::sign_in)): each `href` (with `next`) and `label` |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/code_step_form.html`
//!
//! A partial, not a page: the code step's forms (the shown method's field or its "send a
//! code" button, and the other methods), included by `otpkit/login.html` and rendered alone
//! by [`crate::CodeStep`] for an application's own page. Override it to change the code step
//! everywhere.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `action` | text | where the forms post |
//! | `next` | text | where to go after the code (a hidden field) |
//! | `method` | map or none | the method shown: `kind` (`app`, `email`, `backup` or another kind's), `device` (its id), `name`, `numeric` (digits only), `interactive` (sends a code), `sent` (a code was sent, or none is needed), `available` (it can give a code on this site: not an email device without a mailer; the form then says so instead of offering to send) |
//! | `others` | list | the other methods that can give a code on this site, each with `kind`, `device`, `name`, `interactive`, `many` (more than one email address) and `href` (the page showing it) |
//! | `steps` | list | the sign-in methods with a web step of their own (a passkey, [`crate::extension::KindStep`]) the user has, each with `href` (the step, with `next`) and `label`; when the user has no other method, `method` is none and only these links are shown |
//! | `error` | text or none | on the login page, the problem (its field points to it) |
//! | `trust_days` | number or none | on `{prefix}/login/` when trusted browsers are on: the days of "Trust this browser" (a checkbox `trust_browser` in the code's form) |
//!
//! Blocks: none.
//!
//! ### `otpkit/logout.html`
//!
//! `{prefix}/logout/`: the sign-out question (`GET`) and, after it, "You are signed out".
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `signed_out` | yes/no | the user is signed out (the question is not asked) |
//! | `next` | text | where to go after signing out (a hidden field) |
//! | `error` | text or none | the problem |
//! | `code` | text or none | the problem's code |
//! | `info` | text or none | a notice |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/message.html`
//!
//! A problem on a page of its own (any route that refuses in HTML: not found, forbidden,
//! unavailable, …), with a "Continue" link to `urls.home`.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `error` | text | the problem's sentence |
//! | `code` | text | the problem's code |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/devices.html`
//!
//! `{prefix}/devices/`: the user's sign-in methods, each with rename, unlock and remove, the
//! links to add one, and the user's signed-in sessions.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `devices` | list | the confirmed devices, each with `id`, `name`, `kind` (in plain words), `base` (the device's address), `remove_url`, `current` (verified this session), `is_static` (backup codes), `email` (address or none), `codes` ("5 codes left" or none), `confirmed`, `created_at`, `last_used_at` (or none), `locked`, `throttled_until` (or none) and `rename_error` (or none) |
//! | `regenerate_url` | text | the "new backup codes" confirmation page |
//! | `sessions` | list or none | "Your sessions": the user's signed-in sessions, oldest first, each with `description` ("Firefox on Linux"), `created_at`, `last_seen_at`, `current` (this session) and `end_url` (its "Sign out" form's address); none when the kit has no session index |
//! | `end_others_url` | text | the "Sign out all other sessions" form's address |
//! | `trusted` | list or none | "Trusted browsers": the user's browsers that skip the code step and have not expired, newest first, each with `description`, `created_at`, `last_seen_at`, `expires_at` and `revoke_url`; none when trusted browsers are off |
//! | `revoke_all_url` | text | the "Revoke all" form's address |
//! | `error` | text or none | the problem |
//! | `code` | text or none | the problem's code |
//! | `info` | text or none | a notice |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/confirm.html`
//!
//! A question before an action: removing a device (`{prefix}/devices/{label}/{id}/remove/`,
//! `{prefix}/admin/devices/{label}/{id}/remove/`), new backup codes
//! (`{prefix}/devices/backup-codes/regenerate/`, `{prefix}/admin/devices/{label}/{id}/backup-codes/`).
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `heading` | text | the question |
//! | `paragraphs` | list of text | what follows |
//! | `action` | text | where the form posts (with `confirm=yes`) |
//! | `button` | text | the button's label |
//! | `danger` | yes/no | the action destroys something |
//! | `cancel` | text | where "Cancel" goes |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/totp_new.html`
//!
//! `{prefix}/devices/totp/new/`: add an authenticator app, the setup's step 2. First the
//! name; then the QR code, the key and the field for the first code. Includes
//! `otpkit/setup_steps.html`.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `started` | yes/no | the device exists: show the QR code and the code field |
//! | `default_name` | text | before `started`, the name used when none is typed |
//! | `qr_svg` | HTML | once started, the QR code as inline SVG |
//! | `qr_url` | text | once started, the QR code as an SVG image's address *(unused by the default)* |
//! | `uri` | text | once started, the `otpauth://` URI |
//! | `secret` | text | once started, the key in Base32, in groups of four |
//! | `digits` | number | once started, the number of digits of a code |
//! | `error` | text or none | the problem |
//! | `step` | number | `2` |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/email_new.html`
//!
//! `{prefix}/devices/email/new/`: add email codes, the setup's step 2. First the address;
//! then the field for the code sent to it. Includes `otpkit/setup_steps.html`.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `started` | yes/no | a code was sent: show the code field |
//! | `email` | text | the user's known address, the field's default |
//! | `error` | text or none | the problem |
//! | `info` | text or none | a notice ("We sent a code…") |
//! | `step` | number | `2` |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/backup_codes.html`
//!
//! Backup codes, shown once: `{prefix}/devices/backup-codes/`, the setup's step 3
//! (`{prefix}/devices/new/backup-codes/`, with the "I have saved these codes" confirmation;
//! it then includes `otpkit/setup_steps.html`) and the admin's new batch for a user.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `codes` | list of text | the new codes; empty when they were shown already |
//! | `text` | text | the codes, one a line (the download's and the copy button's source) |
//! | `download` | text | a `data:` address of `text` |
//! | `setup` | yes/no | the guided setup's step |
//! | `unconfirmed` | yes/no | in the setup, the confirmation was missing |
//! | `acknowledge` | text | in the setup, where the confirmation posts |
//! | `regenerate` | text or none | where "make new codes" posts (`urls.backup_codes` when none) |
//! | `back` | text or none | where "Done" goes (`urls.devices` when none) |
//! | `step` | number or none | `3` in the setup |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/setup_steps.html`
//!
//! A partial: the guided setup's progress (choose, connect, backup codes, done), included by
//! the setup's pages.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `step` | number | `1` (choose), `2` (connect), `3` (backup codes) or `4` (done) |
//!
//! Blocks: none.
//!
//! ### `otpkit/setup_choose.html`
//!
//! `{prefix}/devices/new/`: choose a sign-in method, the setup's step 1. It offers only the
//! kinds this site can use (no email codes without a mailer). Includes
//! `otpkit/setup_steps.html`.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `methods` | list | the methods offered, each with `method` (`totp` or `email`), `model_label` and `url` |
//! | `kind_methods` | list | the methods with a web step of their own that offer an enrolment ([`crate::extension::KindStep::enrolment`]), each with `url`, `title` and `hint` |
//! | `first` | yes/no | the user has no sign-in method yet |
//! | `required` | text or none | why the user is here when the two-step policy requires a method ("This site requires two-step verification for your account…") |
//! | `later` | map or none | in the two-step policy's grace period: `until` (the day it ends, `YYYY-MM-DD`, UTC) and `url` (where "Not now" goes: the sign-in's `next`) |
//! | `step` | number | `1` |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/setup_done.html`
//!
//! `{prefix}/devices/new/done/`: the setup is complete, and what to do if the phone is lost.
//! Includes `otpkit/setup_steps.html`.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `device_name` | text or none | the new device's name |
//! | `method` | text or none | `totp`, `email` or `other` |
//! | `has_codes` | yes/no | the user has backup codes |
//! | `step` | number | `4` |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/admin_list.html`
//!
//! `{prefix}/admin/`: every device, with filters and "reset throttling" for a selection.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `devices` | list | each with `id`, `url` (its page), `qr_url` (or none), `user`, `name`, `shown_name`, `kind` (the kind's English name), `kind_text` (in plain words), `created_at`, `last_used_at` (or none), `confirmed`, `failure_count`, `locked` and `reenrolment_recommended` (a legacy key imported from django-otp) |
//! | `kinds` | list | the kinds to filter by, each with `label` and `name` |
//! | `q` | text | the search filter |
//! | `kind` | text or none | the kind filter |
//! | `confirmed` | text | the confirmed filter: `yes`, `no` or empty |
//! | `created` | text | the "added" filter: `1d`, `7d`, `30d` or empty |
//! | `used` | text | the "last used" filter: `1d`, `7d`, `30d`, `never` or empty |
//! | `hide_sensitive` | yes/no | `OTP_ADMIN_HIDE_SENSITIVE_DATA` |
//! | `error` | text or none | the problem |
//! | `code` | text or none | the problem's code |
//! | `info` | text or none | a notice |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/admin_users.html`
//!
//! `{prefix}/admin/users/without-2fa/`: the users the two-step policy covers who have no
//! sign-in method yet (docs/behaviour.md §7.11).
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `users` | list | each with `user` (the id) and `name` (the display name) |
//! | `complete` | yes/no | false when the list stopped at its limit |
//! | `policy` | text | `OTPKIT_ENFORCE_2FA`: `off`, `staff` or `everyone` |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/admin_device.html`
//!
//! `{prefix}/admin/devices/{label}/{id}/`: one device, its settings form and actions.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `base` | text | the device page's address (its actions post below it) |
//! | `id` | text | the device's id |
//! | `owner` | text | its user's id |
//! | `name` | text | its name as shown |
//! | `name_value` | text | the name field's value |
//! | `kind_text` | text | its kind in plain words |
//! | `reenrolment_recommended` | yes/no | imported from django-otp with a key shorter than 16 bytes |
//! | `is_static` | yes/no | backup codes |
//! | `oath` | yes/no | an authenticator app or a counter-based token (TOTP/HOTP) |
//! | `totp` | yes/no | TOTP |
//! | `confirmed` | yes/no | confirmed |
//! | `created_at` | time | added |
//! | `last_used_at` | time or none | last used |
//! | `failure_count` | number | failed attempts |
//! | `locked` | yes/no | locked after too many failures |
//! | `throttled_until` | time or none | paused until |
//! | `state` | list of pairs | the kind's own state, name and value |
//! | `config_url` | text or none | the QR code page (TOTP/HOTP, unless hidden) |
//! | `secret` | text or none | a new device's key, shown this once |
//! | `key` | text or none | the current key in Base32 (TOTP/HOTP, unless hidden) |
//! | `hide_sensitive` | yes/no | `OTP_ADMIN_HIDE_SENSITIVE_DATA` |
//! | `form` | map | the values typed before a refused form, by field |
//! | `end_sessions_url` | text or none | the "Sign out all of this user's sessions" form's address (none without a session index) |
//! | `revoke_trusted_url` | text or none | the "Revoke all of this user's trusted browsers" form's address (none when trusted browsers are off) |
//! | `name_error` | yes/no | the problem is the name field's |
//! | `error` | text or none | the problem |
//! | `code` | text or none | the problem's code |
//! | `info` | text or none | a notice |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/admin_add.html`
//!
//! `{prefix}/admin/devices/add/`: add a device for a user. It offers email codes (the kind and
//! the address field) only on a site that can send email.
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `sends_email` | yes/no | the site can send email ([`otpkit::Engine::sends_email`]) |
//! | `form` | map | the values typed before a refused form, by field |
//! | `error` | text or none | the problem |
//! | `code` | text or none | the problem's code |
//!
//! Blocks: `content`.
//!
//! ### `otpkit/admin_config.html`
//!
//! `{prefix}/admin/devices/{label}/{id}/config/`: a TOTP/HOTP device's QR code and URI
//! (refused under `OTP_ADMIN_HIDE_SENSITIVE_DATA`).
//!
//! | Value | Type | Meaning |
//! |---|---|---|
//! | `base` | text | the device page's address |
//! | `name` | text | the device's name as shown |
//! | `owner` | text | its user's id |
//! | `qr_url` | text | the QR code image's address |
//! | `uri` | text | the `otpauth://` URI |
//!
//! Blocks: `content`.
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
        "otpkit/admin_users.html",
        include_str!("../templates/admin_users.html"),
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
