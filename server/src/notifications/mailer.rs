//! Where e-mail goes: files in a folder, or an SMTP server. A server or
//! folder that cannot take a message now is [`Unavailable`], so the event
//! waits for it; a message the server refuses for good is the event's own
//! failure.

use crate::platform::consumer::Unavailable;
use crate::platform::dir_sync::DirSync;
use crate::platform::files::{self, IfExists};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;

/// Where e-mail goes.
pub enum Mailer {
    /// One `.eml` file per message in a directory, named by its Message-ID
    /// and written whole (renamed into place): a message sent again after a
    /// crash (at-least-once delivery) replaces its own file. Messages written
    /// at the same time share the directory's syncs.
    Files(Arc<DirSync>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Mailer {
    pub fn files(dir: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("mail directory {}: {e}", dir.display()))?;
        Ok(Self::Files(Arc::new(DirSync::new(dir))))
    }

    /// `smtp://host:port` (plain), `smtp://…?tls=required` (STARTTLS) or `smtps://…` (TLS).
    pub fn smtp(url: &str) -> anyhow::Result<Self> {
        Ok(Self::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build()))
    }

    /// Sends `message`. A mail server or folder that cannot take it now is
    /// [`Unavailable`] (the event waits for it); a message the server refuses
    /// for good (5xx) is the event's own failure.
    pub(super) async fn send(&self, message: Message) -> anyhow::Result<()> {
        match self {
            Self::Files(dir) => write_message(dir.clone(), message)
                .await
                .map_err(|e| Unavailable::new("the mail folder", format!("{e:#}")).into()),
            Self::Smtp(transport) => transport.send(message).await.map(drop).map_err(smtp_failure),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Files(dir) => format!("files in {}", dir.path().display()),
            Self::Smtp(_) => "SMTP".into(),
        }
    }
}

fn smtp_failure(e: lettre::transport::smtp::Error) -> anyhow::Error {
    if e.is_permanent() || e.is_client() {
        anyhow::anyhow!("the mail server refused the message: {e}")
    } else {
        Unavailable::new("the mail server", e).into()
    }
}

/// Writes `message` to `<dir>/<its Message-ID>.eml`, whole and durably
/// (the record that it was sent is written after it).
async fn write_message(dir: Arc<DirSync>, message: Message) -> anyhow::Result<()> {
    let id = message.headers().get_raw("Message-ID").unwrap_or_default().to_string();
    let mut name: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || "-.@".contains(c) { c } else { '_' }).collect();
    if name.trim_matches('_').is_empty() {
        name = uuid::Uuid::new_v4().to_string();
    }
    let bytes = message.formatted();
    let path = dir.path().join(format!("{name}.eml"));
    tokio::task::spawn_blocking(move || {
        files::write_whole(&path, &bytes, IfExists::Replace)?;
        dir.sync()
    })
    .await??;
    Ok(())
}

#[cfg(test)]
mod tests;
