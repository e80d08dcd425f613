//! Codes: static tokens and backup codes, `verify`, and `challenge`.

use otpkit::VerifyOutcome;
use otpkit::engine::{ChallengeOptions, ChallengeOutcome, VerifyOptions};
use otpkit::policy::VerifyNotAllowed;

use crate::cli::AddTokenArgs;
use crate::context::Ctx;
use crate::failure::{Failure, Res};

/// `static add-token` / `addstatictoken`: adds TOKEN (or a random code) to the user's first
/// static device and prints it.
pub(crate) async fn add_static_token(ctx: &Ctx, a: AddTokenArgs) -> Res {
    let user = ctx.user(&a.user).await?;
    let (_, code) = ctx
        .engine
        .add_static_token(&user, a.token.as_deref())
        .await?;
    println!("{}", code.expose());
    Ok(())
}

/// `static generate USER`: replaces the user's backup codes, one per line.
pub(crate) async fn generate_backup_codes(ctx: &Ctx, user: &str, count: Option<usize>) -> Res {
    let user = ctx.user(user).await?;
    let (_, codes) = ctx.engine.generate_backup_codes(&user, count).await?;
    for c in codes {
        println!("{}", c.expose());
    }
    Ok(())
}

/// `verify USER PID TOKEN`: `accepted`, or `rejected: CODE …` (exit 1).
pub(crate) async fn verify(ctx: &Ctx, user: &str, pid: &str, token: &str) -> Res {
    let user = ctx.user(user).await?;
    if let Some(d) = ctx.engine.from_persistent_id(pid).await? {
        crate::passkeys::refuse_verify(&d)?;
    }
    let out = ctx
        .engine
        .verify_token_detailed(Some(&user), pid, token, &VerifyOptions::default())
        .await?;
    let rejected = |s: String| Failure::input(format!("rejected: {s}"));
    match out {
        VerifyOutcome::Accepted(_) => {
            println!("accepted");
            Ok(())
        }
        VerifyOutcome::NotFound => Err(rejected(format!(
            "not_found (no confirmed device {pid} of this user)"
        ))),
        VerifyOutcome::Rejected(_) => Err(rejected("invalid_token".into())),
        VerifyOutcome::NotAllowed(VerifyNotAllowed::NFailedAttempts {
            failure_count,
            locked_until,
        }) => Err(rejected(format!(
            "n_failed_attempts failure_count={failure_count} locked_until={locked_until}"
        ))),
        VerifyOutcome::NotAllowed(VerifyNotAllowed::LockedOut { failure_count }) => Err(rejected(
            format!("device_locked failure_count={failure_count}"),
        )),
        VerifyOutcome::NotAllowed(VerifyNotAllowed::Kind { refusal }) => Err(rejected(format!(
            "verification_not_allowed {}",
            refusal.message().unwrap_or_default()
        ))),
    }
}

/// `challenge USER PID`: sends the device's challenge (e.g. the email code).
pub(crate) async fn challenge(ctx: &Ctx, user: &str, pid: &str) -> Res {
    let user = ctx.user(user).await?;
    match ctx
        .engine
        .generate_challenge(&user, pid, &ChallengeOptions::default())
        .await?
    {
        ChallengeOutcome::Sent { message } => {
            println!("OTP Challenge: {message}");
            Ok(())
        }
        ChallengeOutcome::NotFound => Err(Failure::input(format!("device {pid} not found"))),
        ChallengeOutcome::NotInteractive => {
            Err(Failure::input("The selected OTP device is not interactive"))
        }
        ChallengeOutcome::Cooldown(
            otpkit::policy::GenerateNotAllowed::CooldownDurationPending { next_generation_at },
        ) => {
            let ms = next_generation_at.millis_since(ctx.engine.now()).max(0);
            let secs = (ms + 999) / 1000;
            Err(Failure::input(format!(
                "Token generation cooldown period has not expired yet. Next generation allowed in {secs} seconds."
            )))
        }
        ChallengeOutcome::Locked { failure_count } => Err(Failure::input(format!(
            "This device is locked after {failure_count} failed attempts. Use another device or ask an administrator to unlock it."
        ))),
        ChallengeOutcome::Failed { message } => Err(Failure::input(format!(
            "Error generating challenge: {message}"
        ))),
        ChallengeOutcome::Limited(refused) => {
            let ms = refused
                .next_allowed_at
                .millis_since(ctx.engine.now())
                .max(0);
            let secs = (ms + 999) / 1000;
            Err(Failure::input(format!(
                "Token generation cooldown period has not expired yet. Next generation allowed in {secs} seconds."
            )))
        }
    }
}
