//! A minimal SMTP server on the loopback interface that keeps what it receives: enough of
//! RFC 5321 for lettre's client (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET,
//! NOOP, QUIT). It offers no STARTTLS and no AUTH.

// Test support: failing loudly is the point (the deny list is for library code).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The `MAIL FROM:` argument, e.g. `<webmaster@localhost>`.
    pub mail_from: String,
    /// The `RCPT TO:` arguments.
    pub rcpt_to: Vec<String>,
    /// The message text after dot-unstuffing, CRLF line ends.
    pub data: Vec<u8>,
}

/// What the client said, command by command (verbs only, so that tests can assert what
/// was and was not attempted).
#[derive(Debug, Clone, Default)]
pub struct Transcript(Arc<Mutex<Vec<String>>>);

impl Transcript {
    pub fn verbs(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    fn push(&self, verb: &str) {
        self.0.lock().unwrap().push(verb.to_owned());
    }
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
    pub async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::unbounded_channel();
        let reject_data = Arc::new(AtomicBool::new(false));
        let transcript = Transcript::default();
        let (reject, log) = (reject_data.clone(), transcript.clone());
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (tx, reject, log) = (tx.clone(), reject.clone(), log.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, tx, reject, log).await;
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

async fn serve(
    stream: TcpStream,
    tx: mpsc::UnboundedSender<Received>,
    reject_data: Arc<AtomicBool>,
    log: Transcript,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write
        .write_all(b"220 sink.localhost ESMTP test sink\r\n")
        .await?;
    let mut mail_from = String::new();
    let mut rcpt_to = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = tokio::time::timeout(Duration::from_secs(30), read.read_until(b'\n', &mut line))
            .await
            .map_err(|_| std::io::Error::other("idle"))??;
        if n == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let verb = text
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        log.push(&verb);
        let arg = |prefix: &str| -> String {
            text.get(prefix.len()..)
                .unwrap_or("")
                .trim()
                .split(' ')
                .next()
                .unwrap_or("")
                .to_owned()
        };
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.localhost greets you\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 sink.localhost\r\n",
            "MAIL" => {
                mail_from = arg("MAIL FROM:");
                rcpt_to.clear();
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" => {
                rcpt_to.push(arg("RCPT TO:"));
                b"250 2.1.5 OK\r\n"
            }
            "DATA" if reject_data.load(Ordering::SeqCst) => {
                b"554 5.7.1 Message refused by the test sink\r\n"
            }
            "DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = Vec::new();
                loop {
                    line.clear();
                    if read.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    let body = line.strip_prefix(b".").unwrap_or(&line);
                    if data.len() + body.len() > MAX_MESSAGE {
                        return Ok(());
                    }
                    data.extend_from_slice(body);
                }
                let _ = tx.send(Received {
                    mail_from: std::mem::take(&mut mail_from),
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    data,
                });
                b"250 2.0.0 OK queued\r\n"
            }
            "RSET" => {
                mail_from.clear();
                rcpt_to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
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
