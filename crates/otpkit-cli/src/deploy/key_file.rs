//! The key ring file: `OTPKIT_SECRET_KEYS_FILE`, or the `{database file}.keys` beside a
//! SQLite database, created on first use with mode 0600.
//!
//! The ring's text and its keys are otpkit's ([`KeyRing::parse`]); reading, creating and
//! checking the file is the deployment's, here.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use otpkit::seal::{KeyRing, KeyRingError};
use zeroize::Zeroizing;

/// Key id used for the entry of a freshly created key ring file.
pub const DEFAULT_KEY_ID: &str = "k1";

/// Why a key ring file could not be loaded or created. No message contains key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// Reading or creating the file failed.
    #[error("key ring file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The file's text is not a valid key ring, or no new entry could be made.
    #[error(transparent)]
    Ring(#[from] KeyRingError),
}

/// Reads and parses the ring file at `path`.
pub fn load_file(path: impl AsRef<Path>) -> Result<KeyRing, KeyFileError> {
    let path = path.as_ref();
    let text =
        Zeroizing::new(
            std::fs::read_to_string(path).map_err(|source| KeyFileError::Io {
                path: path.to_owned(),
                source,
            })?,
        );
    warn_if_shared(path);
    Ok(KeyRing::parse(&text)?)
}

/// Loads the ring file at `path`, or creates it when it does not exist (the embedded
/// SQLite default of docs/behaviour.md §5.7). Returns the ring and whether the file was created, so
/// that the caller can announce it once.
///
/// A new file holds one fresh entry with the id [`DEFAULT_KEY_ID`] (`k1`) and, on Unix,
/// mode 0600. It appears atomically: the entry is written and synced to a temporary file
/// beside it, which is then hard-linked to `path` only if `path` still does not exist. Two
/// processes racing to create the ring thus end up with the same ring; a crash never
/// leaves a half-written ring at `path`. On file systems without hard links the file is
/// created directly with `create_new`.
pub fn load_or_create_file(path: impl AsRef<Path>) -> Result<(KeyRing, bool), KeyFileError> {
    let path = path.as_ref();
    match std::fs::metadata(path) {
        Ok(_) => return Ok((load_file(path)?, false)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(KeyFileError::Io {
                path: path.to_owned(),
                source,
            });
        }
    }
    let entry = Zeroizing::new(KeyRing::generate_entry(DEFAULT_KEY_ID)?);
    let ring = KeyRing::parse(&entry)?;
    let mut contents = Zeroizing::new(String::with_capacity(entry.len().saturating_add(1)));
    contents.push_str(&entry);
    contents.push('\n');
    if create_atomically(path, contents.as_bytes())? {
        Ok((ring, true))
    } else {
        // Someone else created it first: theirs wins.
        Ok((load_file(path)?, false))
    }
}

/// Creates `path` with `contents` if it does not exist. `Ok(false)` if it appeared meanwhile.
fn create_atomically(path: &Path, contents: &[u8]) -> Result<bool, KeyFileError> {
    let io_err = |source: io::Error| KeyFileError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let file_name = path.file_name().ok_or_else(|| {
        io_err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|_| KeyFileError::Ring(KeyRingError::Random))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".tmp-{}", URL_SAFE_NO_PAD.encode(suffix)));
    let tmp = dir.join(tmp_name);

    let write_new = |target: &Path| -> io::Result<()> {
        let mut file = new_private_file(target)?;
        file.write_all(contents)?;
        file.sync_all()
    };

    if let Err(e) = write_new(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(e));
    }
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
        Err(_) => {
            // No hard links here (some network or FAT file systems): create in place.
            match write_new(path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
                Err(e) => {
                    let _ = std::fs::remove_file(path);
                    return Err(io_err(e));
                }
            }
        }
    }
    // Make the new directory entry durable; best effort.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(true)
}

#[cfg(unix)]
fn new_private_file(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn new_private_file(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            "the key ring file is readable or writable by group or others; use mode 0600"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    const PID: &str = "otp_totp.totpdevice/1";
    const KEY20: &[u8] = b"12345678901234567890";

    fn temp_dir(name: &str) -> PathBuf {
        let mut suffix = [0u8; 6];
        getrandom::fill(&mut suffix).unwrap();
        let dir = std::env::temp_dir().join(format!(
            "otpkit-keyfile-{name}-{}",
            URL_SAFE_NO_PAD.encode(suffix)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn file_creation_and_reuse() {
        let dir = temp_dir("create");
        let path = dir.join("otpkit.sqlite3.keys");
        let (ring, created) = load_or_create_file(&path).unwrap();
        assert!(created);
        assert_eq!(ring.active_id(), DEFAULT_KEY_ID);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("k1:") && text.ends_with('\n'));
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // Second use: same ring, not recreated.
        let sealed = ring.seal(PID, KEY20).unwrap();
        let (again, created) = load_or_create_file(&path).unwrap();
        assert!(!created);
        assert_eq!(again.open(PID, &sealed).unwrap().expose(), KEY20);
        let loaded = load_file(&path).unwrap();
        assert_eq!(loaded.open(PID, &sealed).unwrap().expose(), KEY20);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn file_errors() {
        let dir = temp_dir("errors");
        let missing = dir.join("missing.keys");
        let err = load_file(&missing).unwrap_err();
        assert!(matches!(err, KeyFileError::Io { .. }));
        assert!(err.to_string().contains("missing.keys"));
        // An existing malformed file is an error, never overwritten.
        let bad = dir.join("bad.keys");
        std::fs::write(&bad, "k1:AAAA").unwrap();
        assert!(matches!(
            load_or_create_file(&bad),
            Err(KeyFileError::Ring(KeyRingError::WrongLength { .. }))
        ));
        assert_eq!(std::fs::read_to_string(&bad).unwrap(), "k1:AAAA");
        // A missing parent directory is an I/O error.
        let nested = dir.join("no/such/dir/x.keys");
        assert!(matches!(
            load_or_create_file(&nested),
            Err(KeyFileError::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_creation_yields_one_ring() {
        let dir = temp_dir("race");
        let path = dir.join("race.keys");
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || load_or_create_file(&path).unwrap())
            })
            .collect();
        let results: Vec<(KeyRing, bool)> =
            handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(results.iter().filter(|(_, c)| *c).count(), 1);
        let sealed = results[0].0.seal(PID, KEY20).unwrap();
        for (ring, _) in &results {
            assert_eq!(ring.open(PID, &sealed).unwrap().expose(), KEY20);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
