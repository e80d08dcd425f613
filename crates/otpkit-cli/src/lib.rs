//! The `otpkit` command line: the counterpart of django-otp's management commands and admin
//! actions (docs/behaviour.md §8).
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
//! | 4 | `import django`: partial — some devices were skipped or a user's devices could not be stored (the report on stdout says which; everything else was imported) |
//!
//! Only `device add --json/--show-uri/--qr`, `device uri`, `device qr`, `static add-token`,
//! `addstatictoken`, `static generate` and `keys generate` print secrets or codes.
//!
//! # Passkeys
//!
//! With the `passkeys` feature (on by default) the engine of every command has
//! `otpkit-webauthn`'s kind registered (`otp_webauthn.webauthndevice`): `device list/show/
//! remove` cover passkeys and security keys (`--kind passkey`). `device show` prints their
//! counter, AAGUID and the authenticator's name when it is a well-known one, transports and
//! backup flags, never the public key, the credential id or a ceremony's state; `verify`
//! refuses a passkey unevaluated and `device confirm` one whose registration has not
//! finished. Without the feature (no webauthn-rs, MPL-2.0, in the build) the engine does not
//! know passkey records: `device list` leaves them out, and `device show/remove` answer
//! "not found".
//!
//! The deployment settings that the command shares with the demo — the database URL, the key
//! ring and its file, the SMTP URL and the email template files — are read in [`deploy`].
//!
//! | module | what |
//! |---|---|
//! | `cli` | the commands and their arguments ([`Cli`], [`Command`], …) |
//! | `context` | the settings, the deployment and the engine every command runs with |
//! | `devices`, `add` | `device …` and `throttle …` |
//! | `tokens` | `static …`, `addstatictoken`, `verify`, `challenge` |
//! | `keys` | `keys …` |
//! | `import` | `import django` (otpkit-django) |
//! | `output` | how devices are printed |
//! | `passkeys` | passkeys and security keys (the `passkeys` feature) |
//! | [`deploy`] | the deployment settings, the key ring file, the template files |
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

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser as _;
use otpkit::{Settings, UserDirectory};

mod add;
mod cli;
mod context;
pub mod deploy;
mod devices;
mod failure;
mod import;
mod keys;
mod output;
mod passkeys;
mod tokens;
mod trusted;

pub use cli::{
    AddArgs, AddKind, AddTokenArgs, Cli, Command, DeviceCmd, DjangoArgs, DjangoUsers, ImportCmd,
    KeysCmd, StaticCmd, ThrottleCmd,
};
pub use failure::{EXIT_PARTIAL, Failure};

use context::Ctx;
use deploy::Deployment;
use failure::Res;

/// What the embedding application provides.
#[derive(Clone, Default)]
pub struct Options {
    /// Resolves `USER` arguments (usernames) and supplies display names and email addresses.
    pub users: Option<Arc<dyn UserDirectory>>,
    /// Settings to start from instead of the environment (tests, embedding).
    pub settings: Option<Settings>,
    /// Deployment settings (database URL, key ring, SMTP URL, template files) to start from
    /// instead of the environment; `--database-url` and `--keys-file` still apply.
    pub deployment: Option<Deployment>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("users", &self.users.is_some())
            .finish_non_exhaustive()
    }
}

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

/// Runs a parsed command line: `keys generate` needs nothing; `migrate` the database; every
/// other command the engine on it.
async fn execute(cli: Cli, options: Options) -> Res {
    if let Command::Keys(KeysCmd::Generate { id }) = &cli.command {
        return keys::generate(id);
    }
    let (settings, deployment) = context::configure(&cli, &options)?;
    let store = deployment.open_store().await?;
    if let Command::Migrate = cli.command {
        store.migrate().await?;
        println!("migrated");
        return Ok(());
    }
    let ctx = Ctx::open(&store, settings, &deployment, &options)?;
    if let Command::Trusted(cmd) = cli.command {
        return trusted::trusted_cmd(&ctx, store.trust_store().as_ref(), cmd).await;
    }
    dispatch(&ctx, cli.command).await
}

/// Runs a command that needs the engine.
async fn dispatch(ctx: &Ctx, command: Command) -> Res {
    match command {
        Command::Migrate | Command::Keys(KeysCmd::Generate { .. }) | Command::Trusted(_) => Ok(()),
        Command::Import(ImportCmd::Django(args)) => import::django(ctx, args).await,
        Command::Device(cmd) => devices::device_cmd(ctx, cmd).await,
        Command::Static(StaticCmd::AddToken(a)) | Command::AddStaticToken(a) => {
            tokens::add_static_token(ctx, a).await
        }
        Command::Static(StaticCmd::Generate { user, count }) => {
            tokens::generate_backup_codes(ctx, &user, count).await
        }
        Command::Verify { user, pid, token } => tokens::verify(ctx, &user, &pid, &token).await,
        Command::Challenge { user, pid } => tokens::challenge(ctx, &user, &pid).await,
        Command::Throttle(cmd) => devices::throttle_cmd(ctx, cmd).await,
        Command::Keys(KeysCmd::Status) => keys::status(ctx).await,
        Command::Keys(KeysCmd::Rotate) => keys::rotate(ctx).await,
    }
}
