//! `OTPKIT_SMTP_URL`: what it may say and what it means (docs/behaviour.md §6).
//!
//! # The policy
//!
//! | URL | connection | default port |
//! |---|---|---|
//! | `smtps://host[:port]` | implicit TLS (the whole session is TLS) | 465 |
//! | `smtp://host[:port]` | STARTTLS, **required**: a server that does not offer it, or whose certificate does not verify, gets nothing | 587 |
//! | `smtp://localhost[:port]`, `smtp://127.x.y.z[:port]`, `smtp://[::1][:port]` | plain SMTP (a local relay or a development sink) | 25 |
//! | `smtp://host?tls=required` (also `?tls=starttls`) | STARTTLS, required, loopback included | 587 |
//!
//! Credentials come as `user:password@` and are percent-decoded (`%40` for `@`, `%3A` for
//! `:` …). A path names the EHLO host name, as in lettre (`smtp://relay.example.com/me.example.com`).
//!
//! This is lettre's own URL grammar ([`lettre::AsyncSmtpTransport::from_url`]) with one
//! deliberate difference: lettre reads a bare `smtp://host` as plain text to port 25, which
//! would send every code (and the password) in clear to any host a typo or a DNS answer
//! points at. Here plain text is only ever spoken to the loopback interface, and
//! `?tls=opportunistic` (STARTTLS when offered, silently plain otherwise — an attacker on the
//! path can strip the offer) is refused. Unknown query parameters are refused too, so that a
//! misspelt option is never silently ignored.
//!
//! Server certificates are verified against the Mozilla root set compiled in
//! (`webpki-roots`), plus any CA given to [`SmtpConfig::add_root_certificate_pem`] (a relay
//! with a private CA); the host name in the URL must match the certificate. TLS 1.2 at least.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use otpkit::SecretString;
use url::{Host, Url};

use crate::Error;

/// The default connection timeout; a whole delivery is bounded by three times it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Security {
    /// No TLS. Only ever chosen for a loopback host (`localhost`, `127.0.0.0/8`, `::1`).
    Plain,
    /// `STARTTLS`, required: the message is not sent unless the upgrade succeeds.
    StartTls,
    /// Implicit TLS from the first byte (`smtps://`).
    ImplicitTls,
}

impl Security {
    /// A short name for logs: `plain`, `starttls` or `tls`.
    pub fn name(self) -> &'static str {
        match self {
            Security::Plain => "plain",
            Security::StartTls => "starttls",
            Security::ImplicitTls => "tls",
        }
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A user name and password for `AUTH`. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name (percent-decoded).
    pub username: String,
    /// The password (percent-decoded).
    pub password: SecretString,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A parsed `OTPKIT_SMTP_URL`: where to connect, how, and as whom.
///
/// Made only by [`SmtpConfig::from_url`], which applies the TLS policy of this module, so a
/// value of this type never describes plain text to a remote host. `Debug` hides the
/// password.
///
/// ```
/// use otpkit_smtp::{Security, SmtpConfig};
///
/// let c = SmtpConfig::from_url("smtp://mailer:s%40cret@mail.example.com")?;
/// assert_eq!(c.host(), "mail.example.com");
/// assert_eq!(c.port(), 587);
/// assert_eq!(c.security(), Security::StartTls);
/// assert_eq!(c.credentials().map(|c| c.password.expose()), Some("s@cret"));
/// assert!(!format!("{c:?}").contains("s@cret"));
/// # Ok::<(), otpkit_smtp::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello_name: Option<String>,
    timeout: Duration,
    extra_roots: Vec<Vec<u8>>,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("credentials", &self.credentials)
            .field("hello_name", &self.hello_name)
            .field("timeout", &self.timeout)
            .field("extra_root_certificates", &self.extra_roots.len())
            .finish()
    }
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidUrl(reason.into())
}

fn decode(part: &str, what: &str) -> Result<String, Error> {
    percent_encoding::percent_decode_str(part)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            invalid(format!(
                "the {what} is not valid UTF-8 once percent-decoded"
            ))
        })
}

/// Whether `host` is the loopback interface: `localhost` (any case, with or without the
/// trailing dot), `127.0.0.0/8` or `::1`.
fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        // `smtp` is not a "special" scheme, so the URL parser leaves IPv4 addresses as
        // opaque host names.
        Host::Domain(d) => match d.parse::<Ipv4Addr>() {
            Ok(a) => a.is_loopback(),
            Err(_) => {
                let d = d.strip_suffix('.').unwrap_or(d);
                d.eq_ignore_ascii_case("localhost")
            }
        },
        Host::Ipv4(a) => a.is_loopback(),
        Host::Ipv6(a) => a.is_loopback() || a.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

fn host_string(host: &Host<&str>) -> String {
    match host {
        Host::Domain(d) => (*d).to_owned(),
        Host::Ipv4(a) => Ipv4Addr::to_string(a),
        // Unbracketed: lettre resolves `(host, port)` and verifies certificates against it.
        Host::Ipv6(a) => Ipv6Addr::to_string(a),
    }
}

/// An EHLO name is a host name or an address literal; nothing that could break the command
/// line.
fn valid_hello_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
}

/// The URL's host: present, and a DNS name or an IP address.
fn checked_host(parsed: &Url) -> Result<Host<&str>, Error> {
    let host = parsed
        .host()
        .ok_or_else(|| invalid("the host is missing (smtp://host[:port])"))?;
    if let Host::Domain(d) = host {
        if d.is_empty() {
            return Err(invalid("the host is missing (smtp://host[:port])"));
        }
        if !d
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(invalid(
                "the host must be a DNS name or an IP address (letters, digits, `.`, `-`)",
            ));
        }
    }
    Ok(host)
}

/// The `tls` query parameter, given at most once; any other parameter is refused.
fn tls_parameter(parsed: &Url) -> Result<Option<String>, Error> {
    let mut tls: Option<String> = None;
    for (key, value) in parsed.query_pairs() {
        if key == "tls" {
            if tls.is_some() {
                return Err(invalid("the tls parameter is given twice"));
            }
            tls = Some(value.into_owned());
        } else {
            return Err(invalid(format!(
                "unknown query parameter `{key}` (only `tls` is understood)"
            )));
        }
    }
    Ok(tls)
}

/// The protection the policy of the module docs gives `scheme` with `tls` to a host.
fn security_for(scheme: &str, tls: Option<&str>, loopback: bool) -> Result<Security, Error> {
    match (scheme, tls) {
        ("smtps", None) => Ok(Security::ImplicitTls),
        ("smtps", Some(_)) => Err(invalid(
            "smtps:// always uses implicit TLS: remove the tls parameter",
        )),
        (_, None) if loopback => Ok(Security::Plain),
        (_, None) | (_, Some("required" | "starttls")) => Ok(Security::StartTls),
        (_, Some("opportunistic")) => Err(invalid(
            "tls=opportunistic falls back to plain text when the STARTTLS offer is \
             stripped; use smtp:// (STARTTLS required) or smtps://",
        )),
        (_, Some(other)) => Err(invalid(format!(
            "unknown tls value `{other}`: use tls=required (STARTTLS), or smtps:// for \
             implicit TLS; plain SMTP is only spoken to localhost/loopback"
        ))),
    }
}

/// The `user:password@` part: both or neither, percent-decoded.
fn credentials(parsed: &Url) -> Result<Option<Credentials>, Error> {
    match (parsed.username(), parsed.password()) {
        ("", None) => Ok(None),
        ("", Some(_)) => Err(invalid("a password is given without a user name")),
        (_, None) => Err(invalid(
            "a user name is given without a password (user:password@host)",
        )),
        (user, Some(password)) => Ok(Some(Credentials {
            username: decode(user, "user name")?,
            password: SecretString::new(decode(password, "password")?),
        })),
    }
}

/// The EHLO name from the URL's path, if any.
fn hello_name(parsed: &Url) -> Result<Option<String>, Error> {
    let path = parsed.path().trim_matches('/');
    if path.is_empty() {
        Ok(None)
    } else if valid_hello_name(path) {
        Ok(Some(path.to_owned()))
    } else {
        Err(invalid(
            "the path names the EHLO host name and must be a plain host name",
        ))
    }
}

impl SmtpConfig {
    /// Parses an `OTPKIT_SMTP_URL` and applies the TLS policy (module docs). Errors never
    /// quote the URL, which may hold a password.
    pub fn from_url(url: &str) -> Result<SmtpConfig, Error> {
        let parsed = Url::parse(url.trim()).map_err(|e| invalid(format!("not a URL ({e})")))?;
        let scheme = parsed.scheme();
        if scheme != "smtp" && scheme != "smtps" {
            return Err(invalid(format!(
                "unsupported scheme `{scheme}`: use smtp:// (STARTTLS) or smtps:// (implicit TLS)"
            )));
        }
        let host = checked_host(&parsed)?;
        if parsed.fragment().is_some() {
            return Err(invalid("a #fragment has no meaning here"));
        }
        let tls = tls_parameter(&parsed)?;
        let security = security_for(scheme, tls.as_deref(), is_loopback(&host))?;
        let port = parsed.port().unwrap_or(match security {
            Security::Plain => 25,
            Security::StartTls => 587,
            Security::ImplicitTls => 465,
        });
        if port == 0 {
            return Err(invalid("port 0 is not a port"));
        }
        Ok(SmtpConfig {
            host: host_string(&host),
            port,
            security,
            credentials: credentials(&parsed)?,
            hello_name: hello_name(&parsed)?,
            timeout: DEFAULT_TIMEOUT,
            extra_roots: Vec::new(),
        })
    }

    /// The server's host name or address (IPv6 without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How the connection is protected.
    pub fn security(&self) -> Security {
        self.security
    }

    /// The `AUTH` credentials, if the URL had any.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// The EHLO name from the URL's path; `None` means this machine's host name.
    pub fn hello_name(&self) -> Option<&str> {
        self.hello_name.as_deref()
    }

    /// The connection timeout ([`DEFAULT_TIMEOUT`] unless changed): the TCP connection must
    /// be up within it, and a whole delivery (connect, TLS, `AUTH`, the message, `QUIT`) must
    /// be over within three times it.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sets the connection timeout (at least one second; see [`SmtpConfig::timeout`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_secs(1));
        self
    }

    /// Also trusts the CA certificate(s) in `pem` (one or more `BEGIN CERTIFICATE` blocks),
    /// in addition to the Mozilla roots: for a relay whose certificate comes from a private
    /// CA. Host names are still verified. Has no effect on a [`Security::Plain`] connection.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let has_cert =
            std::str::from_utf8(pem).is_ok_and(|text| text.contains("-----BEGIN CERTIFICATE-----"));
        if !has_cert {
            return Err(Error::Tls(
                "the root certificate file holds no PEM `BEGIN CERTIFICATE` block".into(),
            ));
        }
        lettre::transport::smtp::client::Certificate::from_pem(pem)
            .map_err(|e| Error::Tls(format!("invalid root certificate: {e}")))?;
        self.extra_roots.push(pem.to_vec());
        Ok(self)
    }

    /// The extra trusted CA certificates (PEM), from
    /// [`SmtpConfig::add_root_certificate_pem`].
    pub fn extra_root_certificates(&self) -> &[Vec<u8>] {
        &self.extra_roots
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> SmtpConfig {
        SmtpConfig::from_url(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn reason(url: &str) -> String {
        match SmtpConfig::from_url(url) {
            Ok(c) => panic!("{url} was accepted: {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn smtp_to_a_remote_host_requires_starttls() {
        let c = parse("smtp://mail.example.com");
        assert_eq!(c.host(), "mail.example.com");
        assert_eq!(c.port(), 587);
        assert_eq!(c.security(), Security::StartTls);
        assert_eq!(c.credentials(), None);
        assert_eq!(c.hello_name(), None);
        assert_eq!(c.timeout(), DEFAULT_TIMEOUT);

        let c = parse("smtp://mail.example.com:25");
        assert_eq!((c.port(), c.security()), (25, Security::StartTls));
        let c = parse("smtp://10.1.2.3:2525?tls=required");
        assert_eq!(c.host(), "10.1.2.3");
        assert_eq!((c.port(), c.security()), (2525, Security::StartTls));
        let c = parse("smtp://mail.example.com?tls=starttls");
        assert_eq!(c.security(), Security::StartTls);
    }

    #[test]
    fn smtps_is_implicit_tls() {
        let c = parse("smtps://mail.example.com");
        assert_eq!((c.port(), c.security()), (465, Security::ImplicitTls));
        let c = parse("smtps://mail.example.com:2465");
        assert_eq!((c.port(), c.security()), (2465, Security::ImplicitTls));
        let c = parse("smtps://localhost");
        assert_eq!(c.security(), Security::ImplicitTls);
    }

    #[test]
    fn plain_text_only_on_loopback() {
        for (url, host) in [
            ("smtp://localhost", "localhost"),
            ("smtp://LocalHost.", "LocalHost."),
            ("smtp://127.0.0.1", "127.0.0.1"),
            ("smtp://127.8.9.10", "127.8.9.10"),
            ("smtp://[::1]", "::1"),
            ("smtp://[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ] {
            let c = parse(url);
            assert_eq!(c.security(), Security::Plain, "{url}");
            assert_eq!(c.port(), 25, "{url}");
            assert_eq!(c.host(), host, "{url}");
        }
        let c = parse("smtp://127.0.0.1:1025");
        assert_eq!((c.port(), c.security()), (1025, Security::Plain));
        // Loopback can still ask for STARTTLS.
        let c = parse("smtp://localhost:1025?tls=required");
        assert_eq!(c.security(), Security::StartTls);
        // Names that merely look local are not loopback.
        for url in [
            "smtp://localhost.example.com",
            "smtp://mylocalhost",
            "smtp://128.0.0.1",
            "smtp://0.0.0.0",
            "smtp://[::2]",
        ] {
            assert_eq!(parse(url).security(), Security::StartTls, "{url}");
        }
    }

    #[test]
    fn credentials_are_percent_decoded_and_redacted() {
        let c = parse("smtps://us%40er:p%3Ass%2Fw%40rd%25@mail.example.com");
        let cred = c.credentials().unwrap();
        assert_eq!(cred.username, "us@er");
        assert_eq!(cred.password.expose(), "p:ss/w@rd%");
        let debug = format!("{c:?}");
        assert!(debug.contains("us@er"), "{debug}");
        assert!(!debug.contains("p:ss"), "{debug}");
        assert!(!debug.contains("w@rd"), "{debug}");

        let c = parse("smtp://apikey:secret@127.0.0.1:2525");
        assert_eq!(c.security(), Security::Plain);
        assert_eq!(c.credentials().unwrap().username, "apikey");

        assert!(reason("smtp://user@mail.example.com").contains("without a password"));
        assert!(reason("smtp://:pw@mail.example.com").contains("without a user name"));
        let r = reason("smtp://u:%FF%FE@mail.example.com");
        assert!(r.contains("password"), "{r}");
    }

    #[test]
    fn hello_name_from_the_path() {
        let c = parse("smtp://mail.example.com/client.example.org");
        assert_eq!(c.hello_name(), Some("client.example.org"));
        let c = parse("smtp://mail.example.com/");
        assert_eq!(c.hello_name(), None);
        assert!(reason("smtp://mail.example.com/a%0D%0AQUIT").contains("EHLO"));
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_them() {
        for (url, needle) in [
            ("http://mail.example.com", "unsupported scheme `http`"),
            ("smtpx://mail.example.com", "unsupported scheme"),
            ("mail.example.com:25", "unsupported scheme"),
            ("", "not a URL"),
            ("smtp://", "host is missing"),
            ("smtp://mail.example.com:notaport", "not a URL"),
            ("smtp://mail.example.com:0", "port 0"),
            ("smtp://mail.example.com?tls=opportunistic", "opportunistic"),
            (
                "smtp://mail.example.com?tls=none",
                "only spoken to localhost",
            ),
            ("smtp://localhost?tls=wrapper", "unknown tls value"),
            (
                "smtps://mail.example.com?tls=required",
                "remove the tls parameter",
            ),
            ("smtp://mail.example.com?tls=required&tls=required", "twice"),
            (
                "smtp://mail.example.com?timeout=5",
                "unknown query parameter `timeout`",
            ),
            ("smtp://mail.example.com#x", "fragment"),
        ] {
            let r = reason(url);
            assert!(r.contains(needle), "{url}: {r}");
            assert!(r.starts_with("OTPKIT_SMTP_URL: "), "{url}: {r}");
        }
        let r = reason("http://user:hunter2@mail.example.com");
        assert!(!r.contains("hunter2"), "{r}");
    }

    #[test]
    fn root_certificates_must_be_pem() {
        let c = parse("smtps://mail.example.com");
        let err = c
            .clone()
            .add_root_certificate_pem(b"not a certificate")
            .unwrap_err();
        assert!(err.to_string().contains("BEGIN CERTIFICATE"), "{err}");
        let garbage = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(c.add_root_certificate_pem(garbage).is_err());
    }

    #[test]
    fn timeout_has_a_floor() {
        let c = parse("smtp://localhost").with_timeout(Duration::from_millis(10));
        assert_eq!(c.timeout(), Duration::from_secs(1));
        let c = parse("smtp://localhost").with_timeout(Duration::from_secs(30));
        assert_eq!(c.timeout(), Duration::from_secs(30));
    }
}
