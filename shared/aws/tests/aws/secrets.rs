//! The app's secrets from Secrets Manager (moto): read once, cached, and
//! clear errors for a missing secret or bad content.

use myx_aws::{SecretString, SecretsCache, SecretsError};

const KEY: &str = "an-unsubscribe-key-of-at-least-32-bytes";

#[tokio::test]
async fn reads_the_secret_once_and_keeps_it() {
    let config = myx_emulator::sdk_config();
    let text = serde_json::json!({
        "unsubscribeKey": KEY,
        "twilioAccountSid": "AC123",
        "twilioAuthToken": "twilio-token",
        "twilioFrom": "+15550000000",
        "zoomAccountId": "zoom-account",
        "zoomClientId": "zoom-client",
        "zoomClientSecret": "zoom-secret",
        "zoomWebhookSecretToken": "zoom-webhook",
        "resendApiKey": "re_key",
        "resendWebhookSecret": "whsec_x",
        "adminApiKey": "myx_admin_key",
        "someoneElsesKey": "ignored",
    })
    .to_string();
    let secret_id = myx_emulator::create_secret(&config, &text).await;
    let cache = SecretsCache::new(&config, &secret_id);
    let secrets = cache.get().await.expect("read");
    assert!(secrets.unsubscribe_key.is_some());
    let expose = |s: &Option<SecretString>| s.as_ref().map(|s| s.expose().to_string());
    assert_eq!(
        expose(&secrets.twilio_account_sid).as_deref(),
        Some("AC123")
    );
    assert_eq!(
        expose(&secrets.twilio_auth_token).as_deref(),
        Some("twilio-token")
    );
    assert_eq!(
        expose(&secrets.twilio_from).as_deref(),
        Some("+15550000000")
    );
    assert_eq!(
        expose(&secrets.zoom_account_id).as_deref(),
        Some("zoom-account")
    );
    assert_eq!(
        expose(&secrets.zoom_client_id).as_deref(),
        Some("zoom-client")
    );
    assert_eq!(
        expose(&secrets.zoom_client_secret).as_deref(),
        Some("zoom-secret")
    );
    assert_eq!(
        expose(&secrets.zoom_webhook_secret_token).as_deref(),
        Some("zoom-webhook")
    );
    assert_eq!(expose(&secrets.resend_api_key).as_deref(), Some("re_key"));
    assert_eq!(
        expose(&secrets.resend_webhook_secret).as_deref(),
        Some("whsec_x")
    );
    assert_eq!(
        expose(&secrets.admin_api_key).as_deref(),
        Some("myx_admin_key")
    );
    let debug = format!("{secrets:?}");
    for value in [
        KEY,
        "twilio-token",
        "zoom-secret",
        "re_key",
        "+15550000000",
        "myx_admin_key",
    ] {
        assert!(!debug.contains(value), "{value} in {debug}");
    }

    // A new value in Secrets Manager: this cache keeps what it read (one
    // read per cold start); a new cache sees the new value.
    aws_sdk_secretsmanager::Client::new(&config)
        .put_secret_value()
        .secret_id(&secret_id)
        .secret_string(r#"{"resendApiKey":"re_rotated"}"#)
        .send()
        .await
        .expect("rotated");
    let again = cache.get().await.expect("cached");
    assert_eq!(expose(&again.resend_api_key).as_deref(), Some("re_key"));
    let fresh = SecretsCache::new(&config, &secret_id);
    let rotated = fresh.get().await.expect("read");
    assert_eq!(
        expose(&rotated.resend_api_key).as_deref(),
        Some("re_rotated")
    );
    assert!(rotated.unsubscribe_key.is_none());
}

#[tokio::test]
async fn a_missing_secret_is_named() {
    let config = myx_emulator::sdk_config();
    let secret_id = myx_emulator::unique_name("myx/missing");
    let error = SecretsCache::new(&config, &secret_id)
        .get()
        .await
        .expect_err("missing");
    assert_eq!(
        error,
        SecretsError::NotFound {
            secret_id: secret_id.clone()
        }
    );
    assert!(error.to_string().contains(&secret_id));
}

#[tokio::test]
async fn bad_content_is_a_clear_error_without_the_value() {
    let config = myx_emulator::sdk_config();
    for (text, leak) in [
        ("not json at all", "not json"),
        (r#"["a","list"]"#, "list"),
        (r#"{"resendApiKey": 123456789}"#, "123456789"),
    ] {
        let secret_id = myx_emulator::create_secret(&config, text).await;
        let error = SecretsCache::new(&config, &secret_id)
            .get()
            .await
            .expect_err("bad JSON");
        assert!(matches!(error, SecretsError::BadJson { .. }), "{error:?}");
        assert!(!error.to_string().contains(leak), "{error}");
    }
    let secret_id = myx_emulator::create_secret(&config, r#"{"unsubscribeKey":"too-short"}"#).await;
    let error = SecretsCache::new(&config, &secret_id)
        .get()
        .await
        .expect_err("a short key");
    assert!(
        matches!(error, SecretsError::BadUnsubscribeKey { .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains("too-short"), "{error}");
}

#[tokio::test]
async fn a_failed_read_is_not_cached() {
    let config = myx_emulator::sdk_config();
    let secret_id = myx_emulator::unique_name("myx/later");
    let cache = SecretsCache::new(&config, &secret_id);
    assert!(matches!(
        cache.get().await,
        Err(SecretsError::NotFound { .. })
    ));
    aws_sdk_secretsmanager::Client::new(&config)
        .create_secret()
        .name(&secret_id)
        .secret_string(r#"{"resendApiKey":"re_late"}"#)
        .send()
        .await
        .expect("created");
    let secrets = cache.get().await.expect("read on the next call");
    assert_eq!(
        secrets.resend_api_key.as_ref().map(SecretString::expose),
        Some("re_late")
    );
}

#[tokio::test]
async fn empty_values_in_the_secret_are_unset() {
    // What an operator leaves behind after clearing values in the console.
    let config = myx_emulator::sdk_config();
    let text = serde_json::json!({
        "unsubscribeKey": KEY,
        "twilioAccountSid": "",
        "twilioAuthToken": "",
        "zoomWebhookSecretToken": " ",
        "resendWebhookSecret": "",
        "adminApiKey": "",
    })
    .to_string();
    let secret_id = myx_emulator::create_secret(&config, &text).await;
    let cache = SecretsCache::new(&config, &secret_id);
    let secrets = cache.get().await.expect("read");
    assert!(secrets.unsubscribe_key.is_some());
    assert!(secrets.twilio_account_sid.is_none());
    assert!(secrets.twilio_auth_token.is_none());
    assert!(secrets.zoom_webhook_secret_token.is_none());
    assert!(secrets.resend_webhook_secret.is_none());
    assert!(secrets.admin_api_key.is_none());

    // An empty unsubscribe key is a missing one, not a too-short one.
    let secret_id = myx_emulator::create_secret(&config, r#"{"unsubscribeKey":""}"#).await;
    let cache = SecretsCache::new(&config, &secret_id);
    let secrets = cache
        .get()
        .await
        .expect("an empty key is unset, not an error");
    assert!(secrets.unsubscribe_key.is_none());
}
