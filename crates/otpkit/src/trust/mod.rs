//! Trusted browsers and the grace records of enforced two-factor sign-in: the
//! [`TrustStore`] trait, its records, [`MemoryTrustStore`], and the keyed hashing of the
//! cookie token.
//!
//! A **trusted browser** is a record per browser a user chose to trust after a verification:
//! the owner, when it was created and last used, when it expires, a short description from
//! the user agent ("Firefox on Linux"), and only a **keyed hash** of the random token its
//! cookie holds — the token itself is never stored. A later sign-in from that browser
//! presents the token; [`trust_token_hashes`] turns it into the candidate hashes (one per key
//! of the ring, so that a record made before a key rotation still matches), and
//! [`TrustStore::use_trusted`] finds the owner's live record among them and marks it used,
//! in one atomic step.
//!
//! A **grace record** holds the first instant a user signed in while a policy required a
//! second factor they did not have yet ([`TrustStore::grace_started`]): the grace period is
//! counted from it, whichever node or request recorded it first.
//!
//! Every backend runs the same conformance suite (`conformance` feature,
//! `trust_store_conformance_tests!`): [`MemoryTrustStore`] here, the SQLite, PostgreSQL and
//! MariaDB stores in `otpkit-sqlite` and `otpkit-sqlx`.

use std::fmt;

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::seal::{KeyRing, KeyedHash, SealError};
use crate::store::StoreError;
use crate::user::UserId;

mod memory;

pub use memory::MemoryTrustStore;

/// The domain tag hashed before a trust token ([`trust_token_hash`]), so that the hash of a
/// token can never equal the hash of a code or of anything else hashed under the same key.
pub const TRUST_TOKEN_DOMAIN: &[u8] = b"otpkit/trusted-browser";

/// At most this many characters of a description are stored
/// ([`NewTrustedBrowser::new`] clips longer ones).
pub const MAX_DESCRIPTION_CHARS: usize = 128;

/// The id of a trusted-browser record: positive, assigned by the store, never reused.
pub type TrustedBrowserId = i64;

/// The keyed hash of a trust token under the ring's active key, as stored
/// ([`KeyedHash`]'s text form, `{key id}:{base64url}`).
///
/// ```
/// use otpkit::KeyRing;
/// use otpkit::trust::{trust_token_hash, trust_token_hashes};
///
/// let keys = KeyRing::random("k1")?;
/// let stored = trust_token_hash(&keys, b"the cookie's random token")?;
/// assert!(stored.starts_with("k1:"));
/// // At sign-in: the candidates under every key of the ring, the active one first.
/// assert_eq!(trust_token_hashes(&keys, b"the cookie's random token")?, vec![stored]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn trust_token_hash(keys: &KeyRing, token: &[u8]) -> Result<String, SealError> {
    Ok(keys.hash(&[TRUST_TOKEN_DOMAIN, token])?.to_string())
}

/// The keyed hashes of a trust token under every key of the ring, active key first: the
/// candidates [`TrustStore::use_trusted`] looks for (a record hashed before a key rotation
/// still matches while its key is in the ring).
pub fn trust_token_hashes(keys: &KeyRing, token: &[u8]) -> Result<Vec<String>, SealError> {
    Ok(keys
        .hash_all_keys(&[TRUST_TOKEN_DOMAIN, token])?
        .iter()
        .map(KeyedHash::to_string)
        .collect())
}

/// `description` as stored: control characters dropped, surrounding white space trimmed, at
/// most [`MAX_DESCRIPTION_CHARS`] characters.
///
/// ```
/// use otpkit::trust::clip_description;
/// assert_eq!(clip_description("  Firefox on Linux\n"), "Firefox on Linux");
/// assert_eq!(clip_description(&"x".repeat(300)).chars().count(), 128);
/// ```
pub fn clip_description(description: &str) -> String {
    description
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(MAX_DESCRIPTION_CHARS)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// A trusted browser as stored. `Debug` leaves the token hash out.
#[derive(Clone, PartialEq, Eq)]
pub struct TrustedBrowser {
    /// The record's id (positive, never reused).
    pub id: TrustedBrowserId,
    /// The owner.
    pub user: UserId,
    /// The keyed hash of the cookie's token ([`trust_token_hash`]); never the token.
    pub token_hash: String,
    /// When the browser was trusted.
    pub created_at: Timestamp,
    /// When the record was last used to skip the code step (at first: `created_at`).
    pub last_seen_at: Timestamp,
    /// The record is usable while `now < expires_at`.
    pub expires_at: Timestamp,
    /// A short description from the user agent, e.g. "Firefox on Linux" (at most
    /// [`MAX_DESCRIPTION_CHARS`] characters).
    pub description: String,
}

impl TrustedBrowser {
    /// Whether the record can still be used at `now` (`now < expires_at`).
    pub fn is_live_at(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}

impl fmt::Debug for TrustedBrowser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedBrowser")
            .field("id", &self.id)
            .field("user", &self.user)
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("expires_at", &self.expires_at)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

/// A trusted browser to insert ([`TrustStore::insert_trusted`]): built only by
/// [`new`](Self::new), so the hash is a keyed hash's text and the description is clipped.
/// `Debug` leaves the token hash out.
#[derive(Clone, PartialEq, Eq)]
pub struct NewTrustedBrowser {
    user: UserId,
    token_hash: String,
    created_at: Timestamp,
    expires_at: Timestamp,
    description: String,
}

impl NewTrustedBrowser {
    /// A record of `user`'s browser, trusted at `created_at` until `expires_at`, whose cookie
    /// token hashes to `token_hash` (from [`KeyRing::hash`] over [`TRUST_TOKEN_DOMAIN`] and
    /// the token: see [`trust_token_hash`], or parse its result). The description is
    /// [clipped](clip_description).
    ///
    /// ```
    /// use otpkit::trust::{NewTrustedBrowser, trust_token_hash};
    /// use otpkit::{KeyRing, Timestamp, UserId};
    ///
    /// let keys = KeyRing::random("k1")?;
    /// let hash = trust_token_hash(&keys, b"token")?.parse()?;
    /// let now = Timestamp::from_secs(1_700_000_000);
    /// let new = NewTrustedBrowser::new(
    ///     UserId::new("alice")?, &hash, now, now.add_secs(30 * 86_400), "Firefox on Linux",
    /// );
    /// assert!(!format!("{new:?}").contains(&hash.to_string()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        user: UserId,
        token_hash: &KeyedHash,
        created_at: Timestamp,
        expires_at: Timestamp,
        description: &str,
    ) -> Self {
        NewTrustedBrowser {
            user,
            token_hash: token_hash.to_string(),
            created_at,
            expires_at,
            description: clip_description(description),
        }
    }

    /// The owner.
    pub fn user(&self) -> &UserId {
        &self.user
    }

    /// The token's keyed hash, as stored.
    pub fn token_hash(&self) -> &str {
        &self.token_hash
    }

    /// When the browser was trusted (also its first `last_seen_at`).
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// When the record expires.
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }

    /// The clipped description.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The record as stored under `id` (`last_seen_at = created_at`).
    pub fn into_record(self, id: TrustedBrowserId) -> TrustedBrowser {
        TrustedBrowser {
            id,
            user: self.user,
            token_hash: self.token_hash,
            created_at: self.created_at,
            last_seen_at: self.created_at,
            expires_at: self.expires_at,
            description: self.description,
        }
    }
}

impl fmt::Debug for NewTrustedBrowser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewTrustedBrowser")
            .field("user", &self.user)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

/// Where trusted browsers and grace records are kept. Held as `Arc<dyn TrustStore>`.
///
/// Contract (checked by the conformance suite, `trust_store_conformance_tests!`):
/// - `insert_trusted` assigns a new positive id, never reused, and stores the record with
///   `last_seen_at = created_at`.
/// - `use_trusted` is **one atomic step**: among the records whose `token_hash` is one of
///   `token_hashes`, the one that belongs to `user` and has `now < expires_at` gets
///   `last_seen_at = max(last_seen_at, now)` and is returned as written; `None` when there is
///   none (an unknown token, someone else's, expired, revoked). A revoked record is never
///   returned once `revoke_trusted` / `revoke_all_trusted` has returned.
/// - `list_trusted` returns all of `user`'s records, expired ones too until
///   `delete_expired_trusted` removes them, newest first (`created_at`, then `id`,
///   descending).
/// - `revoke_trusted` deletes `user`'s record `id` and says whether there was one; another
///   user's record is never touched. `revoke_all_trusted` deletes all of `user`'s records
///   and counts them; `delete_expired_trusted` deletes every record with
///   `expires_at <= now` and counts them.
/// - `grace_started` stores `now` for `user` unless an instant is stored already, and
///   returns the stored instant: any number of concurrent calls, on any node, all return the
///   same one. `clear_grace` deletes it and says whether there was one.
/// - An error means nothing was written.
///
/// A complete store, one mutex over two maps (the same as [`MemoryTrustStore`]):
///
/// ```
/// use std::collections::{BTreeMap, HashMap};
/// use std::sync::{Mutex, MutexGuard};
///
/// use otpkit::store::StoreError;
/// use otpkit::trust::{
///     NewTrustedBrowser, TrustStore, TrustedBrowser, TrustedBrowserId, trust_token_hash,
///     trust_token_hashes,
/// };
/// use otpkit::{KeyRing, Timestamp, UserId};
///
/// /// Every operation holds the one lock: that is all the atomicity the trait asks for.
/// #[derive(Default)]
/// struct TinyTrust(Mutex<Tables>);
///
/// #[derive(Default)]
/// struct Tables {
///     last_id: TrustedBrowserId,
///     browsers: BTreeMap<TrustedBrowserId, TrustedBrowser>,
///     grace: HashMap<UserId, Timestamp>,
/// }
///
/// impl TinyTrust {
///     fn tables(&self) -> Result<MutexGuard<'_, Tables>, StoreError> {
///         self.0.lock().map_err(|_| StoreError::backend(std::io::Error::other("poisoned")))
///     }
/// }
///
/// #[otpkit::async_trait]
/// impl TrustStore for TinyTrust {
///     async fn insert_trusted(&self, new: NewTrustedBrowser) -> Result<TrustedBrowser, StoreError> {
///         let mut t = self.tables()?;
///         t.last_id += 1;
///         let rec = new.into_record(t.last_id);
///         t.browsers.insert(rec.id, rec.clone());
///         Ok(rec)
///     }
///
///     async fn use_trusted(
///         &self,
///         token_hashes: &[String],
///         user: &UserId,
///         now: Timestamp,
///     ) -> Result<Option<TrustedBrowser>, StoreError> {
///         let mut t = self.tables()?;
///         let found = t.browsers.values_mut().find(|r| {
///             token_hashes.contains(&r.token_hash) && &r.user == user && now < r.expires_at
///         });
///         Ok(found.map(|r| {
///             r.last_seen_at = r.last_seen_at.max(now);
///             r.clone()
///         }))
///     }
///
///     async fn list_trusted(&self, user: &UserId) -> Result<Vec<TrustedBrowser>, StoreError> {
///         let t = self.tables()?;
///         let mut mine: Vec<_> = t.browsers.values().filter(|r| &r.user == user).cloned().collect();
///         mine.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
///         Ok(mine)
///     }
///
///     async fn revoke_trusted(&self, user: &UserId, id: TrustedBrowserId) -> Result<bool, StoreError> {
///         let mut t = self.tables()?;
///         let mine = t.browsers.get(&id).is_some_and(|r| &r.user == user);
///         Ok(mine && t.browsers.remove(&id).is_some())
///     }
///
///     async fn revoke_all_trusted(&self, user: &UserId) -> Result<u64, StoreError> {
///         let mut t = self.tables()?;
///         let before = t.browsers.len();
///         t.browsers.retain(|_, r| &r.user != user);
///         Ok((before - t.browsers.len()) as u64)
///     }
///
///     async fn delete_expired_trusted(&self, now: Timestamp) -> Result<u64, StoreError> {
///         let mut t = self.tables()?;
///         let before = t.browsers.len();
///         t.browsers.retain(|_, r| now < r.expires_at);
///         Ok((before - t.browsers.len()) as u64)
///     }
///
///     async fn grace_started(&self, user: &UserId, now: Timestamp) -> Result<Timestamp, StoreError> {
///         Ok(*self.tables()?.grace.entry(user.clone()).or_insert(now))
///     }
///
///     async fn clear_grace(&self, user: &UserId) -> Result<bool, StoreError> {
///         Ok(self.tables()?.grace.remove(user).is_some())
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (store, keys) = (TinyTrust::default(), KeyRing::random("k1")?);
/// let alice = UserId::new("alice")?;
/// let now = Timestamp::from_secs(1_700_000_000);
/// // "Trust this browser": a random token in the cookie, its keyed hash in the store.
/// let token = b"32 random bytes from the CSPRNG..";
/// let hash = trust_token_hash(&keys, token)?.parse()?;
/// let month = now.add_secs(30 * 86_400);
/// let rec = store
///     .insert_trusted(NewTrustedBrowser::new(alice.clone(), &hash, now, month, "Firefox on Linux"))
///     .await?;
/// // A later sign-in from that browser: one atomic look-up and "last seen".
/// let later = now.add_secs(3_600);
/// let candidates = trust_token_hashes(&keys, token)?;
/// let used = store.use_trusted(&candidates, &alice, later).await?.expect("trusted");
/// assert_eq!((used.id, used.last_seen_at), (rec.id, later));
/// // Someone else's sign-in with the same cookie, or after expiry: refused.
/// let bob = UserId::new("bob")?;
/// assert!(store.use_trusted(&candidates, &bob, later).await?.is_none());
/// assert!(store.use_trusted(&candidates, &alice, month).await?.is_none());
/// // Revoked from the devices page: never again.
/// assert!(store.revoke_trusted(&alice, rec.id).await?);
/// assert!(store.use_trusted(&candidates, &alice, later).await?.is_none());
/// // The grace period of an enforced policy starts once.
/// assert_eq!(store.grace_started(&alice, now).await?, now);
/// assert_eq!(store.grace_started(&alice, later).await?, now);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait TrustStore: Send + Sync + 'static {
    /// Stores a new trusted browser; see the trait docs.
    async fn insert_trusted(&self, new: NewTrustedBrowser) -> Result<TrustedBrowser, StoreError>;

    /// The live record of `user` whose token hash is one of `token_hashes`, marked as seen at
    /// `now`, in one atomic step; `None` when there is none. See the trait docs.
    async fn use_trusted(
        &self,
        token_hashes: &[String],
        user: &UserId,
        now: Timestamp,
    ) -> Result<Option<TrustedBrowser>, StoreError>;

    /// All of `user`'s records (expired ones too), newest first.
    async fn list_trusted(&self, user: &UserId) -> Result<Vec<TrustedBrowser>, StoreError>;

    /// Deletes `user`'s record `id`; `false` when `user` has no such record.
    async fn revoke_trusted(&self, user: &UserId, id: TrustedBrowserId)
    -> Result<bool, StoreError>;

    /// Deletes all of `user`'s records; returns how many.
    async fn revoke_all_trusted(&self, user: &UserId) -> Result<u64, StoreError>;

    /// Deletes every record with `expires_at <= now`; returns how many.
    async fn delete_expired_trusted(&self, now: Timestamp) -> Result<u64, StoreError>;

    /// Stores `now` as the start of `user`'s grace period unless one is stored, and returns
    /// the stored start (atomic: concurrent calls all return the same instant).
    async fn grace_started(&self, user: &UserId, now: Timestamp) -> Result<Timestamp, StoreError>;

    /// Deletes `user`'s grace record; `false` when there was none.
    async fn clear_grace(&self, user: &UserId) -> Result<bool, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_domain_separated_and_keyed() {
        let keys = KeyRing::random("k1").unwrap();
        let h = trust_token_hash(&keys, b"tok").unwrap();
        let parsed: KeyedHash = h.parse().unwrap();
        assert!(
            keys.verify_hash(&[TRUST_TOKEN_DOMAIN, b"tok"], &parsed)
                .unwrap()
        );
        assert!(!keys.verify_hash(&[b"tok"], &parsed).unwrap());
        let other = KeyRing::random("k1").unwrap();
        assert_ne!(trust_token_hash(&other, b"tok").unwrap(), h);
        assert!(!h.contains("tok"));
    }

    #[test]
    fn descriptions_are_clipped() {
        assert_eq!(clip_description("a\u{0}b\u{7f}c"), "abc");
        let long = "é".repeat(200);
        assert_eq!(
            clip_description(&long).chars().count(),
            MAX_DESCRIPTION_CHARS
        );
        assert_eq!(clip_description(""), "");
    }

    #[test]
    fn debug_hides_the_hash() {
        let keys = KeyRing::random("k1").unwrap();
        let hash: KeyedHash = trust_token_hash(&keys, b"tok").unwrap().parse().unwrap();
        let text = hash.to_string();
        let t = Timestamp::from_secs(1);
        let new = NewTrustedBrowser::new(UserId::new("u").unwrap(), &hash, t, t, "d");
        assert!(!format!("{new:?}").contains(&text));
        let rec = new.into_record(7);
        assert_eq!(rec.token_hash, text);
        assert_eq!(rec.last_seen_at, t);
        assert!(!format!("{rec:?}").contains(&text));
        assert!(!format!("{rec:?}").contains(&text[3..]));
    }
}
