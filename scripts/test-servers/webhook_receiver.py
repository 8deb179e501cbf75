#!/usr/bin/env python3
"""A department system's webhook endpoint, for Onetrip's tests: a real HTTP server on a free port of
127.0.0.1. It checks every request as a receiver should (Standard Webhooks: the HMAC-SHA256 signature
over id.timestamp.body with the secret in SECRET_FILE, and a timestamp within five minutes), records it as
one JSON line in LOG_FILE (headers, body, whether it verified), and answers as MODE_FILE says: ok (204),
fail (500), gone (410) or slow (answers after 30 seconds).

    webhook_receiver.py PORT_FILE LOG_FILE MODE_FILE SECRET_FILE
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT_FILE, LOG_FILE, MODE_FILE, SECRET_FILE = sys.argv[1:5]
LOCK = threading.Lock()


def read(path, default=""):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return default


def verified(headers, body):
    secret = read(SECRET_FILE)
    if not secret.startswith("whsec_"):
        return False
    try:
        key = base64.b64decode(secret[len("whsec_"):])
        timestamp = int(headers.get("webhook-timestamp", ""))
    except ValueError:
        return False
    message = f"{headers.get('webhook-id', '')}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    offered = [part.split(",", 1)[1] for part in headers.get("webhook-signature", "").split() if part.startswith("v1,")]
    fresh = abs(time.time() - timestamp) < 300 or os.environ.get("RECEIVER_ANY_TIME") == "1"
    return fresh and any(hmac.compare_digest(expected, signature) for signature in offered)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length", "0") or "0")
        body = self.rfile.read(min(length, 1_000_000))
        headers = {name.lower(): value for name, value in self.headers.items()}
        mode = read(MODE_FILE, "ok")
        record = {"headers": headers, "body": body.decode("utf-8", "replace"), "verified": verified(headers, body), "mode": mode}
        with LOCK, open(LOG_FILE, "a", encoding="utf-8") as log:
            log.write(json.dumps(record, ensure_ascii=False) + "\n")
        if mode == "slow":
            time.sleep(30)
        status = {"ok": 204, "fail": 500, "gone": 410}.get(mode, 204)
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w", encoding="utf-8") as handle:
    handle.write(str(server.server_address[1]))
os.replace(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
