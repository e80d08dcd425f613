//! The application's users: a SQLite table (rusqlite) with argon2id password hashes, and
//! the axum-login backend over it. Nothing here knows otpkit.

use std::path::Path;
use std::sync::{Arc, Mutex};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum_login::{AuthUser, AuthnBackend};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

/// The seeded users: username, display name, password.
pub const SEED: [(&str, &str, &str); 2] = [
    ("alice", "Alice Liddell", "wonderland"),
    ("bob", "Bob Builder", "can-we-fix-it"),
];

/// One row of `users`.
#[derive(Clone)]
pub struct User {
    /// The row id: axum-login's (and otpkit's) user id.
    pub id: i64,
    /// The username, used to sign in.
    pub username: String,
    /// The name shown on the pages.
    pub name: String,
    /// The password's argon2id hash (a PHC string): also axum-login's session auth hash,
    /// so that a new password ends the user's sessions.
    hash: String,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash is not shown.
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl AuthUser for User {
    type Id = i64;

    fn id(&self) -> i64 {
        self.id
    }

    fn session_auth_hash(&self) -> &[u8] {
        self.hash.as_bytes()
    }
}

/// The login form's credentials.
#[derive(Clone, Deserialize)]
pub struct Credentials {
    /// The username.
    pub username: String,
    /// The password.
    pub password: String,
    /// Where to go afterwards.
    pub next: Option<String>,
}

/// Why the user table failed.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    /// SQLite failed.
    #[error("user table: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A password could not be hashed.
    #[error("password hash: {0}")]
    Hash(String),
    /// The blocking task failed.
    #[error("user table task: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The connection's lock was poisoned by a panic.
    #[error("user table lock poisoned")]
    Poisoned,
}

/// The user table, and axum-login's backend over it.
#[derive(Clone)]
pub struct Users {
    db: Arc<Mutex<Connection>>,
    /// Checked for unknown usernames, so that they cost as much as known ones.
    dummy: Arc<str>,
}

impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Users").finish_non_exhaustive()
    }
}

impl Users {
    /// The table in the SQLite file `path` (in memory for `None`), created and seeded with
    /// [`SEED`] when empty.
    pub fn open(path: Option<&Path>) -> Result<Users, UsersError> {
        let conn = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS users (
                id INTEGER PRIMARY KEY,
                username TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                password_hash TEXT NOT NULL
            )",
        )?;
        let count: i64 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        if count == 0 {
            for (username, name, password) in SEED {
                conn.execute(
                    "INSERT INTO users (username, name, password_hash) VALUES (?1, ?2, ?3)",
                    params![username, name, hash(password)?],
                )?;
            }
        }
        Ok(Users {
            db: Arc::new(Mutex::new(conn)),
            dummy: hash("no user has this password")?.into(),
        })
    }

    /// Runs `f` on the connection, off the async threads.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, UsersError> + Send + 'static,
    ) -> Result<T, UsersError> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || {
            let conn = db.lock().map_err(|_| UsersError::Poisoned)?;
            f(&conn)
        })
        .await?
    }

    /// The user called `username`, if any.
    pub async fn by_name(&self, username: &str) -> Result<Option<User>, UsersError> {
        let username = username.to_owned();
        self.with(move |c| {
            let sql = "SELECT id, username, name, password_hash FROM users WHERE username = ?1";
            Ok(c.query_row(sql, [username], row).optional()?)
        })
        .await
    }

    /// Sets `username`'s password (a new hash: axum-login then ends the user's sessions).
    #[allow(dead_code)] // The tests change a password; the example's pages do not.
    pub async fn set_password(&self, username: &str, password: &str) -> Result<(), UsersError> {
        let (username, hash) = (username.to_owned(), hash(password)?);
        self.with(move |c| {
            let sql = "UPDATE users SET password_hash = ?1 WHERE username = ?2";
            c.execute(sql, params![hash, username])?;
            Ok(())
        })
        .await
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        name: r.get(2)?,
        hash: r.get(3)?,
    })
}

fn hash(password: &str) -> Result<String, UsersError> {
    let hash: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| UsersError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

impl AuthnBackend for Users {
    type User = User;
    type Credentials = Credentials;
    type Error = UsersError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<User>, UsersError> {
        let user = self.by_name(&creds.username).await?;
        let dummy = Arc::clone(&self.dummy);
        // argon2 is slow on purpose: off the async threads too. Unknown users cost the same.
        tokio::task::spawn_blocking(move || match user {
            Some(u) => Ok(verify(&creds.password, &u.hash).then_some(u)),
            None => {
                verify(&creds.password, &dummy);
                Ok(None)
            }
        })
        .await?
    }

    async fn get_user(&self, id: &i64) -> Result<Option<User>, UsersError> {
        let id = *id;
        self.with(move |c| {
            let sql = "SELECT id, username, name, password_hash FROM users WHERE id = ?1";
            Ok(c.query_row(sql, [id], row).optional()?)
        })
        .await
    }
}
