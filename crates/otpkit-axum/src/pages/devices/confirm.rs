//! The confirmation pages of `/devices/` (docs/behaviour.md §7.7): a person confirms before a
//! device is removed and before new backup codes replace the unused ones. Each page says
//! what will happen — that the session is no longer verified when its own device goes, that
//! no method is left after the last one — and posts the action with `confirm=yes`.
//!
//! Both need a fresh verification, like the action they lead to, so that confirming never
//! ends on the verification page.

use axum::extract::Path;
use axum::response::Response;
use http::StatusCode;
use minijinja::context;

use super::actions::verified_by;
use super::{STATIC, codes_left, device_url, own_device, titled};
use crate::i18n::Arg;
use crate::pages::access::{require_fresh, signed_in};
use crate::pages::context::Page;
use crate::pages::refusal::{OrInternal, PageError};

/// What a confirmation page (`otpkit/confirm.html`) shows: the question, what follows, the
/// form's target (which gets `confirm=yes`) and button, and where "Cancel" goes.
pub(crate) struct Confirm {
    pub(crate) title: String,
    pub(crate) paragraphs: Vec<String>,
    pub(crate) action: String,
    pub(crate) button: String,
    pub(crate) danger: bool,
    pub(crate) cancel: String,
}

/// Renders a confirmation page.
pub(crate) async fn render(page: &Page, c: Confirm) -> Response {
    page.render(
        StatusCode::OK,
        "otpkit/confirm.html",
        &c.title,
        context! {
            heading => &c.title,
            paragraphs => c.paragraphs,
            action => c.action,
            button => c.button,
            danger => c.danger,
            cancel => c.cancel,
        },
    )
    .await
}

/// `GET /devices/{model_label}/{id}/remove/`: "Remove “Phone”?", with what it means.
pub(crate) async fn remove_get(
    Path((label, id)): Path<(String, String)>,
    page: Page,
) -> Result<Response, PageError> {
    let kit = &page.kit;
    let pid = format!("{label}/{id}");
    let here = kit.url(&format!("/devices/{pid}/remove/"));
    let (state, user) = signed_in(&page, &here).await?;
    let d = own_device(&page, &user, &pid).await?;
    require_fresh(&page, &state, &user, &here).await?;
    let others = kit
        .engine()
        .devices_for_user(Some(&user), Some(true))
        .await
        .or_internal()?
        .iter()
        .any(|o| o.id() != d.id());
    let args = [("name", Arg::from(titled(&page, &d)))];
    let mut paragraphs = vec![page.t("devices-remove-what")];
    if d.model_label() == STATIC {
        paragraphs.push(page.t("devices-remove-static"));
    }
    if verified_by(&state, &d.persistent_id()) {
        paragraphs.push(page.t("devices-remove-current"));
    }
    if d.confirmed() && !others {
        paragraphs.push(if kit.web_settings().login_otp_optional {
            page.t("devices-remove-last")
        } else {
            page.t("devices-remove-last-required")
        });
    }
    let c = Confirm {
        title: page.t_with("devices-remove-title", &args),
        paragraphs,
        action: format!("{}/remove/", device_url(kit, &d)),
        button: page.t("devices-remove-button"),
        danger: true,
        cancel: kit.url("/devices/"),
    };
    Ok(render(&page, c).await)
}

/// `GET /devices/backup-codes/regenerate/`: "Get new backup codes?", with how many unused
/// codes stop working.
pub(crate) async fn regenerate_get(page: Page) -> Result<Response, PageError> {
    let kit = &page.kit;
    let here = kit.url("/devices/backup-codes/regenerate/");
    let (state, user) = signed_in(&page, &here).await?;
    require_fresh(&page, &state, &user, &here).await?;
    let left = unused_codes(&page, &user).await?;
    let c = Confirm {
        title: page.t("devices-regenerate-title"),
        paragraphs: vec![
            page.t_with("devices-regenerate-what", &[("left", Arg::from(left))]),
            page.t("devices-regenerate-save"),
        ],
        action: kit.url("/devices/backup-codes/"),
        button: page.t("devices-regenerate-button"),
        danger: false,
        cancel: kit.url("/devices/"),
    };
    Ok(render(&page, c).await)
}

/// How many unused backup codes `user` has (over their backup-code devices).
pub(crate) async fn unused_codes(page: &Page, user: &otpkit::UserId) -> Result<u64, PageError> {
    let devices = page
        .kit
        .engine()
        .devices_for_user(Some(user), None)
        .await
        .or_internal()?;
    Ok(devices
        .iter()
        .filter_map(|d| codes_left(&page.kit, d))
        .sum())
}
