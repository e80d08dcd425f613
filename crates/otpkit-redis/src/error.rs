//! [`ConnectError`]: why [`RedisSessionStore::connect`](crate::RedisSessionStore::connect)
//! failed.

/// Why a store could not be opened. The messages never show the URL (it may hold a
/// password).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL is not a Redis URL the client understands.
    #[error("the Redis URL is not valid")]
    Url(#[source] redis::RedisError),
    /// The server could not be reached, or refused the connection (authentication,
    /// database number).
    #[error("could not connect to Redis")]
    Connect(#[source] redis::RedisError),
}
