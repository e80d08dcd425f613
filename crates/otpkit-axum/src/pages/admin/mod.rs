//! The admin area (`/admin/`, docs/behaviour.md §7.8): the device list with filters and search.
//! Access: active **and** staff **and** verified ([`access::admin`]); anyone else is sent
//! to `/admin/login/?next=…`.
//!
//! The other pages and forms live in submodules, one concept each: [`device`] (a device's
//! page and its configuration and QR code views), [`actions`] (the device actions and the
//! bulk "Reset throttling"), [`add`] (the add form), [`change`] (the configuration
//! fields of the change form) and [`sessions`] ("Sign out all of this user's sessions"). Their HTML answers are redirects (Post/Redirect/Get, see
//! [`crate::flash`]); the pages show what they left, once.

pub(crate) mod actions;
pub(crate) mod add;
mod change;
pub(crate) mod compliance;
pub(crate) mod confirm;
pub(crate) mod device;
pub(crate) mod sessions;

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::store::DeviceQuery;
use otpkit::{Device, Timestamp};

use super::access;
use super::context::Page;
use super::devices::{kind_text, label_text, shown_name};
use super::form::{Fields, Query};
use super::refusal::{OrInternal, PageError};
use crate::api::{AdminDeviceList, AdminDeviceRow};
use crate::error::Code;
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::web::secure;

/// The flash field naming the form field whose value was refused, so that the page shows
/// the error next to it.
const INVALID_FIELD: &str = "invalid";

/// The model labels of the kinds with a key and a QR code.
const OATH: [&str; 2] = ["otp_totp.totpdevice", "otp_hotp.hotpdevice"];

/// Leaves `flash` for the next GET of `to` and answers 302: the status of the actions that
/// redirected before they had anything to show (a browser follows it with a GET, as a 303).
async fn found_with(page: &Page, to: &str, flash: Flash) -> Result<Response, PageError> {
    let mut resp = page.see_other(to, flash).await?;
    *resp.status_mut() = StatusCode::FOUND;
    Ok(resp)
}

/// The device `{label}/{id}`, whoever owns it; 404 `not_found` if there is none.
async fn device_of(page: &Page, label: &str, id: &str) -> Result<Device, PageError> {
    page.kit
        .engine()
        .from_persistent_id(&format!("{label}/{id}"))
        .await
        .or_internal()?
        .ok_or(PageError::Code(Code::NotFound))
}

fn base(kit: &OtpKit, d: &Device) -> String {
    kit.url(&format!(
        "/admin/devices/{}/{}/",
        d.model_label(),
        d.record().pid_number()
    ))
}

fn locked(kit: &OtpKit, d: &Device) -> bool {
    matches!(
        kit.engine().verify_is_allowed(d),
        Err(otpkit::policy::VerifyNotAllowed::LockedOut { .. })
    )
}

fn since(filter: Option<&str>, now: Timestamp) -> Option<Timestamp> {
    let days = match filter? {
        "1d" => 1,
        "7d" => 7,
        "30d" => 30,
        _ => return None,
    };
    Some(now.add_secs(-days * 86_400))
}

/// The list's filters and search, from the query.
struct Filter<'q> {
    search: Option<String>,
    kind: Option<String>,
    confirmed: Option<bool>,
    created: Option<Timestamp>,
    used: Option<&'q str>,
    used_since: Option<Timestamp>,
}

impl<'q> Filter<'q> {
    fn of(q: &'q Fields, now: Timestamp) -> Filter<'q> {
        Filter {
            search: q.non_empty("q").map(|s| s.trim().to_lowercase()),
            kind: q.non_empty("kind").map(str::to_owned),
            confirmed: match q.get("confirmed") {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                _ => None,
            },
            created: since(q.get("created"), now),
            used: q.get("used"),
            used_since: since(q.get("used"), now),
        }
    }

    /// Whether `d` passes the `created` and `used` filters.
    fn dates_match(&self, d: &Device) -> bool {
        if self.created.is_some_and(|c| d.created_at() < c) {
            return false;
        }
        match (self.used, self.used_since) {
            (Some("never"), _) => d.last_used_at().is_none(),
            (_, Some(s)) => d.last_used_at().is_some_and(|t| t >= s),
            _ => true,
        }
    }

    /// Whether the search (user id, display name, email) finds `d`.
    async fn search_matches(&self, kit: &OtpKit, d: &Device) -> bool {
        let Some(s) = &self.search else {
            return true;
        };
        let mut hay = d.user().as_str().to_lowercase();
        if let Some(i) = kit.engine().users().lookup(d.user()).await {
            hay.push('\n');
            hay.push_str(&i.display_name.unwrap_or_default().to_lowercase());
            hay.push('\n');
            hay.push_str(&i.email.unwrap_or_default().to_lowercase());
        }
        hay.contains(s.as_str())
    }
}

/// A row of the list, for the page and the JSON answer (`kind_text` is the kind in plain
/// words, in the request's language).
fn row(page: &Page, d: &Device) -> AdminDeviceRow {
    let kit = &page.kit;
    let hide = kit.web_settings().admin_hide_sensitive_data;
    let oath = OATH.contains(&d.model_label());
    AdminDeviceRow {
        confirmed: d.confirmed(),
        created_at: d.created_at().to_rfc3339(),
        failure_count: d.throttle().failure_count,
        id: d.persistent_id(),
        kind: d.verbose_name().to_owned(),
        kind_text: kind_text(page, d),
        last_used_at: d.last_used_at().map(|t| t.to_rfc3339()),
        locked: locked(kit, d),
        name: d.name().to_owned(),
        qr_url: (oath && !hide).then(|| format!("{}config/", base(kit, d))),
        reenrolment_recommended: kit.engine().reenrolment_recommended(d),
        shown_name: shown_name(page, d),
        url: base(kit, d),
        user: d.user().as_str().to_owned(),
    }
}

/// The rows of the devices `f` keeps, at most 500.
async fn rows(page: &Page, f: &Filter<'_>) -> Result<Vec<AdminDeviceRow>, otpkit::Error> {
    let kit = &page.kit;
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let batch = kit
            .engine()
            .list_devices(&DeviceQuery {
                model_label: f.kind.clone(),
                confirmed: f.confirmed,
                after_id: after,
                limit: Some(500),
                ..DeviceQuery::default()
            })
            .await?;
        let Some(last) = batch.last() else {
            return Ok(rows);
        };
        after = Some(last.id());
        for d in batch {
            if f.dates_match(&d) && f.search_matches(kit, &d).await {
                rows.push(row(page, &d));
                if rows.len() >= 500 {
                    return Ok(rows);
                }
            }
        }
    }
}

/// `GET /admin/`: the device list. Query: `q` (user id, display name or email), `kind`,
/// `confirmed` (`yes`/`no`), `created` and `used` (`1d`/`7d`/`30d`; `used=never`).
#[utoipa::path(
    get,
    path = "/admin/",
    tag = "admin",
    operation_id = "admin_devices",
    description = "Every user's devices, filtered and searched (at most 500).",
    params(crate::api::AdminListQuery),
    responses(
        (status = 200, description = "The devices.", body = crate::api::AdminDeviceList),
        (status = 401, description = "`otp_required`: not a verified staff user (`login_url` is the admin login).", body = crate::api::Refusal),
    )
)]
pub(crate) async fn list(page: Page, Query(q): Query) -> Result<Response, PageError> {
    let kit = &page.kit;
    access::admin(&page).await?;
    let filter = Filter::of(&q, kit.engine().now());
    let rows = rows(&page, &filter).await.or_internal()?;
    if page.json {
        return Ok(secure(
            axum::Json(AdminDeviceList { devices: rows }).into_response(),
        ));
    }
    let flash = page.take_flash().await?.unwrap_or_default();
    let kinds: Vec<_> = kit
        .engine()
        .registry()
        .kinds()
        .map(|k| {
            let name =
                label_text(&page, k.model_label()).unwrap_or_else(|| k.verbose_name().to_owned());
            context! { label => k.model_label(), name => name }
        })
        .collect();
    Ok(page
        .render(
            StatusCode::OK,
            "otpkit/admin_list.html",
            &page.t("admin-list-title"),
            context! {
                devices => rows,
                kinds => kinds,
                q => q.get("q").unwrap_or(""),
                kind => filter.kind,
                confirmed => q.get("confirmed").unwrap_or(""),
                created => q.get("created").unwrap_or(""),
                used => filter.used.unwrap_or(""),
                hide_sensitive => kit.web_settings().admin_hide_sensitive_data,
                error => flash.error,
                code => flash.code,
                info => flash.info,
            },
        )
        .await)
}
