//! The methods of the code step (docs/behaviour.md §7.3): what a person chooses between —
//! the authenticator app, an email code, a backup code, or a device of another kind — and
//! which one the page offers first.
//!
//! A method is a group of the user's confirmed devices: every TOTP and HOTP device is "the
//! authenticator app", every backup-code device "a backup code"; each email device and each
//! device of another kind is a method of its own. The page shows the field of one method
//! (its device posted as `otp_device`, a hint for the order in which the code is tried) and a
//! link or button for each of the others.

use minijinja::{Value, context};
use otpkit::Device;

/// What kind of method a device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// TOTP or HOTP: numeric codes from an authenticator app (or a hardware token).
    App,
    /// Numeric codes sent by email on request.
    Email,
    /// Backup codes: letters and digits.
    Backup,
    /// A device of another kind (an application's own), known by its name.
    Other,
}

impl Method {
    /// The method of `d`.
    pub(crate) fn of(d: &Device) -> Method {
        match d.model_label() {
            "otp_totp.totpdevice" | "otp_hotp.hotpdevice" => Method::App,
            "otp_email.emaildevice" => Method::Email,
            "otp_static.staticdevice" => Method::Backup,
            _ => Method::Other,
        }
    }

    /// The name the templates switch on.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::App => "app",
            Method::Email => "email",
            Method::Backup => "backup",
            Method::Other => "other",
        }
    }

    /// Whether its codes are digits only (the field gets `inputmode="numeric"` and
    /// `autocomplete="one-time-code"`).
    pub(crate) fn numeric(self) -> bool {
        matches!(self, Method::App | Method::Email)
    }

    /// Whether each device is a method of its own (rather than one for the whole group).
    fn per_device(self) -> bool {
        matches!(self, Method::Email | Method::Other)
    }
}

/// Whether `d` can give a code on this site: an email device needs a mailer
/// (`sends_email`, [`otpkit::Engine::sends_email`]); every other device can.
pub(crate) fn usable(d: &Device, sends_email: bool) -> bool {
    sends_email || Method::of(d) != Method::Email
}

/// The device the code step offers first, among those that can give a code
/// ([`usable`]): the one the user used last; else the authenticator app, else email, else a
/// backup code, else the first device. Only when none can, the first device (whose page
/// then says why it cannot).
pub(crate) fn preferred_method(devices: &[Device], sends_email: bool) -> Option<&Device> {
    let usable: Vec<&Device> = devices.iter().filter(|d| usable(d, sends_email)).collect();
    let used_last = usable
        .iter()
        .copied()
        .filter(|d| d.last_used_at().is_some())
        .max_by_key(|d| d.last_used_at());
    used_last
        .or_else(|| first_of(&usable, Method::App))
        .or_else(|| first_of(&usable, Method::Email))
        .or_else(|| first_of(&usable, Method::Backup))
        .or_else(|| usable.first().copied())
        .or_else(|| devices.first())
}

/// The device that stands for `method`: the one of that method used last, else the first.
fn first_of<'a>(devices: &[&'a Device], method: Method) -> Option<&'a Device> {
    let mut of = devices.iter().copied().filter(|d| Method::of(d) == method);
    let used = of
        .clone()
        .filter(|d| d.last_used_at().is_some())
        .max_by_key(|d| d.last_used_at());
    used.or_else(|| of.next())
}

/// The device to show: the one named by `wanted` (a persistent id from the form or the
/// link), if it is one of `devices`, else the preferred one.
pub(crate) fn current<'a>(
    devices: &'a [Device],
    wanted: Option<&str>,
    sends_email: bool,
) -> Option<&'a Device> {
    wanted
        .and_then(|w| devices.iter().find(|d| d.persistent_id() == w))
        .or_else(|| preferred_method(devices, sends_email))
}

/// The method shown, for the template: `kind`, `device` (its persistent id), `name`,
/// `numeric`, `interactive`, `sent` (a code was asked for, so the field is shown) and
/// `available` (it can give a code on this site: [`usable`]).
pub(crate) fn shown(d: &Device, sent: bool, sends_email: bool) -> Value {
    let m = Method::of(d);
    context! {
        kind => m.as_str(),
        device => d.persistent_id(),
        name => d.name(),
        numeric => m.numeric(),
        interactive => d.is_interactive(),
        sent => sent || !d.is_interactive(),
        available => usable(d, sends_email),
    }
}

/// The other methods, one entry per method (per device for email and other kinds), in the
/// order app, email, backup, other: `kind`, `device`, `name`, `href` (the page showing that
/// method, from `href(device)`), `interactive` (a button that sends a code instead of a link)
/// and `many` (more than one method of this kind, so the name tells them apart). A device
/// that cannot give a code on this site ([`usable`]) is not offered.
pub(crate) fn others(
    devices: &[Device],
    current: &Device,
    href: impl Fn(&str) -> String,
    sends_email: bool,
) -> Vec<Value> {
    let shown = Method::of(current);
    let usable: Vec<&Device> = devices.iter().filter(|d| usable(d, sends_email)).collect();
    let mut out = Vec::new();
    for method in [Method::App, Method::Email, Method::Backup, Method::Other] {
        let of: Vec<&Device> = usable
            .iter()
            .copied()
            .filter(|d| Method::of(d) == method)
            .collect();
        let entries: Vec<&Device> = if method.per_device() {
            of.clone()
        } else {
            first_of(&usable, method).into_iter().collect()
        };
        for d in entries {
            let pid = d.persistent_id();
            let same = if method.per_device() {
                pid == current.persistent_id()
            } else {
                method == shown
            };
            if same {
                continue;
            }
            out.push(context! {
                kind => method.as_str(),
                href => href(&pid),
                device => pid,
                name => d.name(),
                interactive => d.is_interactive(),
                many => of.len() > 1,
            });
        }
    }
    out
}
