//! [`FileMailer`]: each message becomes an `.eml` file in a directory (development only).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use otpkit::mailer::{EmailMessage, MailError, Mailer};

use crate::{Error, message};

/// Writes each message, as the full RFC 5322 text an SMTP server would receive, to
/// `otpkit-<random>.eml` in a directory. **For development**: the files hold live codes. On
/// Unix they are created with mode `0600`; open them with any mail client, or read the code
/// from the text.
///
/// ```no_run
/// use otpkit_smtp::FileMailer;
///
/// let mailer = FileMailer::new("target/mail")?;
/// assert_eq!(mailer.dir(), std::path::Path::new("target/mail"));
/// # Ok::<(), otpkit_smtp::Error>(())
/// ```
#[derive(Clone)]
pub struct FileMailer {
    dir: PathBuf,
}

impl fmt::Debug for FileMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileMailer")
            .field("dir", &self.dir)
            .finish()
    }
}

impl FileMailer {
    /// A mailer writing into `dir`, which is created if missing.
    pub fn new(dir: impl Into<PathBuf>) -> Result<FileMailer, Error> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        tracing::warn!(
            target: "otpkit_smtp",
            dir = %dir.display(),
            "FileMailer: email is written to files, not sent (development only)"
        );
        Ok(FileMailer { dir })
    }

    /// The directory the messages go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The outbox failed at `path` (the directory, or the message's file).
fn outbox_error(path: &Path, source: std::io::Error) -> MailError {
    MailError::Outbox {
        outbox: path.display().to_string(),
        source,
    }
}

fn random_name(dir: &Path) -> Result<String, MailError> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| {
        let e = std::io::Error::other(format!("no randomness for a file name: {e}"));
        outbox_error(dir, e)
    })?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("otpkit-{hex}.eml"))
}

fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
        let bytes = message::build(message)?.formatted();
        let path = self.dir.join(random_name(&self.dir)?);
        let file = path.clone();
        match tokio::task::spawn_blocking(move || write_new(&file, &bytes)).await {
            Ok(written) => written.map_err(|e| outbox_error(&path, e)),
            Err(e) => {
                let e = std::io::Error::other(format!("the file writer stopped: {e}"));
                Err(outbox_error(&path, e))
            }
        }
    }
}
