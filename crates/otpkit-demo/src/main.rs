//! `otpkit-demo`: the demo site (`cargo run` at the repository root), a `createuser`
//! command, and the embedded `otpkit` CLI as `otp …`.

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use otpkit::Settings;
use otpkit_axum::WebSettings;
use otpkit_cli::deploy::Deployment;
use otpkit_demo::sessions::SessionSettings;
use otpkit_demo::users::{NewUser, UserError};
use otpkit_demo::web::{App, AppOptions, Mail};
use otpkit_demo::{Database, DemoDirectory};

/// The otpkit demo site: sign up, log in with a second factor (authenticator app, email
/// codes, backup codes), manage devices, and an admin area for staff.
///
/// Settings come from the environment (OTPKIT_* and OTP_*, see docs/behaviour.md §6); the most
/// useful: OTPKIT_DATABASE_URL (default sqlite://otpkit.sqlite3; postgres://… and mysql://… work
/// too, with OTPKIT_SECRET_KEYS), OTPKIT_SMTP_URL (unset: development mode, emails go to
/// the /outbox/ page and the console), OTPKIT_SESSION_URL (unset: sessions in the database;
/// redis://HOST:PORT/ keeps them in Redis, shared by several demo processes, with the key
/// prefix OTPKIT_SESSION_PREFIX, default otpkit:).
#[derive(Debug, Parser)]
#[command(name = "otpkit-demo", version)]
struct Cli {
    /// The address to listen on.
    #[arg(
        long,
        env = "OTPKIT_DEMO_ADDR",
        default_value = "127.0.0.1:8000",
        value_name = "HOST:PORT"
    )]
    addr: String,
    /// What to do (default: serve).
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Start the demo site (the default).
    Serve,
    /// Create a user; with --staff, one who may use the admin area.
    ///
    /// Without --password-stdin a random password is generated and printed once.
    /// Staff users reach the admin area once verified: give them a first device with
    /// `otp addstatictoken NAME`.
    Createuser(CreateUser),
    /// The otpkit command line (`otp --help`), with USER arguments resolved as the demo's
    /// usernames.
    #[command(disable_help_flag = true, disable_version_flag = true)]
    Otp {
        /// The arguments of the `otpkit` command.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<OsString>,
    },
}

#[derive(Debug, Args)]
struct CreateUser {
    /// The username (letters, digits and @ . + - _).
    username: String,
    /// The user's email address (the default for email devices).
    #[arg(long)]
    email: Option<String>,
    /// Make the user staff (admin area).
    #[arg(long)]
    staff: bool,
    /// Read the password from standard input (the first line).
    #[arg(long)]
    password_stdin: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None | Some(Cmd::Serve) => match serve(&cli.addr).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("otpkit-demo: {e:#}");
                ExitCode::FAILURE
            }
        },
        Some(Cmd::Createuser(args)) => createuser(args).await,
        Some(Cmd::Otp { args }) => otp(args).await,
    }
}

/// The engine's settings and the deployment's (database, key ring, SMTP, template files),
/// from the environment.
fn configuration() -> anyhow::Result<(Settings, Deployment)> {
    Ok((Settings::from_env()?, Deployment::from_env()?))
}

/// `serve`: opens the database and key ring, builds the app, listens, prints the URL.
async fn serve(addr: &str) -> anyhow::Result<()> {
    init_logging();
    let (mut settings, deployment) = configuration()?;
    let web = WebSettings::from_env()?;
    // The store at OTPKIT_DATABASE_URL, migrated, and its key ring, in one call.
    let opened = deployment.open().await?;
    let session_settings = SessionSettings::from_env()?;
    let db = Database::on_with_sessions(&opened.store, session_settings.as_ref()).await?;
    delete_expired_sessions(db.sessions.clone());
    delete_expired_trust(db.trust.clone());
    let keys = opened.keys;
    if let Some(path) = opened.created_key_file {
        eprintln!(
            "otpkit-demo: created a new key ring at {} (mode 0600); back it up: without it \
             the TOTP/HOTP keys in the database cannot be opened",
            path.display()
        );
    }
    let mail = Mail::from_deployment(&deployment)?;
    deployment.read_email_templates(&mut settings.email)?;
    let dev_mode = mail.is_dev();
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (use --addr or OTPKIT_DEMO_ADDR)"))?;
    let local = listener.local_addr()?;
    let passkeys = otpkit_demo::web::passkey_settings(local)?;
    let rp = &passkeys.rp;
    eprintln!(
        "otpkit-demo: passkeys work at {} (relying party {}; set OTPKIT_WEBAUTHN_RP_ID and \
         OTPKIT_WEBAUTHN_ORIGIN for another address; passwordless sign-in: {:?})",
        rp.origin, rp.id, passkeys.passwordless
    );
    let app = App::new(AppOptions {
        settings,
        web,
        db,
        keys,
        mail,
        passkeys,
    })?;
    purge_abandoned_setups(app.kit.engine().clone());
    if dev_mode {
        eprintln!(
            "otpkit-demo: DEVELOPMENT MODE: OTPKIT_SMTP_URL is not set, so email codes are \
             not sent; they are printed here and shown at http://{local}/outbox/"
        );
        if !local.ip().is_loopback() {
            eprintln!(
                "otpkit-demo: WARNING: listening on {local}, not on a loopback address: \
                 anyone who reaches it can read every email code in the outbox"
            );
        }
    }
    println!("otpkit demo listening on http://{local}/");
    let _ = std::io::stdout().flush();
    axum::serve(listener, app.router)
        .with_graceful_shutdown(shutdown())
        .await?;
    eprintln!("otpkit-demo: stopped");
    Ok(())
}

/// How often the demo deletes abandoned setups.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Deletes abandoned setups — unconfirmed devices older than `OTPKIT_ENROLMENT_TTL`, which
/// can no longer be confirmed (docs/behaviour.md §7.6.1) — every [`PURGE_EVERY`], for as long
/// as the server runs.
fn purge_abandoned_setups(engine: otpkit::Engine) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        loop {
            tick.tick().await;
            match engine.prune_unconfirmed().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "abandoned setups deleted"),
                Err(e) => tracing::warn!(error = %e, "deleting abandoned setups failed"),
            }
        }
    });
}

/// How often the demo deletes expired sessions (and old tombstones) from its database.
const DELETE_EXPIRED_SESSIONS_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs tower-sessions' `continuously_delete_expired` on the demo's session store for as long
/// as the server runs. It returns at its first failure (the database unreachable): the
/// failure is logged and it starts again, its first deletion one period later.
fn delete_expired_sessions(sessions: otpkit_demo::DemoSessions) {
    use tower_sessions::ExpiredDeletion as _;
    tokio::spawn(async move {
        loop {
            if let Err(e) = sessions
                .clone()
                .continuously_delete_expired(DELETE_EXPIRED_SESSIONS_EVERY)
                .await
            {
                tracing::warn!(error = %e, "deleting expired sessions failed");
            }
        }
    });
}

/// Deletes expired trusted-browser records every hour (they are refused anyway).
fn delete_expired_trust(trust: std::sync::Arc<dyn otpkit::trust::TrustStore>) {
    tokio::spawn(async move {
        loop {
            let now = otpkit::Clock::now(&otpkit::SystemClock);
            if let Err(e) = trust.delete_expired_trusted(now).await {
                tracing::warn!(error = %e, "deleting expired trusted browsers failed");
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    });
}

fn init_logging() {
    let level = match std::env::var("OTPKIT_DEMO_LOG").as_deref() {
        Ok("error") => tracing::Level::ERROR,
        Ok("warn") => tracing::Level::WARN,
        Ok("debug") => tracing::Level::DEBUG,
        Ok("trace") => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .try_init();
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// `createuser NAME [--email E] [--staff] [--password-stdin]`. Exit 1 for invalid input or
/// an existing user, 3 for a storage error.
async fn createuser(args: CreateUser) -> ExitCode {
    let (password, generated) = if args.password_stdin {
        let mut input = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut input) {
            eprintln!("otpkit-demo: cannot read the password from standard input: {e}");
            return ExitCode::from(1);
        }
        (input.lines().next().unwrap_or("").to_owned(), false)
    } else {
        match random_password() {
            Ok(p) => (p, true),
            Err(e) => {
                eprintln!("otpkit-demo: {e}");
                return ExitCode::from(3);
            }
        }
    };
    // The engine's settings are not needed here, but are checked as everywhere else.
    let deployment = match configuration() {
        Ok((_, d)) => d,
        Err(e) => {
            eprintln!("otpkit-demo: {e:#}");
            return ExitCode::from(1);
        }
    };
    let db = match Database::open(&deployment).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("otpkit-demo: {e:#}");
            return ExitCode::from(3);
        }
    };
    let created = db
        .users
        .create(NewUser {
            username: args.username.clone(),
            password: password.clone(),
            email: args.email,
            is_staff: args.staff,
        })
        .await;
    match created {
        Ok(u) => {
            println!(
                "created {}user {}",
                if u.is_staff { "staff " } else { "" },
                u.username
            );
            if generated {
                println!("password: {password}");
            }
            if u.is_staff {
                eprintln!(
                    "next: give {0} a first device with `otp addstatictoken {0}`, then log in \
                     at /otp/admin/login/",
                    u.username
                );
            }
            ExitCode::SUCCESS
        }
        Err(e @ (UserError::Invalid(_) | UserError::Exists)) => {
            eprintln!("otpkit-demo: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("otpkit-demo: {e}");
            ExitCode::from(3)
        }
    }
}

/// 20 characters of lower-case base32 (100 bits).
fn random_password() -> anyhow::Result<String> {
    let mut bytes = [0u8; 13];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("the OS RNG failed: {e}"))?;
    Ok(otpkit::encoding::encode_base32(&bytes)
        .to_ascii_lowercase()
        .chars()
        .take(20)
        .collect())
}

/// The value of the CLI's `--database-url` option in `args`, if given.
fn database_url_arg(args: &[OsString]) -> Option<String> {
    let mut it = args.iter().filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if a == "--database-url" {
            return it.next().map(str::to_owned);
        }
        if let Some(v) = a.strip_prefix("--database-url=") {
            return Some(v.to_owned());
        }
    }
    None
}

/// `otp …`: the embedded otpkit CLI with the demo's user directory, on a migrated database.
async fn otp(args: Vec<OsString>) -> ExitCode {
    let (settings, mut deployment) = match configuration() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("otpkit: {e:#}");
            return ExitCode::from(1);
        }
    };
    if let Some(url) = database_url_arg(&args) {
        deployment.database_url = url;
    }
    // `keys generate` needs no database; `--help` and usage errors neither. Everything else
    // runs on the migrated database with usernames resolved through the demo's users.
    let needs_db = args
        .iter()
        .filter_map(|a| a.to_str())
        .find(|a| !a.starts_with('-'))
        .is_some_and(|first| first != "keys" && first != "help");
    let users = if needs_db {
        match Database::open(&deployment).await {
            Ok(db) => Some(Arc::new(DemoDirectory(db.users)) as Arc<dyn otpkit::UserDirectory>),
            Err(e) => {
                eprintln!("otpkit: {e:#}");
                return ExitCode::from(3);
            }
        }
    } else {
        None
    };
    let argv = std::iter::once(OsString::from("otpkit-demo otp")).chain(args);
    otpkit_cli::run(
        argv,
        otpkit_cli::Options {
            users,
            settings: Some(settings),
            deployment: Some(deployment),
        },
    )
    .await
}
