//! The application's users: an in-memory table seeded with two users, passwords as argon2id
//! hashes (the argon2 crate's defaults, a fresh salt each).

use std::collections::HashMap;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{Error, PasswordHasher, PasswordVerifier};

/// The seeded users: username, display name, password.
pub const SEED: [(&str, &str, &str); 2] = [
    ("alice", "Alice Liddell", "wonderland"),
    ("bob", "Bob Builder", "can-we-fix-it"),
];

/// One user.
#[derive(Clone)]
pub struct User {
    /// The username, used to sign in.
    pub username: String,
    /// The name shown on the pages.
    pub name: String,
    /// The password's argon2id hash (a PHC string).
    hash: String,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash is not shown.
        f.debug_struct("User")
            .field("username", &self.username)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The user table.
#[derive(Debug, Clone)]
pub struct Users {
    by_name: HashMap<String, User>,
    /// Checked for unknown usernames, so that they cost as much as known ones.
    dummy: String,
}

impl Users {
    /// The table with the [`SEED`] users.
    pub fn seeded() -> Result<Users, Error> {
        let mut by_name = HashMap::new();
        for (username, name, password) in SEED {
            let user = User {
                username: username.to_owned(),
                name: name.to_owned(),
                hash: hash(password)?,
            };
            by_name.insert(user.username.clone(), user);
        }
        Ok(Users {
            by_name,
            dummy: hash("no user has this password")?,
        })
    }

    /// The user called `username`, if any.
    pub fn get(&self, username: &str) -> Option<&User> {
        self.by_name.get(username)
    }

    /// The user if `password` is theirs.
    pub fn check(&self, username: &str, password: &str) -> Option<&User> {
        match self.by_name.get(username) {
            Some(user) => verify(password, &user.hash).then_some(user),
            None => {
                verify(password, &self.dummy);
                None
            }
        }
    }
}

fn hash(password: &str) -> Result<String, Error> {
    let hash: PasswordHash = Argon2::default().hash_password(password.as_bytes())?;
    Ok(hash.to_string())
}

fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_password_matches() -> Result<(), Error> {
        let users = Users::seeded()?;
        let alice = users.check("alice", "wonderland").map(|u| u.name.as_str());
        assert_eq!(alice, Some("Alice Liddell"));
        assert!(users.check("alice", "can-we-fix-it").is_none());
        assert!(users.check("mallory", "wonderland").is_none());
        assert!(!format!("{:?}", users.get("bob")).contains("argon2"));
        Ok(())
    }
}
