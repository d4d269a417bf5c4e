//! A real SMTP server for the e-mail tests: aiosmtpd (PyPI, end2end/requirements.txt) in its own
//! process, writing every message it accepts into a Maildir that the tests read back.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpServer {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

/// One received message, decoded.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The Python that has aiosmtpd: `SUPPLYLINE_PYTHON`, else the virtualenv `./dev` prepares.
fn python() -> String {
    std::env::var("SUPPLYLINE_PYTHON").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/supplyline/py/bin/python")
    })
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("supplyline-smtp-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let python = python();
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.join("maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start the SMTP server with {python} (run ./dev test once to install it): {e}")
            });
        let server = SmtpServer { port, dir, child };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "aiosmtpd did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Received> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = ["new", "cur"]
            .iter()
            .flat_map(|sub| std::fs::read_dir(self.dir.join("maildir").join(sub)).into_iter().flatten())
            .filter_map(|e| e.ok())
            .map(|e| (e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH), e.path()))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| {
                let raw = std::fs::read(&path).unwrap();
                let message = mail_parser::MessageParser::default().parse(&raw).expect("a parsable message");
                Received {
                    to: message.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_string(),
                    subject: message.subject().unwrap_or_default().to_string(),
                    text: message.body_text(0).map(|t| t.to_string()).unwrap_or_default(),
                    html: message.body_html(0).map(|t| t.to_string()).unwrap_or_default(),
                }
            })
            .collect()
    }

    pub fn messages_to(&self, address: &str) -> Vec<Received> {
        self.messages().into_iter().filter(|m| m.to == address).collect()
    }

    /// Waits for a message sent in the background (a password reset goes out after the response).
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let got = self.messages_to(address);
            if got.len() >= count || started.elapsed() > Duration::from_secs(20) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Mail settings that deliver to this server.
    pub fn mail_config(&self) -> supplyline::mail::MailConfig {
        supplyline::mail::MailConfig {
            transport: supplyline::mail::TransportKind::Smtp,
            smtp_host: "127.0.0.1".into(),
            smtp_port: self.port,
            smtp_tls: supplyline::mail::SmtpTls::None,
            ..Default::default()
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The first `base/path...` link in a text body.
pub fn link_in(text: &str, base: &str, path: &str) -> Option<String> {
    let start = text.find(&format!("{base}{path}"))?;
    Some(text[start..].split_whitespace().next().unwrap_or_default().to_string())
}
