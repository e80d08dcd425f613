//! `otpkit device add …`: which options apply to which kind, an imported key or otpauth URI,
//! the new device, and what is printed.

use otpkit::engine::{HotpOptions, TotpOptions};
use otpkit::oath::Algorithm;
use otpkit::otpauth::OtpAuthKind;
use otpkit::{Device, SecretBytes, UserId};

use crate::cli::{AddArgs, AddKind};
use crate::context::Ctx;
use crate::failure::{Failure, Res};

/// The OATH parameters of a new TOTP or HOTP device: the options given, completed by an
/// imported otpauth URI.
struct Oath {
    key: Option<SecretBytes>,
    algorithm: Option<Algorithm>,
    digits: Option<u8>,
    step: Option<u32>,
    counter: Option<u64>,
}

/// `device add KIND --user USER …`: prints `created PID` (and the URI or QR code when asked),
/// or one JSON object with `--json`.
pub(crate) async fn device_add(ctx: &Ctx, a: AddArgs) -> Res {
    let user = ctx.user(&a.user).await?;
    check_options(&a)?;
    let oath = oath_parameters(&a)?;
    let device = create(ctx, &user, &a, oath).await?;
    print_created(ctx, &a, &device).await
}

/// Refuses options that do not apply to the kind.
fn check_options(a: &AddArgs) -> Res {
    let oath = matches!(a.kind, AddKind::Totp | AddKind::Hotp);
    let oath_only = a.algorithm.is_some()
        || a.digits.is_some()
        || a.tolerance.is_some()
        || a.secret.is_some()
        || a.key_hex.is_some()
        || a.uri.is_some()
        || a.show_uri
        || a.qr;
    if !oath && oath_only {
        return Err(Failure::input(
            "--algorithm, --digits, --tolerance, --secret, --key-hex, --uri, --show-uri and --qr apply to totp and hotp only",
        ));
    }
    if a.kind != AddKind::Totp && (a.step.is_some() || a.t0.is_some()) {
        return Err(Failure::input("--step and --t0 apply to totp only"));
    }
    if a.kind != AddKind::Hotp && a.counter.is_some() {
        return Err(Failure::input("--counter applies to hotp only"));
    }
    if a.kind != AddKind::Email && a.email.is_some() {
        return Err(Failure::input("--email applies to email devices only"));
    }
    Ok(())
}

/// The key and parameters from `--secret`/`--key-hex`, `--algorithm`, `--digits`, `--step`,
/// `--counter` and `--uri` (whose values fill what the options leave unset; its key wins).
fn oath_parameters(a: &AddArgs) -> Res<Oath> {
    let mut oath = Oath {
        key: imported_key(a)?,
        algorithm: parse_algorithm(a.algorithm.as_deref())?,
        digits: a.digits,
        step: a.step,
        counter: a.counter,
    };
    if let Some(uri) = &a.uri {
        let auth =
            otpkit::otpauth::parse(uri).map_err(|e| Failure::input(format!("--uri: {e}")))?;
        match (auth.kind, a.kind) {
            (OtpAuthKind::Totp { period }, AddKind::Totp) => {
                oath.step = oath.step.or(Some(period));
            }
            (OtpAuthKind::Hotp { counter: c }, AddKind::Hotp) => {
                oath.counter = oath.counter.or(Some(c));
            }
            _ => return Err(Failure::input("--uri: the URI is for another kind")),
        }
        oath.algorithm = oath.algorithm.or(Some(auth.algorithm));
        oath.digits = oath.digits.or(Some(auth.digits.get()));
        oath.key = Some(auth.secret);
    }
    Ok(oath)
}

fn parse_algorithm(a: Option<&str>) -> Res<Option<Algorithm>> {
    a.map(|s| {
        s.to_ascii_uppercase()
            .parse()
            .map_err(|_| Failure::input("--algorithm: must be SHA1, SHA256 or SHA512"))
    })
    .transpose()
}

fn imported_key(a: &AddArgs) -> Res<Option<SecretBytes>> {
    if let Some(s) = &a.secret {
        return Ok(Some(
            otpkit::encoding::decode_base32_key(s)
                .map_err(|e| Failure::input(format!("--secret: {e}")))?,
        ));
    }
    if let Some(h) = &a.key_hex {
        let k = otpkit::encoding::decode_hex_secret(h)
            .map_err(|e| Failure::input(format!("--key-hex: {e}")))?;
        otpkit::encoding::check_key_len(k.len())
            .map_err(|e| Failure::input(format!("--key-hex: {e}")))?;
        return Ok(Some(k));
    }
    Ok(None)
}

/// Creates the device of the kind asked for.
async fn create(ctx: &Ctx, user: &UserId, a: &AddArgs, oath: Oath) -> Res<Device> {
    let device = match a.kind {
        AddKind::Totp => {
            let options = TotpOptions {
                name: a.name.clone(),
                unconfirmed: a.unconfirmed,
                key: oath.key,
                algorithm: oath.algorithm,
                digits: oath.digits,
                step: oath.step,
                t0: a.t0,
                tolerance: a.tolerance,
                drift: None,
            };
            ctx.engine.create_totp(user, options).await?
        }
        AddKind::Hotp => {
            let options = HotpOptions {
                name: a.name.clone(),
                unconfirmed: a.unconfirmed,
                key: oath.key,
                algorithm: oath.algorithm,
                digits: oath.digits,
                tolerance: a.tolerance,
                counter: oath.counter,
            };
            ctx.engine.create_hotp(user, options).await?
        }
        AddKind::Static => {
            ctx.engine
                .create_static(user, a.name.as_deref(), !a.unconfirmed)
                .await?
        }
        AddKind::Email => {
            ctx.engine
                .create_email(user, a.name.as_deref(), a.email.clone(), !a.unconfirmed)
                .await?
        }
    };
    Ok(device)
}

/// Prints what `device add` answers: `created PID`, then the URI and the QR code if asked;
/// or with `--json` exactly one object `{"persistent_id", "uri"}`.
async fn print_created(ctx: &Ctx, a: &AddArgs, device: &Device) -> Res {
    let pid = device.persistent_id();
    let uri = if matches!(a.kind, AddKind::Totp | AddKind::Hotp) {
        Some(ctx.engine.config_url(&pid).await?)
    } else {
        None
    };
    if a.json {
        let mut obj = serde_json::Map::new();
        obj.insert("persistent_id".into(), serde_json::json!(pid));
        if let Some(u) = &uri {
            obj.insert("uri".into(), serde_json::json!(u.expose()));
        }
        println!("{}", serde_json::Value::Object(obj));
        return Ok(());
    }
    println!("created {pid}");
    if let Some(u) = &uri {
        if a.show_uri {
            println!("{}", u.expose());
        }
        if a.qr {
            let q =
                otpkit::qr::qr_unicode(u.expose()).map_err(|e| Failure::input(e.to_string()))?;
            println!("{q}");
        }
    }
    Ok(())
}
