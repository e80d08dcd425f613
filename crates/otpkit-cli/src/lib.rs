//! The `otpkit` command line: the counterpart of django-otp's management commands and admin
//! actions (SPEC §8).
//!
//! It is also a library: an application embeds it (for example as `myapp otp …`) with its
//! own [`UserDirectory`], so that `USER` arguments are usernames resolved through it; an
//! unknown username is `User "NAME" does not exist.` (exit 1). Without a directory, `USER` is
//! the opaque user id.
//!
//! # Exit codes
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | not found, rejected, or invalid input (one line on stderr) |
//! | 2 | usage error |
//! | 3 | storage or key error |
//!
//! Only `device add --json/--show-uri/--qr`, `device uri`, `device qr`, `static add-token`,
//! `addstatictoken`, `static generate` and `keys generate` print secrets or codes.
//!
//! ```no_run
//! # async fn demo() {
//! // In an application's own binary: `myapp otp device list`.
//! let code = otpkit_cli::run(
//!     ["otp", "device", "list"],
//!     otpkit_cli::Options::default(),
//! ).await;
//! # }
//! ```

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use otpkit::engine::{ChallengeOptions, ChallengeOutcome, HotpOptions, TotpOptions, VerifyOptions};
use otpkit::oath::Algorithm;
use otpkit::otpauth::OtpAuthKind;
use otpkit::policy::VerifyNotAllowed;
use otpkit::store::DeviceQuery;
use otpkit::{
    Device, DeviceStore, Engine, KeyRing, Rejection, SecretBytes, Settings, UserDirectory, UserId,
    VerifyOutcome,
};

/// What the embedding application provides.
#[derive(Clone, Default)]
pub struct Options {
    /// Resolves `USER` arguments (usernames) and supplies display names and email addresses.
    pub users: Option<Arc<dyn UserDirectory>>,
    /// Settings to start from instead of the environment (tests, embedding).
    pub settings: Option<Settings>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("users", &self.users.is_some())
            .finish_non_exhaustive()
    }
}

/// otpkit: one-time-password devices for your users.
///
/// Reads the OTPKIT_* / OTP_* settings from the environment (SPEC §6).
/// Exit codes: 0 success; 1 not found, rejected or invalid input; 2 usage error;
/// 3 storage or key error.
#[derive(Debug, Parser)]
#[command(name = "otpkit", version)]
pub struct Cli {
    /// Database URL: sqlite://PATH, postgres://…, mysql://… [default: OTPKIT_DATABASE_URL,
    /// else sqlite://otpkit.sqlite3]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Key ring file (overrides OTPKIT_SECRET_KEYS and OTPKIT_SECRET_KEYS_FILE). Default for
    /// SQLite: {database file}.keys, created on first use.
    #[arg(long, global = true, value_name = "PATH")]
    pub keys_file: Option<PathBuf>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or upgrade the database schema (a second run is a no-op).
    Migrate,
    /// Manage devices.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Manage static backup codes.
    #[command(subcommand, name = "static")]
    Static(StaticCmd),
    /// django-otp's `addstatictoken`: add a static token for USER.
    #[command(name = "addstatictoken")]
    AddStaticToken(AddTokenArgs),
    /// Verify TOKEN against the device PID of USER (consumes the token). Prints `accepted`
    /// (exit 0) or `rejected: CODE` on stderr (exit 1).
    Verify {
        /// The owner.
        user: String,
        /// The device's persistent id.
        pid: String,
        /// The token.
        token: String,
    },
    /// Send a challenge (e.g. the email code) for an interactive device.
    Challenge {
        /// The owner.
        user: String,
        /// The device's persistent id.
        pid: String,
    },
    /// Throttling administration.
    #[command(subcommand)]
    Throttle(ThrottleCmd),
    /// Key ring administration.
    #[command(subcommand)]
    Keys(KeysCmd),
}

/// `otpkit device …`
#[derive(Debug, Subcommand)]
pub enum DeviceCmd {
    /// Create a device. Prints `created PID`.
    Add(AddArgs),
    /// List devices (never secrets).
    List {
        /// Only this user's devices.
        #[arg(long)]
        user: Option<String>,
        /// Only this kind (totp, hotp, email, static, or a model label).
        #[arg(long)]
        kind: Option<String>,
        /// Only confirmed devices.
        #[arg(long, conflicts_with = "unconfirmed")]
        confirmed: bool,
        /// Only unconfirmed devices.
        #[arg(long)]
        unconfirmed: bool,
        /// JSON array output.
        #[arg(long)]
        json: bool,
    },
    /// Show one device and its kind's non-secret state.
    Show {
        /// The persistent id.
        pid: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Delete a device (asks for confirmation unless --yes).
    Remove {
        /// The persistent id.
        pid: String,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
    /// Mark a device confirmed.
    Confirm {
        /// The persistent id.
        pid: String,
    },
    /// Print the otpauth URI (TOTP, HOTP). Prints a secret.
    Uri {
        /// The persistent id.
        pid: String,
    },
    /// Print the QR code of the otpauth URI, or write it as SVG or PNG. Carries a secret.
    Qr {
        /// The persistent id.
        pid: String,
        /// Write an SVG file.
        #[arg(long, value_name = "FILE", conflicts_with = "png")]
        svg: Option<PathBuf>,
        /// Write a PNG file.
        #[arg(long, value_name = "FILE")]
        png: Option<PathBuf>,
    },
    /// Delete unconfirmed devices older than OTPKIT_ENROLMENT_TTL; prints the count.
    Prune,
}

/// The kinds `device add` creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AddKind {
    /// TOTP (RFC 6238).
    Totp,
    /// HOTP (RFC 4226).
    Hotp,
    /// Static backup codes.
    Static,
    /// Email codes.
    Email,
}

/// `otpkit device add …`
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The kind.
    pub kind: AddKind,
    /// The owner.
    #[arg(long)]
    pub user: String,
    /// The name [default: the kind's verbose name].
    #[arg(long)]
    pub name: Option<String>,
    /// Create it unconfirmed (enrolment pending).
    #[arg(long)]
    pub unconfirmed: bool,
    /// SHA1, SHA256 or SHA512 (TOTP, HOTP).
    #[arg(long)]
    pub algorithm: Option<String>,
    /// 6, 7 or 8 (TOTP, HOTP).
    #[arg(long)]
    pub digits: Option<u8>,
    /// Time step in seconds, 1–120 (TOTP).
    #[arg(long)]
    pub step: Option<u32>,
    /// Unix time of step 0 (TOTP).
    #[arg(long, allow_negative_numbers = true)]
    pub t0: Option<i64>,
    /// Window: 0–10 steps (TOTP), 0–20 counters (HOTP).
    #[arg(long)]
    pub tolerance: Option<u8>,
    /// Initial counter (HOTP).
    #[arg(long)]
    pub counter: Option<u64>,
    /// Key as base32 (TOTP, HOTP).
    #[arg(long, conflicts_with_all = ["key_hex", "uri"])]
    pub secret: Option<String>,
    /// Key as hex, django-otp's format (TOTP, HOTP).
    #[arg(long, conflicts_with = "uri")]
    pub key_hex: Option<String>,
    /// Import an otpauth:// URI (TOTP, HOTP).
    #[arg(long)]
    pub uri: Option<String>,
    /// The device's own address (email).
    #[arg(long)]
    pub email: Option<String>,
    /// Also print the otpauth URI (prints a secret).
    #[arg(long)]
    pub show_uri: bool,
    /// Also print a terminal QR code (carries a secret).
    #[arg(long)]
    pub qr: bool,
    /// Print exactly one JSON object {"persistent_id", "uri"} and nothing else.
    #[arg(long)]
    pub json: bool,
}

/// `otpkit static …`
#[derive(Debug, Subcommand)]
pub enum StaticCmd {
    /// Add TOKEN (or one random code) to the user's first static device.
    #[command(name = "add-token")]
    AddToken(AddTokenArgs),
    /// Replace the user's backup codes with a new batch; prints one code per line.
    Generate {
        /// The owner.
        user: String,
        /// How many codes, 1–50 [default: OTPKIT_STATIC_BATCH_SIZE].
        #[arg(long)]
        count: Option<usize>,
    },
}

/// Arguments of `static add-token` / `addstatictoken`.
#[derive(Debug, Args)]
pub struct AddTokenArgs {
    /// The token (6–16 letters or digits) [default: a random backup code].
    #[arg(short = 't', long = "token")]
    pub token: Option<String>,
    /// The owner.
    pub user: String,
}

/// `otpkit throttle …`
#[derive(Debug, Subcommand)]
pub enum ThrottleCmd {
    /// Clear the back-off and LOCKED_OUT of a device, or with --user of every device of a
    /// user (which also clears the account throttle).
    Reset {
        /// The persistent id.
        #[arg(required_unless_present = "user", conflicts_with = "user")]
        pid: Option<String>,
        /// Reset every device of this user instead.
        #[arg(long)]
        user: Option<String>,
    },
}

/// `otpkit keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Print a new ring entry ID:base64 of 32 random bytes (a secret).
    Generate {
        /// The key id ([A-Za-z0-9_-]{1,32}).
        #[arg(long)]
        id: String,
    },
    /// Per key id, the sealed keys and hashed codes that use it (exit 3 if a key is missing).
    Status,
    /// Re-seal every key not under the active key (resumable, idempotent).
    Rotate,
}

/// A failure with its exit code and one line for stderr.
#[derive(Debug)]
pub struct Failure {
    /// 1 (not found/rejected/invalid) or 3 (storage/key).
    pub code: u8,
    /// The line for stderr.
    pub message: String,
}

impl Failure {
    fn input(m: impl Into<String>) -> Self {
        Failure {
            code: 1,
            message: m.into(),
        }
    }
    fn internal(m: impl Into<String>) -> Self {
        Failure {
            code: 3,
            message: m.into(),
        }
    }
}

impl From<otpkit::Error> for Failure {
    fn from(e: otpkit::Error) -> Self {
        if e.is_internal() {
            Failure::internal(e.to_string())
        } else {
            Failure::input(e.to_string())
        }
    }
}

impl From<otpkit::store::StoreError> for Failure {
    fn from(e: otpkit::store::StoreError) -> Self {
        Failure::internal(e.to_string())
    }
}

type Res<T = ()> = Result<T, Failure>;

/// Parses `std::env::args_os()` and runs: the whole `otpkit` binary.
pub async fn main_with(options: Options) -> ExitCode {
    run(std::env::args_os(), options).await
}

/// Parses `args` (the first is the program name) and runs the command, printing to stdout and
/// stderr; returns the exit code.
pub async fn run<I, T>(args: I, options: Options) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match execute(cli, options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("{}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// An open database: the store behind the engine, for `migrate`.
enum Db {
    Sqlite(otpkit_sqlite::SqliteStore),
    Sqlx(otpkit_sqlx::SqlxStore),
}

impl Db {
    async fn open(url: &str) -> Res<Db> {
        if url.starts_with("sqlite:") {
            Ok(Db::Sqlite(otpkit_sqlite::SqliteStore::open(url)?))
        } else {
            Ok(Db::Sqlx(otpkit_sqlx::SqlxStore::connect(url).await?))
        }
    }

    async fn migrate(&self) -> Res {
        match self {
            Db::Sqlite(s) => s.migrate().await.map(|_| ())?,
            Db::Sqlx(s) => s.migrate().await?,
        }
        Ok(())
    }

    fn store(&self) -> Arc<dyn DeviceStore> {
        match self {
            Db::Sqlite(s) => Arc::new(s.clone()),
            Db::Sqlx(s) => Arc::new(s.clone()),
        }
    }
}

struct Ctx {
    engine: Engine,
    users: Option<Arc<dyn UserDirectory>>,
}

impl Ctx {
    /// Resolves a USER argument: through the directory when there is one.
    async fn user(&self, name: &str) -> Res<UserId> {
        match &self.users {
            Some(dir) => {
                let found = match dir.resolve_username(name).await {
                    Some(id) => dir.lookup(&id).await.map(|_| id),
                    None => None,
                };
                found.ok_or_else(|| Failure::input(format!("User \"{name}\" does not exist.")))
            }
            None => UserId::new(name).map_err(|e| Failure::input(format!("USER: {e}"))),
        }
    }

    async fn device(&self, pid: &str) -> Res<Device> {
        self.engine
            .from_persistent_id(pid)
            .await?
            .ok_or_else(|| Failure::input(format!("device {pid} not found")))
    }
}

fn settings_for(cli: &Cli, options: &Options) -> Res<Settings> {
    let mut s = match &options.settings {
        Some(s) => s.clone(),
        None => Settings::from_env().map_err(|e| Failure::input(e.to_string()))?,
    };
    if let Some(url) = &cli.database_url {
        s.database_url = url.clone();
    }
    if let Some(k) = &cli.keys_file {
        s.secret_keys = None;
        s.secret_keys_file = Some(k.clone());
    }
    s.validate().map_err(|e| Failure::input(e.to_string()))?;
    Ok(s)
}

async fn execute(cli: Cli, options: Options) -> Res {
    if let Command::Keys(KeysCmd::Generate { id }) = &cli.command {
        let entry = KeyRing::generate_entry(id).map_err(|e| Failure::input(e.to_string()))?;
        println!("{entry}");
        return Ok(());
    }
    let settings = settings_for(&cli, &options)?;
    let db = Db::open(&settings.database_url).await?;
    if let Command::Migrate = cli.command {
        db.migrate().await?;
        println!("migrated");
        return Ok(());
    }
    let (keys, created) = settings
        .load_key_ring()
        .map_err(|e| Failure::internal(e.to_string()))?;
    if let Some(path) = created {
        eprintln!(
            "otpkit: created a new key ring at {} (mode 0600); back it up: without it sealed keys cannot be opened",
            path.display()
        );
    }
    let mailer =
        otpkit_smtp::mailer_from_settings(&settings).map_err(|e| Failure::input(e.to_string()))?;
    let mut builder = Engine::builder_arc(db.store(), keys)
        .settings(settings)
        .mailer_arc(mailer);
    if let Some(users) = &options.users {
        builder = builder.user_directory_arc(users.clone());
    }
    let engine = builder.build()?;
    let ctx = Ctx {
        engine,
        users: options.users.clone(),
    };
    match cli.command {
        Command::Migrate | Command::Keys(KeysCmd::Generate { .. }) => Ok(()),
        Command::Device(cmd) => device_cmd(&ctx, cmd).await,
        Command::Static(StaticCmd::AddToken(a)) | Command::AddStaticToken(a) => {
            let user = ctx.user(&a.user).await?;
            let (_, code) = ctx
                .engine
                .add_static_token(&user, a.token.as_deref())
                .await?;
            println!("{}", code.expose());
            Ok(())
        }
        Command::Static(StaticCmd::Generate { user, count }) => {
            let user = ctx.user(&user).await?;
            let (_, codes) = ctx.engine.generate_backup_codes(&user, count).await?;
            for c in codes {
                println!("{}", c.expose());
            }
            Ok(())
        }
        Command::Verify { user, pid, token } => verify(&ctx, &user, &pid, &token).await,
        Command::Challenge { user, pid } => challenge(&ctx, &user, &pid).await,
        Command::Throttle(ThrottleCmd::Reset {
            pid: Some(pid),
            user: None,
        }) => {
            ctx.device(&pid).await?;
            let d = ctx.engine.throttle_reset(&pid).await?;
            println!("throttle reset for {}", d.persistent_id());
            Ok(())
        }
        Command::Throttle(ThrottleCmd::Reset { user: Some(u), .. }) => {
            let user = ctx.user(&u).await?;
            let reset = ctx.engine.throttle_reset_user(&user).await?;
            for d in &reset {
                println!("throttle reset for {}", d.persistent_id());
            }
            println!("{} device(s) of {u} reset", reset.len());
            Ok(())
        }
        Command::Throttle(ThrottleCmd::Reset {
            pid: None,
            user: None,
        }) => Err(Failure::input("give a persistent id or --user")),
        Command::Keys(KeysCmd::Status) => keys_status(&ctx).await,
        Command::Keys(KeysCmd::Rotate) => {
            let r = ctx.engine.rotate_keys().await?;
            println!(
                "resealed {}, current {}, failed {}",
                r.resealed, r.current, r.failed
            );
            if r.failed > 0 {
                return Err(Failure::internal(format!(
                    "{} device(s) could not be re-sealed (see the log)",
                    r.failed
                )));
            }
            Ok(())
        }
    }
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

async fn device_cmd(ctx: &Ctx, cmd: DeviceCmd) -> Res {
    match cmd {
        DeviceCmd::Add(a) => device_add(ctx, a).await,
        DeviceCmd::List {
            user,
            kind,
            confirmed,
            unconfirmed,
            json,
        } => {
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
            let devices = ctx
                .engine
                .list_devices(&DeviceQuery {
                    user,
                    model_label,
                    confirmed,
                    ..DeviceQuery::default()
                })
                .await?;
            if json {
                let rows: Vec<_> = devices.iter().map(|d| summary(&ctx.engine, d)).collect();
                println!("{}", serde_json::Value::Array(rows));
            } else {
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
            }
            Ok(())
        }
        DeviceCmd::Show { pid, json } => {
            let d = ctx.device(&pid).await?;
            let mut v = summary(&ctx.engine, &d);
            let info = ctx.engine.info(&d)?;
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
                    println!("{k:<16} {}", plain(val));
                }
            }
            Ok(())
        }
        DeviceCmd::Remove { pid, yes } => {
            let d = ctx.device(&pid).await?;
            if !yes {
                eprint!("Remove {d} [{}]? [y/N] ", d.persistent_id());
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                let _ = std::io::stdin().lock().read_line(&mut line);
                if !matches!(line.trim(), "y" | "Y" | "yes" | "YES") {
                    return Err(Failure::input("not removed"));
                }
            }
            ctx.engine.remove(&pid).await?;
            println!("removed {}", d.persistent_id());
            Ok(())
        }
        DeviceCmd::Confirm { pid } => {
            let d = ctx.engine.confirm(&pid).await?;
            println!("confirmed {}", d.persistent_id());
            Ok(())
        }
        DeviceCmd::Uri { pid } => {
            ctx.device(&pid).await?;
            println!("{}", ctx.engine.config_url(&pid).await?.expose());
            Ok(())
        }
        DeviceCmd::Qr { pid, svg, png } => {
            ctx.device(&pid).await?;
            let uri = ctx.engine.config_url(&pid).await?;
            let qr_err = |e: otpkit::QrError| Failure::input(e.to_string());
            let write = |path: &PathBuf, bytes: &[u8]| {
                std::fs::write(path, bytes)
                    .map_err(|e| Failure::input(format!("{}: {e}", path.display())))
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
        DeviceCmd::Prune => {
            let n = ctx.engine.prune_unconfirmed().await?;
            println!("{n}");
            Ok(())
        }
    }
}

async fn device_add(ctx: &Ctx, a: AddArgs) -> Res {
    let user = ctx.user(&a.user).await?;
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
    let mut key = imported_key(&a)?;
    let mut algorithm = parse_algorithm(a.algorithm.as_deref())?;
    let (mut digits, mut step, mut counter) = (a.digits, a.step, a.counter);
    if let Some(uri) = &a.uri {
        let auth =
            otpkit::otpauth::parse(uri).map_err(|e| Failure::input(format!("--uri: {e}")))?;
        match (auth.kind, a.kind) {
            (OtpAuthKind::Totp { period }, AddKind::Totp) => step = step.or(Some(period)),
            (OtpAuthKind::Hotp { counter: c }, AddKind::Hotp) => counter = counter.or(Some(c)),
            _ => return Err(Failure::input("--uri: the URI is for another kind")),
        }
        algorithm = algorithm.or(Some(auth.algorithm));
        digits = digits.or(Some(auth.digits.get()));
        key = Some(auth.secret);
    }
    let device = match a.kind {
        AddKind::Totp => {
            ctx.engine
                .create_totp(
                    &user,
                    TotpOptions {
                        name: a.name.clone(),
                        unconfirmed: a.unconfirmed,
                        key,
                        algorithm,
                        digits,
                        step,
                        t0: a.t0,
                        tolerance: a.tolerance,
                        drift: None,
                    },
                )
                .await?
        }
        AddKind::Hotp => {
            ctx.engine
                .create_hotp(
                    &user,
                    HotpOptions {
                        name: a.name.clone(),
                        unconfirmed: a.unconfirmed,
                        key,
                        algorithm,
                        digits,
                        tolerance: a.tolerance,
                        counter,
                    },
                )
                .await?
        }
        AddKind::Static => {
            ctx.engine
                .create_static(&user, a.name.as_deref(), !a.unconfirmed)
                .await?
        }
        AddKind::Email => {
            ctx.engine
                .create_email(&user, a.name.as_deref(), a.email.clone(), !a.unconfirmed)
                .await?
        }
    };
    let pid = device.persistent_id();
    let uri = if oath {
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

fn kind_label(engine: &Engine, k: &str) -> Res<String> {
    let label = match k.to_ascii_lowercase().as_str() {
        "totp" => "otp_totp.totpdevice".to_owned(),
        "hotp" => "otp_hotp.hotpdevice".to_owned(),
        "email" => "otp_email.emaildevice".to_owned(),
        "static" => "otp_static.staticdevice".to_owned(),
        other => other.to_owned(),
    };
    engine
        .registry()
        .get(&label)
        .map(|h| h.model_label().to_owned())
        .ok_or_else(|| Failure::input(format!("--kind: unknown kind {k}")))
}

fn summary(engine: &Engine, d: &Device) -> serde_json::Value {
    let locked = matches!(
        engine.verify_is_allowed(d),
        Err(VerifyNotAllowed::LockedOut { .. })
    );
    serde_json::json!({
        "persistent_id": d.persistent_id(),
        "user": d.user(),
        "model_label": d.model_label(),
        "name": d.name(),
        "confirmed": d.confirmed(),
        "created_at": d.created_at(),
        "last_used_at": d.last_used_at(),
        "failure_count": d.throttle().failure_count,
        "locked": locked,
    })
}

fn state_text(engine: &Engine, d: &Device) -> String {
    match engine.verify_is_allowed(d) {
        Ok(()) => "ok".into(),
        Err(VerifyNotAllowed::LockedOut { .. }) => "locked".into(),
        Err(VerifyNotAllowed::NFailedAttempts { locked_until, .. }) => {
            format!("throttled until {locked_until}")
        }
        Err(VerifyNotAllowed::Kind { refusal }) => refusal.message().unwrap_or_default().into(),
    }
}

fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        other => other.to_string(),
    }
}

async fn verify(ctx: &Ctx, user: &str, pid: &str, token: &str) -> Res {
    let user = ctx.user(user).await?;
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
        VerifyOutcome::Rejected(Rejection::Malformed | Rejection::Invalid | Rejection::Replay) => {
            Err(rejected("invalid_token".into()))
        }
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

async fn challenge(ctx: &Ctx, user: &str, pid: &str) -> Res {
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

async fn keys_status(ctx: &Ctx) -> Res {
    let usage = ctx.engine.key_status().await?;
    let ring = ctx.engine.keys();
    let mut rows: BTreeMap<String, (u64, u64, bool)> =
        ring.ids().map(|id| (id.to_owned(), (0, 0, true))).collect();
    for (id, u) in usage {
        let e = rows.entry(id.clone()).or_insert((0, 0, ring.contains(&id)));
        e.0 = u.sealed;
        e.1 = u.hashed;
    }
    println!("{:<34} {:>8} {:>8}  STATUS", "KEY ID", "SEALED", "HASHED");
    let mut missing = Vec::new();
    for (id, (sealed, hashed, in_ring)) in &rows {
        let status = match (in_ring, id == ring.active_id()) {
            (false, _) => {
                missing.push(id.clone());
                "MISSING FROM RING"
            }
            (true, true) => "active",
            (true, false) => "in ring",
        };
        println!("{id:<34} {sealed:>8} {hashed:>8}  {status}");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Failure::internal(format!(
            "rows use key id(s) absent from the ring: {}",
            missing.join(", ")
        )))
    }
}
