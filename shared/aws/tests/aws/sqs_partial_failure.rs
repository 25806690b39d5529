//! Entries SQS refuses inside a successful `SendMessageBatch` are sent once
//! more, then reported. moto refuses entries only for bad delays (which
//! the adapter caps), so these tests talk to a tiny fake SQS endpoint that
//! answers with canned batch results and records what it was sent.

use myx_aws::SqsQueue;
use myx_engine::{WorkMessage, WorkQueue};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Answers each request with the next canned body (the last one repeats)
/// and records every request body.
async fn fake_sqs(answers: Vec<Value>) -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            let answers = answers.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                loop {
                    let mut length = 0usize;
                    loop {
                        let mut line = String::new();
                        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':') {
                            if name.eq_ignore_ascii_case("content-length") {
                                length = value.trim().parse().unwrap_or(0);
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    if stream.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let answer = {
                        let mut seen = seen.lock().unwrap();
                        seen.push(request);
                        answers[(seen.len() - 1).min(answers.len() - 1)].to_string()
                    };
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                    if stream
                        .get_mut()
                        .write_all(response.as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, requests)
}

fn ok(id: &str) -> Value {
    json!({"Id": id, "MessageId": format!("m-{id}"), "MD5OfMessageBody": "0"})
}

fn refused(id: &str) -> Value {
    json!({"Id": id, "SenderFault": false, "Code": "InternalError", "Message": "try again"})
}

fn message(i: usize) -> WorkMessage {
    WorkMessage::PostEvent {
        tenant: "t1".into(),
        event: "evt_1".into(),
        contact: format!("con_{i}"),
    }
}

fn adapter(url: &str) -> SqsQueue {
    let config = myx_emulator::unreachable_sdk_config()
        .into_builder()
        .endpoint_url(url)
        .build();
    SqsQueue::new(&config, format!("{url}/123456789012/steps"))
}

/// (Id, body) of each entry of a recorded `SendMessageBatch` request.
fn entries(request: &Value) -> Vec<(String, WorkMessage)> {
    request["Entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["Id"].as_str().expect("an id").to_string(),
                myx_aws::parse_work_message(e["MessageBody"].as_str().expect("a body"))
                    .expect("a work message"),
            )
        })
        .collect()
}

#[tokio::test]
async fn refused_entries_are_sent_once_more() {
    let (url, requests) = fake_sqs(vec![
        json!({"Successful": [ok("0"), ok("2")], "Failed": [refused("1")]}),
        json!({"Successful": [ok("1")], "Failed": []}),
    ])
    .await;
    adapter(&url)
        .enqueue((0..3).map(message).collect(), 30)
        .await
        .expect("the retry went through");
    let requests = requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    assert_eq!(entries(&requests[0]).len(), 3);
    assert_eq!(entries(&requests[1]), [("1".to_string(), message(1))]);
    assert_eq!(requests[1]["Entries"][0]["DelaySeconds"], 30);
}

#[tokio::test]
async fn entries_refused_twice_fail_the_enqueue() {
    let (url, requests) = fake_sqs(vec![json!({
        "Successful": [ok("0")],
        "Failed": [refused("1")],
    })])
    .await;
    let error = adapter(&url)
        .enqueue((0..2).map(message).collect(), 0)
        .await
        .expect_err("refused twice");
    assert_eq!(error.port, "queue");
    assert!(error.message.contains("InternalError"), "{error}");
    assert_eq!(requests.lock().unwrap().len(), 2, "one retry, no more");
}
