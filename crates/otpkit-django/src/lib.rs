//! Moves django-otp's devices into otpkit.
//!
//! (Crate documentation: see README.md; filled in with the importer.)

pub mod import;
pub mod model;
pub mod source;

pub use import::{
    Changed, FailedUser, ImportError, ImportOptions, KindCounts, Report, Skipped, import,
};
pub use model::{DjangoData, DjangoDevice, DjangoEmail, DjangoHotp, DjangoStatic, DjangoTotp};
pub use source::{SourceError, UserMapping, read};
