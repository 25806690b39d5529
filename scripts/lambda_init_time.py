#!/usr/bin/env python3
"""Measures the Lambda functions' cold start on this machine: each release
`bootstrap` is started N times against a stub of the Lambda Runtime API
and moto (the AWS emulator), as Lambda starts it, and timed from exec to
its first `GET /runtime/invocation/next` (init: settings, SDK config, the
app secret read, adapters, engine; the admin function also writes the
default tenant), then through one invocation to its response.

    scripts/lambda-init-time.sh [--runs 20] [--lambda-dir target/lambda]

Needs x86_64 builds on an x86_64 host (scripts/lambda-build.sh --x86-64),
and the tools virtualenv (boto3 comes with moto). moto answers in about a
millisecond where AWS takes 5-20 ms, so the AWS part of init is
optimistic here.
"""

import argparse
import hashlib
import hmac
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
ADMIN_KEY = "myx_init_time_admin_key_0123456789abcdef"
ZOOM_SECRET = "init-time-zoom-webhook-secret-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    sys.exit(f"{url} did not answer")


class Runtime:
    """The Lambda Runtime API for one process (its own port, so a killed
    process's last request can never reach the next one's): hands out one
    event, records when."""

    def __init__(self, event):
        self.event = event
        self.next_at = None
        self.response_at = None
        self.response = None
        self.error = None
        self.done = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        runtime = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if not self.path.endswith("/runtime/invocation/next"):
                    self.send_error(404)
                    return
                if runtime.next_at is not None:
                    # The second /next: the function is idle, and is killed
                    # while this waits.
                    time.sleep(2)
                    return
                runtime.next_at = time.perf_counter()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Lambda-Runtime-Aws-Request-Id", "init-time-1")
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 "arn:aws:lambda:us-east-1:123456789012:function:myx")
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
                self.send_header("Content-Length", str(len(runtime.event)))
                self.end_headers()
                self.wfile.write(runtime.event)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.path.endswith("/response"):
                    runtime.response_at = time.perf_counter()
                    runtime.response = body
                else:
                    runtime.error = (self.path, body)
                self.send_response(202)
                self.end_headers()
                runtime.done.set()

        return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--lambda-dir", default=os.environ.get("CARGO_TARGET_DIR", "target") + "/lambda")
    args = parser.parse_args()
    lambda_dir = Path(args.lambda_dir)

    scratch = Path(tempfile.mkdtemp(prefix="myx-init-time-"))
    moto_port = free_port()
    moto = subprocess.Popen(
        [sys.executable, str(ROOT / "shared/emulator/moto_serial.py"), "-H", "127.0.0.1", "-p", str(moto_port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{moto_port}"
    try:
        wait_for(endpoint + "/moto-api/")
        env = setup(endpoint)
        # Each function's event, and what its response must hold.
        events = {
            "enroll": ((EVENTS / "enroll-health.json").read_bytes(), {"statusCode": 200}),
            "admin": (admin_list_events(), {"statusCode": 200}),
            # Zoom's URL validation, signed now: answered with the encrypted token.
            "webhooks": (zoom_url_validation(), {"statusCode": 200}),
            "send": (b'{"Records": []}', {"batchItemFailures": []}),
            "stream-export": (b'{"Records": []}', {"records": 0}),
        }
        print(f"{args.runs} cold starts each, {lambda_dir}, moto at {endpoint}\n")
        print("| function | init median (ms) | init p90 (ms) | init max (ms) | of which logged by the function (median ms) | first invocation median (ms) | peak RSS (MB) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, (event, expected) in events.items():
            binary = unpacked(lambda_dir / name, scratch)
            inits, firsts, rss, logged = [], [], [], []
            for _ in range(args.runs):
                runtime = Runtime(event)
                function_env = dict(env, AWS_LAMBDA_FUNCTION_NAME=f"myx-{name}",
                                    AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{runtime.port}")
                started = time.perf_counter()
                process = subprocess.Popen([str(binary)], env=function_env,
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                if not runtime.done.wait(30):
                    process.kill()
                    sys.exit(f"{name}: no response; stderr: {process.stderr.read().decode()[-2000:]}")
                if runtime.error:
                    process.kill()
                    sys.exit(f"{name}: {runtime.error}")
                answer = json.loads(runtime.response)
                if any(answer.get(k) != v for k, v in expected.items()):
                    process.kill()
                    sys.exit(f"{name}: unexpected response {answer}")
                inits.append((runtime.next_at - started) * 1000)
                firsts.append((runtime.response_at - runtime.next_at) * 1000)
                rss.append(peak_rss_mb(process.pid))
                process.kill()
                stdout, _ = process.communicate()
                runtime.close()
                logged.extend(logged_init_ms(stdout))
            inits.sort()
            p90 = inits[min(len(inits) - 1, int(len(inits) * 0.9))]
            in_process = f"{statistics.median(logged):.0f}" if logged else "-"
            print(f"| {name} | {statistics.median(inits):.1f} | {p90:.1f} | {max(inits):.1f} "
                  f"| {in_process} | {statistics.median(firsts):.1f} | {max(rss):.0f} |")
    finally:
        moto.kill()
        shutil.rmtree(scratch, ignore_errors=True)


def unpacked(folder, scratch):
    """The function's `bootstrap`: as built, or out of its bootstrap.zip."""
    if (folder / "bootstrap").exists():
        return folder / "bootstrap"
    archive = folder / "bootstrap.zip"
    if not archive.exists():
        sys.exit(f"{archive} is missing: run scripts/lambda-build.sh --x86-64 first")
    target = scratch / folder.name
    with zipfile.ZipFile(archive) as z:
        z.extract("bootstrap", target)
    binary = target / "bootstrap"
    binary.chmod(0o755)
    return binary


def logged_init_ms(stdout):
    """The `initMs` the function logs once its adapters and engine are built
    (settings, SDK config, the secret read); the rest of init is the
    process starting and, for admin, the tenant bootstrap."""
    for line in stdout.decode(errors="replace").splitlines():
        try:
            fields = json.loads(line).get("fields", {})
        except ValueError:
            continue
        if "initMs" in fields:
            yield float(fields["initMs"])


def peak_rss_mb(pid):
    """The process's peak resident memory since exec (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def admin_list_events():
    event = json.loads((EVENTS / "admin-create-event.json").read_text())
    event["routeKey"] = event["requestContext"]["routeKey"] = "GET /v1/events"
    event["requestContext"]["http"]["method"] = "GET"
    event["headers"]["authorization"] = f"Bearer {ADMIN_KEY}"
    event.pop("body", None)
    return json.dumps(event).encode()


def zoom_url_validation():
    """The sample Zoom URL validation, signed now with ZOOM_SECRET (the
    webhook refuses timestamps older than 5 minutes)."""
    event = json.loads((EVENTS / "webhooks-zoom-url-validation.json").read_text())
    ts = str(int(time.time()))
    mac = hmac.new(ZOOM_SECRET.encode(), f"v0:{ts}:{event['body']}".encode(), hashlib.sha256)
    event["headers"]["x-zm-request-timestamp"] = ts
    event["headers"]["x-zm-signature"] = "v0=" + mac.hexdigest()
    return json.dumps(event).encode()


def setup(endpoint):
    """The resources the functions' init touches, and their environment."""
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                    region_name="us-east-1")
    ddb = session.client("dynamodb", endpoint_url=endpoint)
    ddb.create_table(
        TableName="myx-init",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"}
                              for n in ("PK", "SK", "GSI1PK", "GSI1SK")],
        GlobalSecondaryIndexes=[{
            "IndexName": "GSI1",
            "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"},
                          {"AttributeName": "GSI1SK", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        BillingMode="PAY_PER_REQUEST")  # the layout of shared/aws/src/dynamo/table.rs
    sqs = session.client("sqs", endpoint_url=endpoint)
    queue = sqs.create_queue(QueueName="myx-init-steps")["QueueUrl"]
    secret = json.dumps({"unsubscribeKey": "init-time-unsubscribe-key-0123456789abcdef0123456789",
                         "adminApiKey": ADMIN_KEY, "zoomWebhookSecretToken": ZOOM_SECRET})
    session.client("secretsmanager", endpoint_url=endpoint).create_secret(Name="myx/init", SecretString=secret)
    return {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "init", "AWS_LAMBDA_LOG_GROUP_NAME": "init",
        "MYX_TABLE_NAME": "myx-init",
        "MYX_STEPS_QUEUE_URL": queue,
        "MYX_STEPS_QUEUE_ARN": "arn:aws:sqs:us-east-1:123456789012:myx-init-steps",
        "MYX_STEPS_DLQ_ARN": "arn:aws:sqs:us-east-1:123456789012:myx-init-steps-dlq",
        "MYX_SCHEDULER_GROUP": "myx-init",
        "MYX_SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/scheduler",
        "MYX_SES_CONFIGURATION_SET": "myx-init",
        "MYX_SECRET_ID": "myx/init",
        "MYX_PUBLIC_URL": "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
        "MYX_SENDER_ADDRESS": "events@example.com",
        "MYX_POSTAL_ADDRESS": "1 Main St, Springfield, IL 62701, USA",
        "MYX_BUSINESS_NAME": "Acme Events",
        "MYX_EXPORT_BUCKET": "myx-init-export",
        "RUST_LOG": "info",
    }


if __name__ == "__main__":
    main()
