//! The admin area's confirmation pages (docs/behaviour.md §7.8): an administrator confirms
//! before a device is deleted and before new backup codes replace a user's unused ones, as
//! the user does in self-service (§7.7). The HTML action without `confirm=yes` changes nothing
//! and leads here; JSON acts directly.

use axum::extract::Path;
use axum::response::Response;

use super::{base, device_of};
use crate::i18n::Arg;
use crate::pages::access;
use crate::pages::context::Page;
use crate::pages::devices::confirm::{Confirm, render, unused_codes};
use crate::pages::devices::{STATIC, titled};
use crate::pages::refusal::PageError;

/// `GET /admin/devices/{model_label}/{id}/remove/`: "Delete “Phone (Authenticator app)” of
/// alice?".
pub(crate) async fn remove_get(
    Path((label, id)): Path<(String, String)>,
    page: Page,
) -> Result<Response, PageError> {
    let admin = access::admin(&page).await?;
    let d = device_of(&page, &label, &id).await?;
    let here = base(&page.kit, &d);
    access::admin_fresh(&page, &admin, &format!("{here}remove/")).await?;
    let args = [
        ("name", Arg::from(titled(&page, &d))),
        ("user", Arg::from(d.user().as_str())),
    ];
    let c = Confirm {
        title: page.t_with("admin-remove-title", &args),
        paragraphs: vec![page.t_with("admin-remove-what", &args)],
        action: format!("{here}remove/"),
        button: page.t("admin-delete-button"),
        danger: true,
        cancel: here,
    };
    Ok(render(&page, c).await)
}

/// `GET /admin/devices/{model_label}/{id}/backup-codes/` (backup codes): "Generate new backup
/// codes for alice?", with how many unused codes stop working.
pub(crate) async fn backup_codes_get(
    Path((label, id)): Path<(String, String)>,
    page: Page,
) -> Result<Response, PageError> {
    let admin = access::admin(&page).await?;
    let d = device_of(&page, &label, &id).await?;
    if d.model_label() != STATIC {
        return Err(PageError::Code(crate::error::Code::NotFound));
    }
    let here = base(&page.kit, &d);
    access::admin_fresh(&page, &admin, &format!("{here}backup-codes/")).await?;
    let left = unused_codes(&page, d.user()).await?;
    let user = || ("user", Arg::from(d.user().as_str()));
    let c = Confirm {
        title: page.t_with("admin-codes-confirm-title", &[user()]),
        paragraphs: vec![
            page.t_with(
                "admin-codes-confirm-what",
                &[user(), ("left", Arg::from(left))],
            ),
            page.t_with("admin-codes-confirm-save", &[user()]),
        ],
        action: format!("{here}backup-codes/"),
        button: page.t("admin-codes-button"),
        danger: false,
        cancel: here,
    };
    Ok(render(&page, c).await)
}
