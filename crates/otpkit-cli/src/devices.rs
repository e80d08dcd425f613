//! `otpkit device …` (but `add`, see [`crate::add`]) and `otpkit throttle …`.

use std::io::{BufRead, Write as _};
use std::path::{Path, PathBuf};

use otpkit::Engine;
use otpkit::policy::VerifyNotAllowed;
use otpkit::store::DeviceQuery;

use crate::add::device_add;
use crate::cli::{DeviceCmd, ThrottleCmd};
use crate::context::Ctx;
use crate::failure::{Failure, Res};
use crate::output::{plain, state_text, summary};
use crate::passkeys;

/// Runs a `device` subcommand.
pub(crate) async fn device_cmd(ctx: &Ctx, cmd: DeviceCmd) -> Res {
    match cmd {
        DeviceCmd::Add(a) => device_add(ctx, a).await,
        DeviceCmd::List {
            user,
            kind,
            confirmed,
            unconfirmed,
            json,
        } => {
            let query = list_query(ctx, user, kind, confirmed, unconfirmed).await?;
            list(ctx, &query, json).await
        }
        DeviceCmd::Show { pid, json } => show(ctx, &pid, json).await,
        DeviceCmd::Remove { pid, yes } => remove(ctx, &pid, yes).await,
        DeviceCmd::Confirm { pid } => {
            passkeys::refuse_confirm(&ctx.device(&pid).await?)?;
            let d = ctx.engine.confirm(&pid).await?;
            println!("confirmed {}", d.persistent_id());
            Ok(())
        }
        DeviceCmd::Uri { pid } => {
            ctx.device(&pid).await?;
            println!("{}", ctx.engine.config_url(&pid).await?.expose());
            Ok(())
        }
        DeviceCmd::Qr { pid, svg, png } => qr(ctx, &pid, svg, png).await,
        DeviceCmd::Prune => {
            let n = ctx.engine.prune_unconfirmed().await?;
            println!("{n}");
            Ok(())
        }
    }
}

/// The query of `device list`'s filters.
async fn list_query(
    ctx: &Ctx,
    user: Option<String>,
    kind: Option<String>,
    confirmed: bool,
    unconfirmed: bool,
) -> Res<DeviceQuery> {
    let user = match user {
        Some(u) => Some(ctx.user(&u).await?),
        None => None,
    };
    let model_label = match kind {
        Some(k) => Some(kind_label(&ctx.engine, &k)?),
        None => None,
    };
    let confirmed = match (confirmed, unconfirmed) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    Ok(DeviceQuery {
        user,
        model_label,
        confirmed,
        ..DeviceQuery::default()
    })
}

/// `device list`: a table, or a JSON array.
async fn list(ctx: &Ctx, query: &DeviceQuery, json: bool) -> Res {
    let devices = ctx.engine.list_devices(query).await?;
    if json {
        let rows: Vec<_> = devices.iter().map(|d| summary(&ctx.engine, d)).collect();
        println!("{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    println!(
        "{:<32} {:<20} {:<24} {:<9} {:<8} STATE",
        "PERSISTENT ID", "USER", "NAME", "CONFIRMED", "FAILURES"
    );
    for d in &devices {
        println!(
            "{:<32} {:<20} {:<24} {:<9} {:<8} {}",
            d.persistent_id(),
            d.user().as_str(),
            d.name(),
            if d.confirmed() { "yes" } else { "no" },
            d.throttle().failure_count,
            state_text(&ctx.engine, d)
        );
    }
    Ok(())
}

/// `device show`: the summary, the kind's non-secret state and the end of a back-off.
async fn show(ctx: &Ctx, pid: &str, json: bool) -> Res {
    let d = ctx.device(pid).await?;
    let mut v = summary(&ctx.engine, &d);
    let info = if passkeys::is_passkey(&d) {
        passkeys::details(&d)?
    } else {
        ctx.engine.info(&d)?
    };
    if let (Some(obj), serde_json::Value::Object(extra)) = (v.as_object_mut(), info) {
        obj.insert("kind_state".into(), serde_json::Value::Object(extra));
        obj.insert(
            "throttled_until".into(),
            match ctx.engine.verify_is_allowed(&d) {
                Err(VerifyNotAllowed::NFailedAttempts { locked_until, .. }) => {
                    serde_json::json!(locked_until)
                }
                _ => serde_json::Value::Null,
            },
        );
    }
    if json {
        println!("{v}");
    } else if let Some(obj) = v.as_object() {
        for (k, val) in obj {
            println!("{k:<24} {}", plain(val));
        }
    }
    Ok(())
}

/// `device remove`, asking first unless `--yes`.
async fn remove(ctx: &Ctx, pid: &str, yes: bool) -> Res {
    let d = ctx.device(pid).await?;
    if !yes {
        eprint!("Remove {d} [{}]? [y/N] ", d.persistent_id());
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        if !matches!(line.trim(), "y" | "Y" | "yes" | "YES") {
            return Err(Failure::input("not removed"));
        }
    }
    ctx.engine.remove(pid).await?;
    println!("removed {}", d.persistent_id());
    Ok(())
}

/// `device qr`: the otpauth URI's QR code in the terminal, or as an SVG or PNG file.
async fn qr(ctx: &Ctx, pid: &str, svg: Option<PathBuf>, png: Option<PathBuf>) -> Res {
    ctx.device(pid).await?;
    let uri = ctx.engine.config_url(pid).await?;
    let qr_err = |e: otpkit::QrError| Failure::input(e.to_string());
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes).map_err(|e| Failure::input(format!("{}: {e}", path.display())))
    };
    if let Some(path) = svg {
        write(
            &path,
            otpkit::qr::qr_svg(uri.expose()).map_err(qr_err)?.as_bytes(),
        )?;
    } else if let Some(path) = png {
        write(&path, &otpkit::qr::qr_png(uri.expose()).map_err(qr_err)?)?;
    } else {
        println!("{}", otpkit::qr::qr_unicode(uri.expose()).map_err(qr_err)?);
    }
    Ok(())
}

/// `throttle reset PID` or `throttle reset --user USER`.
pub(crate) async fn throttle_cmd(ctx: &Ctx, cmd: ThrottleCmd) -> Res {
    match cmd {
        ThrottleCmd::Reset {
            pid: Some(pid),
            user: None,
        } => {
            ctx.device(&pid).await?;
            let d = ctx.engine.throttle_reset(&pid).await?;
            println!("throttle reset for {}", d.persistent_id());
            Ok(())
        }
        ThrottleCmd::Reset { user: Some(u), .. } => {
            let user = ctx.user(&u).await?;
            let reset = ctx.engine.throttle_reset_user(&user).await?;
            for d in &reset {
                println!("throttle reset for {}", d.persistent_id());
            }
            println!("{} device(s) of {u} reset", reset.len());
            Ok(())
        }
        ThrottleCmd::Reset {
            pid: None,
            user: None,
        } => Err(Failure::input("give a persistent id or --user")),
    }
}

/// The model label of `--kind`: a built-in kind's short name, or a registered label.
fn kind_label(engine: &Engine, k: &str) -> Res<String> {
    let label = match k.to_ascii_lowercase().as_str() {
        "totp" => "otp_totp.totpdevice".to_owned(),
        "hotp" => "otp_hotp.hotpdevice".to_owned(),
        "email" => "otp_email.emaildevice".to_owned(),
        "static" => "otp_static.staticdevice".to_owned(),
        "passkey" | "webauthn" => passkeys::MODEL_LABEL.to_owned(),
        other => other.to_owned(),
    };
    engine
        .registry()
        .get(&label)
        .map(|h| h.model_label().to_owned())
        .ok_or_else(|| Failure::input(format!("--kind: unknown kind {k}")))
}
