//! The password-reset e-mail: the link to choose a new password, plain text
//! and HTML with the same content.

use super::receipt::escape;
use crate::contracts::PasswordResetRequested;
use lettre::Message;
use lettre::message::MultiPart;

pub fn reset_link(
    requested: &PasswordResetRequested,
    from: &str,
    message_id: &str,
    link: &str,
) -> anyhow::Result<Message> {
    let text = format!(
        "Hello {},\n\nSomeone, we hope you, asked to choose a new password for your account at The Better Store.\n\n\
         Choose a new password: {link}\n\nThe link works once, for an hour. If you did not ask, ignore this e-mail: \
         your password stays as it is.\n",
        requested.name,
    );
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">\
         <p>Hello {},</p><p>Someone, we hope you, asked to choose a new password for your account at The Better Store.</p>\
         <p><a href=\"{}\">Choose a new password</a></p>\
         <p>The link works once, for an hour. If you did not ask, ignore this e-mail: your password stays as it is.</p>\
         </body></html>",
        escape(&requested.name),
        escape(link),
    );
    Ok(Message::builder()
        .from(from.parse()?)
        .to(requested.email.parse()?)
        .subject("Choose a new password")
        .message_id(Some(message_id.to_string()))
        .multipart(MultiPart::alternative_plain_html(text, html))?)
}
