//! The HTTP functions through lambda_http with the sample API Gateway v2
//! events: routes per function, the admin key, webhook signatures, the
//! per-address limit from `sourceIp`, and bad input answered 4xx.

use crate::support::*;
use myx_engine::Clock;
use myx_lambda::{App, HttpFunction, InitError};
use myx_providers::ZoomWebhookSecret;
use serde_json::{json, Value};

#[tokio::test]
async fn health_and_routes_that_belong_to_another_function() {
    let stack = Stack::new(fixture_secret(), &[]).await;
    let enroll = stack.cold_start(None).await;
    let health = stack
        .invoke_http(&enroll, HttpFunction::Enroll, fixture("enroll-health.json"))
        .await;
    assert_eq!(
        (health.status, health.json()),
        (200, json!({"status": "ok"}))
    );
    // An admin route sent to the enroll function is not found there.
    let admin_route = stack
        .invoke_http(
            &enroll,
            HttpFunction::Enroll,
            fixture("admin-create-event.json"),
        )
        .await;
    assert_eq!(admin_route.status, 404);
    assert_eq!(
        admin_route.headers["content-type"],
        json!("application/problem+json")
    );
    assert_eq!(admin_route.json()["status"], json!(404));
}

#[tokio::test]
async fn bad_input_is_answered_with_a_problem_and_non_http_events_are_errors() {
    let stack = Stack::new(fixture_secret(), &[]).await;
    let enroll = stack.cold_start(None).await;
    for (content_type, body, status) in [
        (Some("application/json"), Some("{not json"), 400),
        (Some("text/plain"), Some("email=ada@example.com"), 415),
        (Some("application/json"), Some("[]"), 400),
        (
            Some("application/json"),
            Some("{\"eventId\": \"evt_nope\", \"email\": \"x@example.com\"}"),
            404,
        ),
        (None, None, 400),
    ] {
        let event = api_event("POST", "/v1/enrollments", content_type, body);
        let response = stack
            .invoke_http(&enroll, HttpFunction::Enroll, event)
            .await;
        assert_eq!(response.status, status, "{body:?}: {}", response.body);
        assert_eq!(
            response.headers["content-type"],
            json!("application/problem+json")
        );
    }
    let too_big = "x".repeat(70 * 1024);
    let event = api_event(
        "POST",
        "/v1/enrollments",
        Some("application/json"),
        Some(&too_big),
    );
    let response = stack
        .invoke_http(&enroll, HttpFunction::Enroll, event)
        .await;
    assert_eq!(response.status, 413);

    // An SQS batch sent to an HTTP function is refused, not a panic.
    let sqs = fixture("send-sqs-batch.json");
    let result = myx_lambda::http::invoke(
        enroll.router(HttpFunction::Enroll),
        lambda_runtime::LambdaEvent::new(sqs, context()),
    )
    .await;
    assert!(matches!(
        result,
        Err(myx_lambda::http::InvokeError::NotAnHttpEvent(_))
    ));
}

#[tokio::test]
async fn admin_routes_need_the_bootstrapped_key() {
    let stack = Stack::new(fixture_secret(), &[]).await;
    let admin = stack.cold_start(Some(HttpFunction::Admin)).await;
    let list = |auth: Option<&str>| {
        let mut event = api_event("GET", "/v1/events", None, None);
        match auth {
            Some(a) => event["headers"]["authorization"] = json!(a),
            None => {
                event["headers"]
                    .as_object_mut()
                    .unwrap()
                    .remove("authorization");
            }
        }
        event
    };
    let ok = stack
        .invoke_http(
            &admin,
            HttpFunction::Admin,
            list(Some(&format!("Bearer {ADMIN_KEY}"))),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    for auth in [None, Some("Bearer wrong"), Some("Basic eDp5")] {
        let refused = stack
            .invoke_http(&admin, HttpFunction::Admin, list(auth))
            .await;
        assert_eq!(refused.status, 401, "{auth:?}");
    }
    // The tenant record came from the stack's parameters.
    let tenant = myx_engine::tenants::get_tenant(&admin.engine, TENANT)
        .await
        .unwrap();
    assert_eq!(tenant.sender_email, SENDER);
    assert_eq!(tenant.business_name, "Acme Webinars");
    assert_eq!(tenant.sms_from.as_deref(), Some("+15005550006"));
}

#[tokio::test]
async fn without_an_admin_key_in_the_secret_no_key_is_registered() {
    let mut secret = fixture_secret();
    secret.as_object_mut().unwrap().remove("adminApiKey");
    let stack = Stack::new(secret, &[]).await;
    let admin = stack.cold_start(None).await;
    let done = admin.bootstrap_default_tenant().await.unwrap();
    assert_eq!(
        done,
        myx_lambda::Bootstrapped {
            tenant: true,
            api_key: false
        }
    );
    let mut event = api_event("GET", "/v1/events", None, None);
    event["headers"]["authorization"] = json!(format!("Bearer {ADMIN_KEY}"));
    let response = stack.invoke_http(&admin, HttpFunction::Admin, event).await;
    assert_eq!(response.status, 401);
}

#[tokio::test]
async fn webhooks_verify_twilio_signatures_and_answer_twiml() {
    let stack = Stack::new(fixture_secret(), &[]).await;
    let webhooks = stack.cold_start(None).await;
    // The sample inbound STOP is signed for the sample deployment's URL.
    let stop = fixture("webhooks-twilio-inbound.json");
    let response = stack
        .invoke_http(&webhooks, HttpFunction::Webhooks, stop.clone())
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.headers["content-type"]
        .as_str()
        .unwrap()
        .starts_with("application/xml"));
    assert!(response.body.contains("<Response"), "{}", response.body);
    let mut forged = stop;
    forged["headers"]["x-twilio-signature"] = json!("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    let response = stack
        .invoke_http(&webhooks, HttpFunction::Webhooks, forged)
        .await;
    assert_eq!(response.status, 403);
}

/// Zoom's URL validation, signed with the secret's token: answered with
/// the encrypted token when fresh (the stack's clock), refused when signed
/// six minutes ago or with a forged signature.
#[tokio::test]
async fn webhooks_answer_zooms_url_validation_and_refuse_stale_or_forged_ones() {
    let stack = Stack::new(fixture_secret(), &[]).await;
    let webhooks = stack.cold_start(None).await;
    let secret = ZoomWebhookSecret::new("fixture-zoom-webhook-secret-token").unwrap();
    let sample = fixture("webhooks-zoom-url-validation.json");
    let body = sample["body"].as_str().unwrap().to_string();
    let signed_at = |at: i64| {
        let mut event = sample.clone();
        event["headers"]["x-zm-request-timestamp"] = json!(at.to_string());
        event["headers"]["x-zm-signature"] = json!(secret.sign(at, body.as_bytes()));
        event
    };
    let now = stack.clock.now().as_second();

    let response = stack
        .invoke_http(&webhooks, HttpFunction::Webhooks, signed_at(now))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let answer: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(answer["plainToken"], "qgg8vlvZRS6UYooatFL8Aw");
    assert_eq!(
        answer["encryptedToken"],
        secret.encrypt_token("qgg8vlvZRS6UYooatFL8Aw")
    );

    let response = stack
        .invoke_http(&webhooks, HttpFunction::Webhooks, signed_at(now - 360))
        .await;
    assert_eq!(
        response.status, 403,
        "5-minute tolerance: {}",
        response.body
    );

    let mut forged = signed_at(now);
    forged["headers"]["x-zm-signature"] = json!(format!("v0={}", "0".repeat(64)));
    let response = stack
        .invoke_http(&webhooks, HttpFunction::Webhooks, forged)
        .await;
    assert_eq!(response.status, 403);
}

/// SES events through SNS: a notification from a topic other than the
/// stack's (`SES_EVENTS_TOPIC_ARN`) is refused before anything is fetched.
#[tokio::test]
async fn webhooks_refuse_sns_notifications_from_other_topics() {
    let stack = Stack::new(
        fixture_secret(),
        &[(
            "SES_EVENTS_TOPIC_ARN",
            "arn:aws:sns:us-east-1:123456789012:another-stack-SesEventsTopic",
        )],
    )
    .await;
    let webhooks = stack.cold_start(None).await;
    for name in [
        "webhooks-ses-sns.json",
        "webhooks-ses-sns-subscription-confirmation.json",
    ] {
        let response = stack
            .invoke_http(&webhooks, HttpFunction::Webhooks, fixture(name))
            .await;
        assert_eq!(response.status, 403, "{name}: {}", response.body);
    }
}

#[tokio::test]
async fn webhooks_without_provider_secrets_are_refused() {
    let stack = Stack::new(
        json!({"unsubscribeKey": "fixture-unsubscribe-key-0123456789abcdef0123456789abcdef"}),
        &[],
    )
    .await;
    let webhooks = stack.cold_start(None).await;
    let response = stack
        .invoke_http(
            &webhooks,
            HttpFunction::Webhooks,
            fixture("webhooks-twilio-inbound.json"),
        )
        .await;
    assert_eq!(response.status, 503, "{}", response.body);
}

#[tokio::test]
async fn enrollment_is_limited_per_source_address() {
    let stack = Stack::new(fixture_secret(), &[("MYX_RATE_LIMIT_PER_MINUTE", "2")]).await;
    let enroll = stack.cold_start(None).await;
    let from = |ip: &str| {
        let mut event = api_event(
            "POST",
            "/v1/enrollments",
            Some("application/json"),
            Some("{}"),
        );
        event["requestContext"]["http"]["sourceIp"] = json!(ip);
        event
    };
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            stack
                .invoke_http(&enroll, HttpFunction::Enroll, from("203.0.113.7"))
                .await
                .status,
        );
    }
    assert_eq!(statuses, [400, 400, 429]);
    let other = stack
        .invoke_http(&enroll, HttpFunction::Enroll, from("198.51.100.9"))
        .await;
    assert_eq!(other.status, 400, "another address has its own allowance");
}

#[tokio::test]
async fn a_cold_start_without_a_usable_secret_fails_clearly() {
    let stack = Stack::new(json!({"twilioAuthToken": "x"}), &[]).await;
    let error = App::new(
        &stack.functions,
        stack.settings.clone(),
        stack.clock.clone(),
    )
    .await
    .err()
    .unwrap();
    assert!(
        matches!(error, InitError::NoUnsubscribeKey { .. }),
        "{error}"
    );

    let mut settings = stack.settings.clone();
    settings.aws.secret_id = "myx/does-not-exist".into();
    let error = App::new(&stack.functions, settings, stack.clock.clone())
        .await
        .err()
        .unwrap();
    assert!(error.to_string().contains("does not exist"), "{error}");
    let _: Value = json!(null);
}
