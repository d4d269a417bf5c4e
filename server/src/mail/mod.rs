//! Outgoing e-mail with lettre: SMTP (plain, STARTTLS or TLS, with credentials) in production, a
//! directory of `.eml` files or the log in development. Bodies are never logged: they can carry
//! one-time links.

pub mod template;

use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;

use crate::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    Smtp,
    /// One `.eml` file per message in `file_dir` (development, `supplyline demo`).
    File,
    /// Recipient and subject logged, nothing sent.
    Log,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP: only for a relay on the same host or network.
    None,
    /// STARTTLS upgrade (usually port 587); the upgrade is required.
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    pub transport: TransportKind,
    /// The sender, e.g. `Supplyline <no-reply@portal.example.com>`.
    pub from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<Secret>,
    pub smtp_timeout_secs: u64,
    pub file_dir: String,
    /// The acknowledgement reminder goes out this many hours before the SLA runs out.
    pub reminder_hours_before: i64,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            transport: TransportKind::File,
            from: "Supplyline <no-reply@supplyline.localhost>".into(),
            smtp_host: "localhost".into(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            smtp_timeout_secs: 15,
            file_dir: "data/mail".into(),
            reminder_hours_before: 4,
        }
    }
}

impl MailConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.from.parse::<Mailbox>().map_err(|e| format!("from {:?} is not an address: {e}", self.from))?;
        if self.transport == TransportKind::Smtp && self.smtp_host.trim().is_empty() {
            return Err("smtp_host is empty".into());
        }
        if self.smtp_username.is_some() != self.smtp_password.is_some() {
            return Err("give both smtp_username and smtp_password, or neither".into());
        }
        if self.reminder_hours_before < 1 {
            return Err("reminder_hours_before must be at least 1".into());
        }
        Ok(())
    }
}

/// One message: a person, a subject, and the same content as text and HTML.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the mail configuration is not valid: {0}")]
    Config(String),
    #[error("cannot build the message to {to}: {reason}")]
    Build { to: String, reason: String },
    #[error("the mail server refused or failed: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("cannot write the message file: {0}")]
    File(#[from] lettre::transport::file::Error),
}

impl MailError {
    /// A bad address will stay bad; a server problem may pass.
    pub fn is_retryable(&self) -> bool {
        match self {
            MailError::Smtp(e) => !e.is_permanent(),
            MailError::File(_) => true,
            MailError::Config(_) | MailError::Build { .. } => false,
        }
    }
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Log,
}

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl Mailer {
    pub fn from_config(config: &MailConfig) -> Result<Mailer, MailError> {
        config.validate().map_err(MailError::Config)?;
        let from = config.from.parse::<Mailbox>().map_err(|e| MailError::Config(e.to_string()))?;
        let transport = match config.transport {
            TransportKind::Smtp => {
                let builder = match config.smtp_tls {
                    SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.smtp_host),
                    SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.smtp_host)?,
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.smtp_host)?,
                };
                let mut builder =
                    builder.port(config.smtp_port).timeout(Some(Duration::from_secs(config.smtp_timeout_secs)));
                if let (Some(user), Some(password)) = (&config.smtp_username, &config.smtp_password) {
                    builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_string()));
                }
                Transport::Smtp(builder.build())
            }
            TransportKind::File => {
                std::fs::create_dir_all(&config.file_dir)
                    .map_err(|e| MailError::Config(format!("cannot create {}: {e}", config.file_dir)))?;
                Transport::File(AsyncFileTransport::<Tokio1Executor>::new(&config.file_dir))
            }
            TransportKind::Log => Transport::Log,
        };
        Ok(Mailer { from, transport })
    }

    pub async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        let message = self.build(email)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::File(file) => {
                file.send(message).await?;
            }
            Transport::Log => {}
        }
        tracing::info!(to = %email.to_address, subject = %email.subject, "e-mail sent");
        Ok(())
    }

    fn build(&self, email: &OutgoingEmail) -> Result<Message, MailError> {
        let failed = |reason: String| MailError::Build { to: email.to_address.clone(), reason };
        let to = format!("{} <{}>", email.to_name.replace(['<', '>', '"'], ""), email.to_address)
            .parse::<Mailbox>()
            .or_else(|_| email.to_address.parse::<Mailbox>())
            .map_err(|e| failed(e.to_string()))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone()))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(email.html.clone())),
            )
            .map_err(|e| failed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_problems_are_named() {
        let mut c = MailConfig { from: "not an address".into(), ..MailConfig::default() };
        assert!(c.validate().unwrap_err().contains("from"));
        c.from = "Supplyline <a@b.example>".into();
        c.smtp_username = Some("u".into());
        assert!(c.validate().unwrap_err().contains("smtp_password"));
        c.smtp_password = Some(Secret::new("p"));
        assert!(c.validate().is_ok());
    }

    #[test]
    fn messages_carry_text_and_html() {
        let mailer =
            Mailer::from_config(&MailConfig { transport: TransportKind::Log, ..MailConfig::default() }).unwrap();
        let message = mailer
            .build(&OutgoingEmail {
                to_name: "Lars \"L\" <Nordhavn>".into(),
                to_address: "lars@nordhavn.example".into(),
                subject: "New purchase order P00012".into(),
                text: "plain".into(),
                html: "<p>html</p>".into(),
            })
            .unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/plain") && raw.contains("text/html"), "{raw}");
        assert!(raw.contains("lars@nordhavn.example"), "{raw}");
    }
}
