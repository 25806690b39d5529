#!/usr/bin/env python3
"""Writes the sample Lambda events in this folder (python3, stdlib only).

    python3 events/generate.py          # rewrite every fixture
    python3 events/generate.py --check  # exit 1 if a fixture differs

Every value that can be checked is real: Twilio, Zoom and Resend (Svix)
signatures, the unsubscribe token, SQS MD5s and the SHA-256 hashes in the
expected stream export are computed here with the fixture secrets below
(test values, never deployed). Only the SNS signatures cannot be: they need
AWS's private key (see README.md).
"""

import base64
import hashlib
import hmac
import json
import sys
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ------------------------------------------------------------ the deployment
REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "myxelium-prod"
API_ID = "a1b2c3d4e5"
DOMAIN = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
PUBLIC_URL = f"https://{DOMAIN}"  # MYX_PUBLIC_URL
STEPS_QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{STACK}-StepsQueue-Q1w2E3r4T5y6"
TABLE_STREAM_ARN = (
    f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{STACK}-Table-1A2B3C4D5E6F/stream/2026-11-01T00:00:00.000"
)
SES_TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{STACK}-SesEventsTopic-AbCdEfGhIjKl"
SES_SUBSCRIPTION_ARN = f"{SES_TOPIC_ARN}:5f0c8a2e-7d3b-4e1a-9c6f-2b8d4e0a1c3f"
CONFIGURATION_SET = "SesConfigurationSet-Xy12Ab34Cd56"

# ------------------------------------------------------------ fixture secrets
# The app secret's values these fixtures were signed with. Never deploy them.
SECRETS = {
    "unsubscribeKey": "fixture-unsubscribe-key-0123456789abcdef0123456789abcdef",
    "twilioAccountSid": "AC00000000000000000000000000000000",
    "twilioAuthToken": "fixture0twilio0auth0token0000000",
    "twilioFrom": "+15005550006",
    "zoomWebhookSecretToken": "fixture-zoom-webhook-secret-token",
    "resendWebhookSecret": "whsec_" + base64.b64encode(b"fixture-resend-webhook-secret-32").decode(),
}
ADMIN_API_KEY = "myx_fixture_admin_key_0123456789abcdef"

# ------------------------------------------------------------ the story
TENANT = "acme"
EVENT = "evt_01936f0c2b8a7c3e9d4f5a6b7c8d9e0f"
CONTACT = "con_01937a4e5f607182a3b4c5d6e7f80912"
ENROLLMENT = "enr_01937a4e5f61718293a4b5c6d7e8f901"
MESSAGE = "msg_01938b1c2d3e4f5061728394a5b6c7d8"
SES_MESSAGE_ID = "010001938b1c2d3e-8f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-000000"
EMAIL = "ada@example.com"
PHONE = "+12025550143"
STARTS = "2026-12-10T17:00:00Z"
ENDS = "2026-12-10T18:00:00Z"
REQUEST_AT = datetime(2026, 11, 20, 14, 3, 12, 345000, tzinfo=timezone.utc)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


# ------------------------------------------------------------ signatures


def unsubscribe_token(tenant: str, contact: str, scope: str, iat: int) -> str:
    """myx-compose's token: 1.<key id>.<claims>.<HMAC-SHA256>, base64url."""
    key = SECRETS["unsubscribeKey"].encode()
    key_id = hmac.new(key, b"myx unsubscribe key id", hashlib.sha256).digest()[:6]
    claims = json.dumps({"c": contact, "iat": iat, "s": scope, "t": tenant}, separators=(",", ":"))
    signed = f"1.{b64url(key_id)}.{b64url(claims.encode())}"
    signature = hmac.new(key, signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{b64url(signature)}"


def twilio_signature(url: str, params: dict) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL and the sorted POST params."""
    data = url + "".join(k + params[k] for k in sorted(params))
    mac = hmac.new(SECRETS["twilioAuthToken"].encode(), data.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def zoom_signature(timestamp: str, body: str) -> str:
    mac = hmac.new(SECRETS["zoomWebhookSecretToken"].encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return "v0=" + mac.hexdigest()


def svix_signature(msg_id: str, timestamp: str, body: str) -> str:
    key = base64.b64decode(SECRETS["resendWebhookSecret"].removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


# ------------------------------------------------------------ API Gateway (HTTP API, payload 2.0)


def http_event(
    method,
    path,
    route_path,
    *,
    headers,
    body=None,
    base64_body=False,
    query=None,
    path_parameters=None,
    source_ip="203.0.113.7",
    user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
    request_id="Vx3nqiZCIAMEb5Q=",
    at=REQUEST_AT,
):
    query = query or {}
    raw_query = urllib.parse.urlencode(query)
    all_headers = {
        "accept": "*/*",
        "host": DOMAIN,
        "user-agent": user_agent,
        "x-amzn-trace-id": "Root=1-673ded70-4c2f1e0b7a9d3c5e6f708192",
        "x-forwarded-for": source_ip,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    all_headers.update(headers)
    if body is not None:
        all_headers["content-length"] = str(len(body.encode()))
    event = {
        "version": "2.0",
        "routeKey": f"{method} {route_path}",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": dict(sorted(all_headers.items())),
    }
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": ACCOUNT,
        "apiId": API_ID,
        "domainName": DOMAIN,
        "domainPrefix": API_ID,
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": user_agent,
        },
        "requestId": request_id,
        "routeKey": f"{method} {route_path}",
        "stage": "$default",
        "time": at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": epoch_ms(at),
    }
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body is not None:
        event["body"] = base64.b64encode(body.encode()).decode() if base64_body else body
    event["isBase64Encoded"] = base64_body
    return event


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def enroll_events():
    request = {
        "email": EMAIL,
        "firstName": "Ada",
        "lastName": "Lovelace",
        "phone": "+1 202-555-0143",
        "eventId": EVENT,
        "timezone": "America/New_York",
        "emailConsent": True,
        "smsConsent": True,
        "customFields": {"company": "Analytical Engines Ltd", "utm_source": "newsletter"},
    }
    post = http_event(
        "POST",
        "/v1/enrollments",
        "/v1/enrollments",
        headers={
            "content-type": "application/json",
            "idempotency-key": "b7c1f0de-3a52-4d0e-9f61-2c8e5a7b9d10",
            "origin": "https://www.example.com",
            "referer": "https://www.example.com/webinar",
        },
        body=compact(request),
    )
    token = unsubscribe_token(TENANT, CONTACT, "email", 1795046400)
    # RFC 8058 one-click: the mail client POSTs the form body to the
    # List-Unsubscribe URL. HTTP APIs hand form bodies over base64-encoded.
    one_click = http_event(
        "POST",
        "/v1/unsubscribe",
        "/v1/unsubscribe",
        headers={"content-type": "application/x-www-form-urlencoded"},
        body="List-Unsubscribe=One-Click",
        base64_body=True,
        query={"token": token},
        source_ip="209.85.218.41",
        user_agent="Mozilla/5.0 (compatible; Google-List-Unsubscribe)",
        request_id="Vx3nrjZBoAMEbwA=",
    )
    page = http_event(
        "GET",
        "/v1/unsubscribe",
        "/v1/unsubscribe",
        headers={"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
        query={"token": token},
        request_id="Vx3ntjZBIAMEbxw=",
    )
    calendar = http_event(
        "GET",
        f"/v1/events/{EVENT}/calendar.ics",
        "/v1/events/{id}/calendar.ics",
        headers={"accept": "text/calendar,*/*"},
        path_parameters={"id": EVENT},
        request_id="Vx3nujZCoAMEbyQ=",
    )
    health = http_event(
        "GET",
        "/v1/health",
        "/v1/health",
        headers={},
        source_ip="198.51.100.20",
        user_agent="Amazon-Route53-Health-Check-Service (ref 1b7f9c2e-5a3d-4e8f-b6a1-0c9d8e7f6a5b; report http://amzn.to/1vsZADi)",
        request_id="Vx3nvjZBIAMEbzA=",
    )
    return {
        "enroll-post-enrollment.json": post,
        "enroll-unsubscribe-post.json": one_click,
        "enroll-unsubscribe-get.json": page,
        "enroll-calendar-ics.json": calendar,
        "enroll-health.json": health,
    }


def admin_events():
    create = http_event(
        "POST",
        "/v1/events",
        "/v1/events",
        headers={
            "authorization": f"Bearer {ADMIN_API_KEY}",
            "content-type": "application/json",
        },
        body=compact(
            {
                "title": "Scaling Your Coaching Business",
                "type": "webinar",
                "startsAt": STARTS,
                "endsAt": ENDS,
                "timezone": "America/New_York",
                "platform": "zoom_webinar",
                "zoomMeetingId": "85746065432",
                "funnelId": "webinar-7day",
            }
        ),
        source_ip="198.51.100.77",
        user_agent="myx/0.1.0",
        request_id="Vx3nwjZBoAMEb0g=",
    )
    timeline = http_event(
        "GET",
        f"/v1/enrollments/{ENROLLMENT}/timeline",
        "/v1/enrollments/{id}/timeline",
        headers={"authorization": f"Bearer {ADMIN_API_KEY}", "accept": "application/json"},
        path_parameters={"id": ENROLLMENT},
        source_ip="198.51.100.77",
        user_agent="curl/8.5.0",
        request_id="Vx3nxjZCIAMEb1A=",
    )
    return {"admin-create-event.json": create, "admin-get-timeline.json": timeline}


def twilio_event(path, params, request_id, idempotency):
    url = PUBLIC_URL + path
    body = urllib.parse.urlencode(params)
    return http_event(
        "POST",
        path,
        path,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "i-twilio-idempotency-token": idempotency,
            "x-home-region": "us1",
            "x-twilio-signature": twilio_signature(url, params),
        },
        body=body,
        base64_body=True,
        source_ip="54.172.60.3",
        user_agent="TwilioProxy/1.1",
        request_id=request_id,
    )


def webhook_events():
    inbound = {
        "ToCountry": "US",
        "ToState": "",
        "SmsMessageSid": "SM5e8a3b1c9d7f4e2a6b0c8d1e3f5a7b9c",
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "20001",
        "SmsSid": "SM5e8a3b1c9d7f4e2a6b0c8d1e3f5a7b9c",
        "FromState": "DC",
        "SmsStatus": "received",
        "FromCity": "WASHINGTON",
        "Body": "STOP",
        "FromCountry": "US",
        "To": SECRETS["twilioFrom"],
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": "SM5e8a3b1c9d7f4e2a6b0c8d1e3f5a7b9c",
        "AccountSid": SECRETS["twilioAccountSid"],
        "From": PHONE,
        "ApiVersion": "2010-04-01",
    }
    status = {
        "SmsSid": "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "SmsStatus": "delivered",
        "MessageStatus": "delivered",
        "To": PHONE,
        "MessageSid": "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "AccountSid": SECRETS["twilioAccountSid"],
        "From": SECRETS["twilioFrom"],
        "ApiVersion": "2010-04-01",
        "RawDlrDoneDate": "2611201403",
    }

    ses_event = {
        "eventType": "Bounce",
        "bounce": {
            "feedbackId": "010001938b1c4a5b-7c8d9e0f-1a2b-3c4d-5e6f-7a8b9c0d1e2f-000000",
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": "bounce@simulator.amazonses.com",
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
            "timestamp": "2026-11-20T14:05:03.221Z",
            "reportingMTA": "dns; b224-13.smtp-out.amazonses.com",
        },
        "mail": {
            "timestamp": "2026-11-20T14:05:01.907Z",
            "source": "Acme Events <events@example.com>",
            "sourceArn": f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/example.com",
            "sendingAccountId": ACCOUNT,
            "messageId": SES_MESSAGE_ID,
            "destination": ["bounce@simulator.amazonses.com"],
            "headersTruncated": False,
            "headers": [
                {"name": "From", "value": "Acme Events <events@example.com>"},
                {"name": "To", "value": "bounce@simulator.amazonses.com"},
                {"name": "Subject", "value": "You're in: Scaling Your Coaching Business"},
                {"name": "List-Unsubscribe-Post", "value": "List-Unsubscribe=One-Click"},
                {"name": "Message-ID", "value": f"<{MESSAGE}@example.com>"},
            ],
            "commonHeaders": {
                "from": ["Acme Events <events@example.com>"],
                "to": ["bounce@simulator.amazonses.com"],
                "messageId": SES_MESSAGE_ID,
                "subject": "You're in: Scaling Your Coaching Business",
            },
            "tags": {
                "ses:source-tls-version": ["TLSv1.3"],
                "ses:operation": ["SendEmail"],
                "ses:configuration-set": [CONFIGURATION_SET],
                "ses:source-ip": ["3.80.12.34"],
                "ses:from-domain": ["example.com"],
                "ses:caller-identity": [f"{STACK}-SendRole-1QW2ER3TY4UI"],
                "myx-message": [MESSAGE],
            },
        },
    }
    sns_cert = f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
    notification = {
        "Type": "Notification",
        "MessageId": "4d3e2f1a-0b9c-5d8e-7f6a-5b4c3d2e1f0a",
        "TopicArn": SES_TOPIC_ARN,
        "Message": json.dumps(ses_event, separators=(",", ":")),
        "Timestamp": "2026-11-20T14:05:03.512Z",
        "SignatureVersion": "1",
        # Not a valid signature (it needs AWS's private key): see README.md.
        "Signature": base64.b64encode(hashlib.sha512(b"fixture sns signature").digest() * 4).decode(),
        "SigningCertURL": sns_cert,
        "UnsubscribeURL": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={SES_SUBSCRIPTION_ARN}",
    }
    confirmation = {
        "Type": "SubscriptionConfirmation",
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37fb687f5d51e6e2425f004aed86a8e7b4bf7ae1f1e8a0c4b8f6a3d2e1c0b9a8f7e6d5c4b3a2918f7e6d5c4b3a29180f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff",
        "TopicArn": SES_TOPIC_ARN,
        "Message": f"You have chosen to subscribe to the topic {SES_TOPIC_ARN}.\nTo confirm the subscription, visit the SubscribeURL included in this message.",
        "SubscribeURL": f"https://sns.{REGION}.amazonaws.com/?Action=ConfirmSubscription&TopicArn={SES_TOPIC_ARN}&Token=2336412f37fb687f5d51e6e2425f004aed86a8e7b4bf7ae1f1e8a0c4b8f6a3d2e1c0b9a8f7e6d5c4b3a2918f7e6d5c4b3a29180f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff",
        "Timestamp": "2026-11-20T13:59:58.123Z",
        "SignatureVersion": "1",
        "Signature": base64.b64encode(hashlib.sha512(b"fixture sns confirmation signature").digest() * 4).decode(),
        "SigningCertURL": sns_cert,
    }

    def sns_event(message, message_type, request_id):
        headers = {
            "content-type": "text/plain; charset=UTF-8",
            "x-amz-sns-message-id": message["MessageId"],
            "x-amz-sns-message-type": message_type,
            "x-amz-sns-topic-arn": SES_TOPIC_ARN,
        }
        if message_type == "Notification":
            headers["x-amz-sns-subscription-arn"] = SES_SUBSCRIPTION_ARN
        return http_event(
            "POST",
            "/v1/webhooks/ses",
            "/v1/webhooks/ses",
            headers=headers,
            body=json.dumps(message, indent=2),
            source_ip="72.21.217.103",
            user_agent="Amazon Simple Notification Service Agent",
            request_id=request_id,
        )

    zoom_ts = "1796922131"  # 2026-12-10T17:02:11Z
    zoom_joined = compact(
        {
            "event": "webinar.participant_joined",
            "payload": {
                "account_id": "AbCdEfGhIjKlMnOpQrStUv",
                "object": {
                    "id": "85746065432",
                    "uuid": "4Jd3tq7sQ8yZ0w+RkQbT9g==",
                    "host_id": "z8yBXkFjS2uTq9Xr5cVb3w",
                    "topic": "Scaling Your Coaching Business",
                    "type": 5,
                    "start_time": "2026-12-10T17:00:00Z",
                    "timezone": "America/New_York",
                    "duration": 60,
                    "participant": {
                        "user_id": "16778240",
                        "user_name": "Ada Lovelace",
                        "id": "",
                        "participant_uuid": "9E2C1B3A-4D5E-6F70-8192-A3B4C5D6E7F8",
                        "join_time": "2026-12-10T17:02:11Z",
                        "email": EMAIL,
                        "registrant_id": "xYz0AbC1dEf2GhI3jKl4Mn",
                        "participant_user_id": "",
                        "customer_key": "",
                        "phone_number": "",
                    },
                },
            },
            "event_ts": 1796922131412,
        }
    )
    zoom_validation = compact(
        {
            "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
            "event_ts": 1796922000123,
            "event": "endpoint.url_validation",
        }
    )

    def zoom_event(body, ts, request_id):
        return http_event(
            "POST",
            "/v1/webhooks/zoom",
            "/v1/webhooks/zoom",
            headers={
                "content-type": "application/json; charset=utf-8",
                "x-zm-request-timestamp": ts,
                "x-zm-signature": zoom_signature(ts, body),
                "x-zm-trackingid": "v=2.0;clid=us06;rid=WEB_4c5d6e7f8a9b0c1d2e3f",
            },
            body=body,
            source_ip="170.114.52.2",
            user_agent="Zoom Marketplace/1.0a",
            request_id=request_id,
        )

    resend_id = "msg_2pAbCdEfGhIjKlMnOpQrStUvWx"
    resend_ts = "1795185000"  # 2026-11-20T14:30:00Z
    resend_body = compact(
        {
            "type": "email.delivered",
            "created_at": "2026-11-20T14:30:00.123Z",
            "data": {
                "created_at": "2026-11-20T14:29:58.456Z",
                "email_id": "4ef9a417-02e9-4d39-ad75-9611e0fcc33c",
                "from": "Acme Events <events@example.com>",
                "to": [EMAIL],
                "subject": "You're in: Scaling Your Coaching Business",
            },
        }
    )
    resend = http_event(
        "POST",
        "/v1/webhooks/resend",
        "/v1/webhooks/resend",
        headers={
            "content-type": "application/json",
            "svix-id": resend_id,
            "svix-timestamp": resend_ts,
            "svix-signature": svix_signature(resend_id, resend_ts, resend_body),
        },
        body=resend_body,
        source_ip="44.228.126.217",
        user_agent="Svix-Webhooks/1.45.1",
        request_id="Vx3n2jZBoAMEb6A=",
    )

    return {
        "webhooks-twilio-inbound.json": twilio_event(
            "/v1/webhooks/twilio/inbound", inbound, "Vx3nyjZBIAMEb2Q=", "7c1e9d2b-3a4f-4b5c-8d6e-0f1a2b3c4d5e"
        ),
        "webhooks-twilio-status.json": twilio_event(
            "/v1/webhooks/twilio/status", status, "Vx3nzjZCoAMEb3A=", "8d2f0e3c-4b5a-4c6d-9e7f-1a2b3c4d5e6f"
        ),
        "webhooks-ses-sns.json": sns_event(notification, "Notification", "Vx3n0jZBIAMEb4Q="),
        "webhooks-ses-sns-subscription-confirmation.json": sns_event(
            confirmation, "SubscriptionConfirmation", "Vx3n1jZCIAMEb5A="
        ),
        "webhooks-zoom-participant-joined.json": zoom_event(zoom_joined, zoom_ts, "Vx3n3jZBIAMEb7A="),
        "webhooks-zoom-url-validation.json": zoom_event(zoom_validation, "1796922000", "Vx3n4jZCoAMEb8A="),
        "webhooks-resend.json": resend,
    }


# ------------------------------------------------------------ SQS (send)


def sqs_record(n, body, receive_count, sent, sender):
    return {
        "messageId": f"0c4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f{n:02d}",
        "receiptHandle": base64.b64encode(
            hashlib.sha256(f"receipt {n}".encode()).digest() * 3
        ).decode(),
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "AWSTraceHeader": "Root=1-673dedb4-5e6f708192a3b4c5d6e7f809;Parent=1a2b3c4d5e6f7081;Sampled=0",
            "SentTimestamp": str(sent),
            "SenderId": sender,
            "ApproximateFirstReceiveTimestamp": str(sent + 1500 + 60000 * (receive_count - 1)),
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": STEPS_QUEUE_ARN,
        "awsRegion": REGION,
    }


def send_events():
    scheduler = "AROAEXAMPLESCHEDULER1:a1b2c3d4e5f60718293a4b5c6d7e8f90"
    sent = epoch_ms(REQUEST_AT)
    messages = [
        # A contact-anchored timer fired by EventBridge Scheduler.
        ({"kind": "contact_step", "tenant": TENANT, "event": EVENT, "contact": CONTACT,
          "step": "welcome", "channel": "email", "schedule_version": 1}, 1, scheduler),
        # An event-anchored timer: fan out to every registration.
        ({"kind": "event_step", "tenant": TENANT, "event": EVENT, "step": "reminder-24h",
          "schedule_version": 1}, 1, scheduler),
        # A per-contact message queued by the fan-out (sent by the send function).
        ({"kind": "contact_step", "tenant": TENANT, "event": EVENT, "contact": CONTACT,
          "step": "reminder-1h", "channel": "sms", "schedule_version": 1}, 1,
         f"AROAEXAMPLESENDROLE01:{STACK}-send"),
        ({"kind": "post_event", "tenant": TENANT, "event": EVENT, "contact": CONTACT}, 1,
         f"AROAEXAMPLEADMINROLE1:{STACK}-admin"),
        ({"kind": "notice", "tenant": TENANT, "event": EVENT, "contact": CONTACT,
          "notice": "cancellation"}, 1, f"AROAEXAMPLEADMINROLE1:{STACK}-admin"),
        # The fifth receive (maxReceiveCount): the final attempt.
        ({"kind": "contact_step", "tenant": TENANT, "event": EVENT, "contact": CONTACT,
          "step": "nurture-story", "channel": "email", "schedule_version": 1}, 5, scheduler),
    ]
    records = [
        sqs_record(i + 1, compact(body), count, sent + i * 37, sender)
        for i, (body, count, sender) in enumerate(messages)
    ]
    return {"send-sqs-batch.json": {"Records": records}}


# ------------------------------------------------------------ DynamoDB stream (stream-export)


def to_ddb(value):
    if isinstance(value, bool):
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, (int, float)):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [to_ddb(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: to_ddb(v) for k, v in value.items()}}
    raise TypeError(value)


def item_image(pk, sk, data, version=1, gsi1=None, ttl=None):
    image = {"PK": {"S": pk}, "SK": {"S": sk}, "ver": {"N": str(version)}, "data": to_ddb(data)}
    if gsi1:
        image["GSI1PK"] = {"S": gsi1[0]}
        image["GSI1SK"] = {"S": gsi1[1]}
    if ttl is not None:
        image["ttl"] = {"N": str(ttl)}
    return image


def stream_events():
    event_pk = f"T#{TENANT}#EVENT#{EVENT}"
    contact_pk = f"T#{TENANT}#CONTACT#{CONTACT}"
    enr_pk = f"T#{TENANT}#ENR#{EVENT}#{CONTACT}"
    registered = "2026-11-20T14:03:12.345Z"
    contact = {
        "id": CONTACT,
        "email": EMAIL,
        "firstName": "Ada",
        "lastName": "Lovelace",
        "phone": PHONE,
        "customFields": {"company": "Analytical Engines Ltd", "utm_source": "newsletter"},
        "createdAt": registered,
    }
    registration = {
        "enrollmentId": ENROLLMENT,
        "eventId": EVENT,
        "contactId": CONTACT,
        "registeredAt": registered,
        "timezone": "America/New_York",
        "consent": {"email": True, "sms": True},
        "joinUrl": "https://us06web.zoom.us/w/85746065432?tk=fixture-registrant-token",
        "registrantId": "xYz0AbC1dEf2GhI3jKl4Mn",
        "attendance": "unknown",
        "response": {"enrollmentId": ENROLLMENT, "contactId": CONTACT, "eventId": EVENT, "status": "enrolled"},
    }
    plan = {
        "at": registered,
        "plan": [
            {"at": registered, "kind": "planned", "step": "welcome", "channel": "email", "sendAt": registered},
            {"at": registered, "kind": "planned", "step": "reminder-24h", "channel": "email", "sendAt": "2026-12-09T17:00:00Z"},
            {"at": registered, "kind": "skipped", "step": "nurture-story", "channel": "email", "reason": "past"},
        ],
    }
    event_old = {
        "id": EVENT,
        "title": "Scaling Your Coaching Business",
        "type": "webinar",
        "startsAt": STARTS,
        "endsAt": ENDS,
        "timezone": "America/New_York",
        "platform": "zoom_webinar",
        "zoomMeetingId": "85746065432",
        "funnelId": "webinar-7day",
        "funnelVersion": 3,
        "status": "scheduled",
        "scheduleVersion": 1,
        "createdAt": "2026-11-01T09:30:00Z",
    }
    event_new = dict(event_old, startsAt="2026-12-11T17:00:00Z", endsAt="2026-12-11T18:00:00Z", scheduleVersion=2)
    idem_ttl = 1795269792  # 24 h after the enrollment
    # A send's one record: claimed, then sent (send::StepState).
    claim = {
        "status": "claimed",
        "claimedAt": "2026-11-20T14:05:01.5Z",
        "messageId": MESSAGE,
        "eventId": EVENT,
        "contactId": CONTACT,
        "step": "welcome",
        "channel": "email",
    }
    sent = dict(claim, status="sent", provider="ses", providerId=SES_MESSAGE_ID,
                toHash=sha256_hex(EMAIL), deliveryStatus="sent")

    base = int(datetime(2026, 11, 20, 14, 3, 12, tzinfo=timezone.utc).timestamp())
    changes = [
        # (eventName, keys, new image, old image, seconds after base, user identity)
        ("INSERT", (contact_pk, "PROFILE"), item_image(contact_pk, "PROFILE", contact), None, 0, None),
        ("INSERT", (event_pk, f"REG#{CONTACT}"), item_image(event_pk, f"REG#{CONTACT}", registration), None, 0, None),
        ("INSERT", (enr_pk, "TL#2026-11-20T14:03:12.345Z#tl_01937a4e5f62"), item_image(enr_pk, "TL#2026-11-20T14:03:12.345Z#tl_01937a4e5f62", plan), None, 0, None),
        ("INSERT", (enr_pk, "STEP#welcome#email"), item_image(enr_pk, "STEP#welcome#email", claim), None, 110, None),
        ("MODIFY", (enr_pk, "STEP#welcome#email"), item_image(enr_pk, "STEP#welcome#email", sent, 2, gsi1=(f"PMID#ses#{SES_MESSAGE_ID}", "MSG")), item_image(enr_pk, "STEP#welcome#email", claim), 110, None),
        ("MODIFY", (event_pk, "META"), item_image(event_pk, "META", event_new, 2, gsi1=(f"T#{TENANT}#EVENTS", f"2026-12-11T17:00:00Z#{EVENT}")), item_image(event_pk, "META", event_old, 1, gsi1=(f"T#{TENANT}#EVENTS", f"{STARTS}#{EVENT}")), 600, None),
        # An idempotency record expired by TTL (not exported).
        ("REMOVE", (f"T#{TENANT}#IDEM#{sha256_hex('b7c1f0de-3a52-4d0e-9f61-2c8e5a7b9d10')}", "META"), None,
         item_image(f"T#{TENANT}#IDEM#{sha256_hex('b7c1f0de-3a52-4d0e-9f61-2c8e5a7b9d10')}", "META", {"bodySha256": sha256_hex("{}"), "status": 201}, ttl=idem_ttl), 86400 + 912,
         {"type": "Service", "principalId": "dynamodb.amazonaws.com"}),
    ]
    records = []
    for i, (name, (pk, sk), new, old, after, identity) in enumerate(changes):
        ddb = {
            "ApproximateCreationDateTime": base + after,
            "Keys": {"PK": {"S": pk}, "SK": {"S": sk}},
        }
        if new is not None:
            ddb["NewImage"] = new
        if old is not None:
            ddb["OldImage"] = old
        ddb["SequenceNumber"] = str(4_000_000_000_012_345_678_900 + i * 100)
        ddb["SizeBytes"] = len(json.dumps([ddb.get("Keys"), new, old]))
        ddb["StreamViewType"] = "NEW_AND_OLD_IMAGES"
        record = {
            "eventID": hashlib.md5(f"event {i}".encode()).hexdigest(),
            "eventName": name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": REGION,
            "dynamodb": ddb,
            "eventSourceARN": TABLE_STREAM_ARN,
        }
        if identity:
            record["userIdentity"] = identity
        records.append(record)
    return {"stream-export-ddb-batch.json": {"Records": records}}


# ------------------------------------------------------------ the expected export (infra/README.md)


def from_ddb(value):
    (kind, v), = value.items()
    if kind == "S":
        return v
    if kind == "N":
        return int(v) if v.lstrip("-").isdigit() else float(v)
    if kind == "BOOL":
        return v
    if kind == "NULL":
        return None
    if kind == "L":
        return [from_ddb(x) for x in v]
    if kind == "M":
        return {k: from_ddb(x) for k, x in v.items()}
    raise ValueError(kind)


def entity_of(pk, sk):
    parts = pk.split("#")
    if len(parts) == 4 and parts[0] == "T" and parts[2] == "EVENT":
        if sk.startswith("REG#"):
            return "registration"
        if sk == "META":
            return "event"
    if len(parts) == 5 and parts[0] == "T" and parts[2] == "ENR" and sk.startswith("STEP#"):
        return "message"
    if len(parts) == 4 and parts[0] == "T" and parts[2] == "CONTACT":
        if sk.startswith("MSG#"):  # sends recorded before they were one record
            return "message"
        if sk == "PROFILE":
            return "contact"
    if len(parts) == 5 and parts[0] == "T" and parts[2] == "ENR" and sk.startswith("TL#"):
        return "timeline"
    return None


def pseudonymise(value):
    """email/phone at any depth become emailSha256/phoneSha256."""
    if isinstance(value, list):
        return [pseudonymise(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        if k == "email" and isinstance(v, str):
            out["emailSha256"] = sha256_hex(v.strip().lower())
        elif k == "phone" and isinstance(v, str):
            out["phoneSha256"] = sha256_hex(v)
        else:
            out[k] = pseudonymise(v)
    return out


DROPPED = {"contact": {"firstName", "lastName", "customFields"}, "registration": {"response"}}


def export_document(entity, image):
    if image is None:
        return None
    data = from_ddb(image["data"])
    data = {k: v for k, v in data.items() if k not in DROPPED.get(entity, set())}
    return pseudonymise(data)


def expected_export(batch):
    lines = []
    for record in batch["Records"]:
        ddb = record["dynamodb"]
        pk, sk = ddb["Keys"]["PK"]["S"], ddb["Keys"]["SK"]["S"]
        entity = entity_of(pk, sk)
        if entity is None:
            continue
        at = datetime.fromtimestamp(ddb["ApproximateCreationDateTime"], tz=timezone.utc)
        doc = {
            "entity": entity,
            "op": record["eventName"],
            "seq": ddb["SequenceNumber"],
            "key": {"pk": pk, "sk": sk},
            "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "new": export_document(entity, ddb.get("NewImage")),
            "old": export_document(entity, ddb.get("OldImage")),
        }
        lines.append(json.dumps(doc, separators=(",", ":")))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------ main


def main():
    fixtures = {}
    for part in (enroll_events, admin_events, webhook_events, send_events, stream_events):
        fixtures.update(part())
    outputs = {name: json.dumps(value, indent=2) + "\n" for name, value in fixtures.items()}
    outputs["stream-export-expected.ndjson"] = expected_export(fixtures["stream-export-ddb-batch.json"])
    check = "--check" in sys.argv[1:]
    stale = []
    for name, text in sorted(outputs.items()):
        path = HERE / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print("stale fixtures (run python3 events/generate.py):", ", ".join(stale), file=sys.stderr)
        sys.exit(1)
    if not check:
        print(f"wrote {len(outputs)} files to {HERE}")


if __name__ == "__main__":
    main()
