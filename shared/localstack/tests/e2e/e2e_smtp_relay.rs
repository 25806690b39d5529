//! `--smtp`: emails are also relayed over SMTP by lettre's client. A minimal
//! SMTP peer on 127.0.0.1 records what arrives (or refuses it with 550).

use crate::common::*;
use myx_localstack::StackOptions;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[derive(Default)]
struct Received {
    rcpt: Vec<String>,
    data: Vec<String>,
}

/// Speaks just enough SMTP (RFC 5321) for one client; `refuse_rcpt` answers 550.
async fn smtp_peer(refuse_rcpt: bool) -> (u16, Arc<Mutex<Received>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Received::default()));
    let log = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let (r, mut w) = socket.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut in_data = false;
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            log.lock().unwrap().data.push(std::mem::take(&mut data));
                            w.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-test\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT") {
                        log.lock().unwrap().rcpt.push(line.clone());
                        if refuse_rcpt {
                            b"550 no such user\r\n"
                        } else {
                            b"250 ok\r\n"
                        }
                    } else if upper.starts_with("DATA") {
                        in_data = true;
                        b"354 go ahead\r\n"
                    } else if upper.starts_with("QUIT") {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

async fn server_with_relay(port: u16) -> TestServer {
    TestServer::start_with(StackOptions {
        data_dir: None,
        public_url: String::new(),
        virtual_start: Some("2026-12-01T15:00:00Z".parse().unwrap()),
        admin_key: ADMIN_KEY.into(),
        rate_limit_per_minute: None,
        smtp_relay: Some(format!("smtp://127.0.0.1:{port}")),
    })
    .await
}

#[tokio::test]
async fn emails_are_relayed_over_smtp_and_still_captured() {
    let (port, received) = smtp_peer(false).await;
    let s = server_with_relay(port).await;
    let event = s
        .webinar_event("2026-12-10T17:00:00Z", "2026-12-10T18:00:00Z")
        .await;
    s.enroll(&event, "ada@example.com", None).await;
    s.advance_to("2026-12-01T15:00:05Z").await;
    {
        let got = received.lock().unwrap();
        assert_eq!(got.rcpt.len(), 1, "{:?}", got.rcpt);
        assert!(got.rcpt[0].contains("<ada@example.com>"));
        let message = &got.data[0];
        assert!(
            message.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{message}"
        );
        assert!(
            message.contains("text/calendar"),
            "the welcome carries the .ics"
        );
    }
    assert_eq!(s.outbox().await.len(), 1, "still captured in the outbox");
}

#[tokio::test]
async fn a_refusing_relay_is_a_permanent_failure_on_the_timeline() {
    let (port, _received) = smtp_peer(true).await;
    let s = server_with_relay(port).await;
    let event = s
        .webinar_event("2026-12-10T17:00:00Z", "2026-12-10T18:00:00Z")
        .await;
    let enrolled = s.enroll(&event, "nobody@example.com", None).await;
    s.advance_to("2026-12-01T15:00:05Z").await;
    assert!(s.outbox().await.is_empty());
    let id = enrolled["enrollmentId"].as_str().unwrap();
    let tl: Value = s
        .admin_get(&format!("/v1/enrollments/{id}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    let failed = tl["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "failed")
        .cloned();
    let reason = failed
        .map(|f| f["reason"].as_str().unwrap_or("").to_string())
        .unwrap_or_default();
    assert!(
        reason.starts_with("permanent:") && reason.contains("550"),
        "{reason}"
    );
}
