//! A minimal SMTP server on the loopback interface that keeps what it receives: enough of
//! RFC 5321 for lettre's client (EHLO/HELO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA with
//! dot-unstuffing, RSET, NOOP, QUIT), in plain text, with STARTTLS, or with implicit TLS
//! (rustls, a certificate from a CA made for the test).

// Test support: failing loudly is the point (the deny list is for library code).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The `MAIL FROM:` argument, e.g. `<webmaster@localhost>`.
    pub mail_from: String,
    /// The `RCPT TO:` arguments.
    pub rcpt_to: Vec<String>,
    /// The message text after dot-unstuffing, CRLF line ends.
    pub data: Vec<u8>,
    /// Whether the session was encrypted when the message arrived.
    pub tls: bool,
}

/// What the client said, verb by verb, and the credentials it gave (so that tests can
/// assert what was and was not attempted).
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    verbs: Arc<Mutex<Vec<String>>>,
    auth: Arc<Mutex<Vec<(String, String)>>>,
}

impl Transcript {
    pub fn verbs(&self) -> Vec<String> {
        self.verbs.lock().unwrap().clone()
    }
    /// `(user, password)` of each `AUTH PLAIN`.
    pub fn auth(&self) -> Vec<(String, String)> {
        self.auth.lock().unwrap().clone()
    }
    fn push(&self, verb: &str) {
        self.verbs.lock().unwrap().push(verb.to_owned());
    }
}

/// How the sink protects its sessions.
#[derive(Clone)]
pub enum Mode {
    /// Plain text, no STARTTLS offered.
    Plain,
    /// STARTTLS offered (and AUTH only after it).
    StartTls(TlsAcceptor),
    /// TLS from the first byte.
    Implicit(TlsAcceptor),
}

#[derive(Clone)]
struct State {
    tx: mpsc::UnboundedSender<Received>,
    reject_data: Arc<AtomicBool>,
    log: Transcript,
}

pub struct Sink {
    pub port: u16,
    rx: mpsc::UnboundedReceiver<Received>,
    reject_data: Arc<AtomicBool>,
    pub transcript: Transcript,
    accept: JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

const MAX_MESSAGE: usize = 1 << 20;

impl Sink {
    /// A plain-text sink.
    pub async fn start() -> Sink {
        Self::start_with(Mode::Plain).await
    }

    pub async fn start_with(tls: Mode) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::unbounded_channel();
        let reject_data = Arc::new(AtomicBool::new(false));
        let transcript = Transcript::default();
        let state = State {
            tx,
            reject_data: reject_data.clone(),
            log: transcript.clone(),
        };
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (state, tls) = (state.clone(), tls.clone());
                tokio::spawn(async move {
                    let _ = connection(stream, state, tls).await;
                });
            }
        });
        Sink {
            port,
            rx,
            reject_data,
            transcript,
            accept,
        }
    }

    /// `smtp://127.0.0.1:PORT`: plain text, which the URL policy allows on loopback.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Answer `554` to `DATA` (the server refuses the message).
    pub fn set_reject_data(&self, reject: bool) {
        self.reject_data.store(reject, Ordering::SeqCst);
    }

    /// The next received message (fails the test after 10 s).
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.rx.recv())
            .await
            .expect("no message reached the sink within 10 s")
            .expect("the sink stopped")
    }

    /// A message received already, if any.
    pub fn try_next(&mut self) -> Option<Received> {
        self.rx.try_recv().ok()
    }
}

async fn connection(stream: TcpStream, state: State, tls: Mode) -> std::io::Result<()> {
    match tls {
        Mode::Plain => {
            session(stream, &state, true, false, false).await?;
        }
        Mode::Implicit(acceptor) => {
            let stream = acceptor.accept(stream).await?;
            session(stream, &state, true, true, false).await?;
        }
        Mode::StartTls(acceptor) => {
            if let Some(plain) = session(stream, &state, true, false, true).await? {
                let stream = acceptor.accept(plain).await?;
                session(stream, &state, false, true, false).await?;
            }
        }
    }
    Ok(())
}

/// One SMTP dialogue on `stream`. Returns the stream when the client asked for STARTTLS.
async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    state: &State,
    greet: bool,
    tls_active: bool,
    offer_starttls: bool,
) -> std::io::Result<Option<S>> {
    let mut io = BufReader::new(stream);
    if greet {
        io.get_mut()
            .write_all(b"220 sink.localhost ESMTP test sink\r\n")
            .await?;
    }
    let mut mail_from = String::new();
    let mut rcpt_to = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = tokio::time::timeout(Duration::from_secs(30), io.read_until(b'\n', &mut line))
            .await
            .map_err(|_| std::io::Error::other("idle"))??;
        if n == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        let text = text.trim_end_matches(['\r', '\n']);
        let verb = text
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        state.log.push(&verb);
        let arg = |prefix: &str| -> String {
            text.get(prefix.len()..)
                .unwrap_or("")
                .trim()
                .split(' ')
                .next()
                .unwrap_or("")
                .to_owned()
        };
        let reply: String = match verb.as_str() {
            "EHLO" => {
                let mut r = String::from("250-sink.localhost greets you\r\n250-8BITMIME\r\n");
                if offer_starttls {
                    r.push_str("250-STARTTLS\r\n");
                }
                if tls_active {
                    r.push_str("250-AUTH PLAIN\r\n");
                }
                r.push_str("250 SMTPUTF8\r\n");
                r
            }
            "HELO" => "250 sink.localhost\r\n".into(),
            "STARTTLS" if offer_starttls => {
                io.get_mut()
                    .write_all(b"220 2.0.0 Ready to start TLS\r\n")
                    .await?;
                io.get_mut().flush().await?;
                return Ok(Some(io.into_inner()));
            }
            "AUTH" if tls_active => {
                let b64 = text.split(' ').nth(2).unwrap_or("");
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap_or_default();
                let mut parts = raw.split(|b| *b == 0).skip(1);
                let user = String::from_utf8_lossy(parts.next().unwrap_or(b"")).into_owned();
                let pass = String::from_utf8_lossy(parts.next().unwrap_or(b"")).into_owned();
                state.log.auth.lock().unwrap().push((user, pass));
                "235 2.7.0 Authentication successful\r\n".into()
            }
            "MAIL" => {
                mail_from = arg("MAIL FROM:");
                rcpt_to.clear();
                "250 2.1.0 OK\r\n".into()
            }
            "RCPT" => {
                rcpt_to.push(arg("RCPT TO:"));
                "250 2.1.5 OK\r\n".into()
            }
            "DATA" if state.reject_data.load(Ordering::SeqCst) => {
                "554 5.7.1 Message refused by the test sink\r\n".into()
            }
            "DATA" => {
                io.get_mut()
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = Vec::new();
                loop {
                    line.clear();
                    if io.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(None);
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    let body = line.strip_prefix(b".").unwrap_or(&line);
                    if data.len() + body.len() > MAX_MESSAGE {
                        return Ok(None);
                    }
                    data.extend_from_slice(body);
                }
                let _ = state.tx.send(Received {
                    mail_from: std::mem::take(&mut mail_from),
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    data,
                    tls: tls_active,
                });
                "250 2.0.0 OK queued\r\n".into()
            }
            "RSET" => {
                mail_from.clear();
                rcpt_to.clear();
                "250 2.0.0 OK\r\n".into()
            }
            "NOOP" => "250 2.0.0 OK\r\n".into(),
            "QUIT" => {
                io.get_mut().write_all(b"221 2.0.0 Bye\r\n").await?;
                io.get_mut().shutdown().await?;
                return Ok(None);
            }
            _ => "502 5.5.2 Command not implemented\r\n".into(),
        };
        io.get_mut().write_all(reply.as_bytes()).await?;
        io.get_mut().flush().await?;
    }
}

/// A CA made for the test and a server certificate it issued for `names`.
pub struct TestPki {
    /// The CA certificate (PEM), to trust.
    pub ca_pem: String,
    /// A TLS acceptor serving the issued certificate.
    pub acceptor: TlsAcceptor,
}

pub fn test_pki(names: &[&str]) -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "otpkit-smtp test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let leaf = CertificateParams::new(names)
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let ca_cert: &rcgen::Certificate = ca.as_ref();
    let chain = vec![leaf.der().clone(), ca_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    TestPki {
        ca_pem: ca_cert.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    }
}

/// A loopback port with nothing listening on it (connection refused).
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

/// A server that accepts connections and never says a word; returns its port and the task
/// to abort.
pub async fn silent_server() -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..16 {
            match listener.accept().await {
                Ok((s, _)) => held.push(s),
                Err(_) => return,
            }
        }
    });
    (port, task)
}
