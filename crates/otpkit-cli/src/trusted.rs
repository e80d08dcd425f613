//! `otpkit trusted list|revoke USER`: an administrator's view of a user's trusted browsers
//! (docs/behaviour.md §7.12). Never prints the cookie token or its hash.

use otpkit::trust::{TrustStore, TrustedBrowser};

use crate::cli::TrustedCmd;
use crate::context::Ctx;
use crate::failure::Res;

/// One record as JSON (the description's stored `browser|system` shown as `browser / system`).
fn row(b: &TrustedBrowser) -> serde_json::Value {
    serde_json::json!({
        "id": b.id,
        "user": b.user.as_str(),
        "description": b.description.replace('|', " / "),
        "created_at": b.created_at.to_rfc3339(),
        "last_seen_at": b.last_seen_at.to_rfc3339(),
        "expires_at": b.expires_at.to_rfc3339(),
    })
}

/// Runs `otpkit trusted …` on `store`.
pub(crate) async fn trusted_cmd(ctx: &Ctx, store: &dyn TrustStore, cmd: TrustedCmd) -> Res {
    match cmd {
        TrustedCmd::List { user, json } => {
            let user = ctx.user(&user).await?;
            let now = ctx.engine.now();
            let live: Vec<TrustedBrowser> = store
                .list_trusted(&user)
                .await?
                .into_iter()
                .filter(|b| b.is_live_at(now))
                .collect();
            if json {
                let rows: Vec<serde_json::Value> = live.iter().map(row).collect();
                println!("{}", serde_json::Value::Array(rows));
                return Ok(());
            }
            for b in &live {
                println!(
                    "{}\t{}\ttrusted {}\tlast seen {}\texpires {}",
                    b.id,
                    b.description.replace('|', " / "),
                    b.created_at.to_rfc3339(),
                    b.last_seen_at.to_rfc3339(),
                    b.expires_at.to_rfc3339()
                );
            }
            Ok(())
        }
        TrustedCmd::Revoke { user } => {
            let user = ctx.user(&user).await?;
            let n = store.revoke_all_trusted(&user).await?;
            tracing::info!(
                target: otpkit::events::AUDIT_TARGET,
                event = "trust",
                action = "admin_trust_revoked",
                actor = "",
                user = user.as_str(),
                count = n,
                "otpkit trusted browser"
            );
            println!("revoked {n}");
            Ok(())
        }
    }
}
