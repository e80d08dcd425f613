//! How a command fails: an exit code and one line for stderr.

/// The exit code of an import that did part of its work: devices skipped or users failed.
pub const EXIT_PARTIAL: u8 = 4;

/// A failure with its exit code and one line for stderr.
#[derive(Debug)]
pub struct Failure {
    /// 1 (not found/rejected/invalid), 3 (storage/key) or 4 (partial import).
    pub code: u8,
    /// The line for stderr.
    pub message: String,
}

impl Failure {
    /// Not found, rejected or invalid input: exit 1.
    pub(crate) fn input(m: impl Into<String>) -> Self {
        Failure {
            code: 1,
            message: m.into(),
        }
    }
    /// An import that skipped devices or failed users (the rest was done): exit 4.
    pub(crate) fn partial(m: impl Into<String>) -> Self {
        Failure {
            code: EXIT_PARTIAL,
            message: m.into(),
        }
    }
    /// A storage or key error: exit 3.
    pub(crate) fn internal(m: impl Into<String>) -> Self {
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

impl From<crate::deploy::OpenError> for Failure {
    /// An invalid setting is the input's fault (exit 1); a database that cannot be opened,
    /// connected to or migrated, or a key ring that cannot be loaded, is exit 3.
    fn from(e: crate::deploy::OpenError) -> Self {
        match e {
            crate::deploy::OpenError::Settings(_) => Failure::input(e.to_string()),
            _ => Failure::internal(e.to_string()),
        }
    }
}

/// What every command answers.
pub(crate) type Res<T = ()> = Result<T, Failure>;
