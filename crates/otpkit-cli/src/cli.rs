//! The command line's syntax: the commands, their arguments and their help texts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// otpkit: one-time-password devices for your users.
///
/// Reads the OTPKIT_* / OTP_* settings from the environment (docs/behaviour.md §6).
/// Exit codes: 0 success; 1 not found, rejected or invalid input; 2 usage error;
/// 3 storage or key error; 4 an import that skipped devices or failed users.
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
    /// Trusted browsers (the browsers that skip the code step at sign-in).
    #[command(subcommand)]
    Trusted(TrustedCmd),
    /// Import devices from another system.
    #[command(subcommand)]
    Import(ImportCmd),
}

/// `otpkit import …`
#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Import django-otp's TOTP, HOTP, static and email devices from a Django database
    /// (read-only), keeping their persistent ids and state. A second run imports only new
    /// devices and reports those changed or gone in Django. Exit 0 when every device was
    /// imported or already was; 4 when some were skipped or a user's devices could not be
    /// stored (the report says which).
    Django(DjangoArgs),
}

/// How Django users become otpkit user ids (`--users`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum DjangoUsers {
    /// `auth_user.username`.
    #[default]
    Username,
    /// The Django user's primary key, in decimal.
    Id,
}

/// `otpkit import django …`
#[derive(Debug, Args)]
pub struct DjangoArgs {
    /// The Django database: sqlite://PATH, postgres://…, mysql://… (read only).
    #[arg(long = "from", value_name = "URL")]
    pub from: String,
    /// The otpkit user id of a Django user: its username or its primary key.
    #[arg(long, value_enum, default_value_t = DjangoUsers::Username)]
    pub users: DjangoUsers,
    /// The application's query instead, returning the Django user's primary key and the
    /// otpkit user id, e.g. "SELECT id, email FROM accounts_customuser".
    #[arg(long, value_name = "SQL", conflicts_with = "users")]
    pub user_query: Option<String>,
    /// Check and report everything, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `otpkit trusted …`
#[derive(Debug, Subcommand)]
pub enum TrustedCmd {
    /// List USER's trusted browsers that have not expired (never the token or its hash).
    List {
        /// The owner.
        user: String,
        /// JSON array output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke all of USER's trusted browsers: each asks for a code again. Prints
    /// `revoked N`.
    Revoke {
        /// The owner.
        user: String,
    },
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
        /// Only this kind (totp, hotp, email, static, passkey, or a model label).
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
    /// Show one device and its kind's non-secret state (a passkey: counter, AAGUID and
    /// authenticator name, transports, backup flags; never its public key or credential id).
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
