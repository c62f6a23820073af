//! Which mail failures an event waits out, and which are its own.

use super::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn message() -> Message {
    Message::builder()
        .from("shop@example.com".parse().unwrap())
        .to("shopper@example.com".parse().unwrap())
        .message_id(Some("<m-1@example.com>".into()))
        .subject("Your receipt")
        .body(String::from("Thank you."))
        .unwrap()
}

/// An SMTP peer on a free loopback port that greets with `greeting` and
/// answers each command with what `reply` gives for its first word.
async fn peer(greeting: &'static str, reply: fn(&str) -> &'static str) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        write.write_all(greeting.as_bytes()).await.unwrap();
        let mut lines = BufReader::new(read).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
            if write.write_all(reply(&verb).as_bytes()).await.is_err() || verb == "QUIT" {
                return;
            }
        }
    });
    port
}

#[tokio::test]
async fn a_mail_server_nobody_answers_on_is_waited_for() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // closed again
    let mailer = Mailer::smtp(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let error = mailer.send(message()).await.unwrap_err();
    assert!(Unavailable::caused(&error), "{error:#}");
}

#[tokio::test]
async fn a_mail_server_that_says_try_later_is_waited_for() {
    let port = peer("421 busy, try again later\r\n", |_| "421 busy\r\n").await;
    let mailer = Mailer::smtp(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let error = mailer.send(message()).await.unwrap_err();
    assert!(Unavailable::caused(&error), "{error:#}");
}

#[tokio::test]
async fn a_message_the_server_refuses_for_good_is_the_events_own_failure() {
    let port = peer("220 test ESMTP\r\n", |verb| match verb {
        "RCPT" => "550 no such mailbox\r\n",
        "QUIT" => "221 bye\r\n",
        _ => "250 ok\r\n",
    })
    .await;
    let mailer = Mailer::smtp(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let error = mailer.send(message()).await.unwrap_err();
    assert!(!Unavailable::caused(&error), "{error:#}");
    assert!(format!("{error:#}").contains("refused"), "{error:#}");
}
