//! Moves django-otp's devices into otpkit.
//!
//! [`read`] takes django-otp's tables from a Django database (SQLite, PostgreSQL or
//! MySQL/MariaDB, read-only, one snapshot) with the otpkit user id of each Django user;
//! [`import()`] turns every TOTP, HOTP, static and email device into an otpkit device that
//! keeps its persistent id (`otp_totp.totpdevice/7`) and its state (counters, drift,
//! throttling, static codes), all of one user's devices or none. A device otpkit cannot keep
//! is skipped with the reason; a second run imports only new devices and reports what
//! changed or disappeared in Django. `otpkit import django` is the command line for it.
//!
//! ```no_run
//! # async fn demo(engine: &otpkit::Engine) -> Result<(), Box<dyn std::error::Error>> {
//! use otpkit_django::{ImportOptions, UserMapping, import, read};
//!
//! let data = read("postgres://django@db/app", &UserMapping::Username).await?;
//! let report = import(engine, &data, &ImportOptions { dry_run: true }).await?;
//! print!("{}", report.to_text());
//! # Ok(())
//! # }
//! ```

pub mod import;
pub mod model;
pub mod source;

pub use import::{
    Changed, FailedUser, ImportError, ImportOptions, KindCounts, Report, SkipReason, Skipped,
    import,
};
pub use model::{DjangoData, DjangoDevice, DjangoEmail, DjangoHotp, DjangoStatic, DjangoTotp};
pub use source::{SourceError, UserMapping, read};
