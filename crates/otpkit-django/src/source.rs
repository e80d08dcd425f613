//! Reading a Django database (to be written).

use crate::model::DjangoData;

/// How a Django user becomes an otpkit user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserMapping {
    /// `auth_user.username` (the default).
    Username,
    /// The Django user's primary key in decimal (`"42"`).
    Id,
    /// An application query returning two columns per user: the Django user's primary key
    /// (an integer) and the otpkit user id (text), e.g.
    /// `SELECT id, email FROM accounts_customuser`.
    Query(String),
}

/// Why the Django database could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// Placeholder.
    #[error("not implemented")]
    Todo,
}

/// Reads django-otp's devices and the user mapping from the database at `url`.
pub async fn read(_url: &str, _users: &UserMapping) -> Result<DjangoData, SourceError> {
    Err(SourceError::Todo)
}
