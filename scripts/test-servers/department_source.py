#!/usr/bin/env python3
"""A departmental system as a shared data source, for Onetrip's tests: a real HTTP server on a free port of
127.0.0.1 that answers what the housing or the tax system would (a filed sale contract, a tax payment) for
the holders it knows. It refuses a request whose signature (v1, HMAC-SHA256 of timestamp.body with KEY)
or timestamp (five minutes) does not check with 401, records each request as a JSON line in LOG_FILE,
and answers as MODE_FILE says: ok, garbage (not JSON), slow (after 5 seconds), huge (300 KB), error (500).

    department_source.py PORT_FILE LOG_FILE MODE_FILE KEY housing|tax
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

PORT_FILE, LOG_FILE, MODE_FILE, KEY, DATASET = sys.argv[1:6]
LOCK = threading.Lock()

RECORDS = {
    "housing": {
        "11010519491231002X": {
            "title": "存量房买卖合同（网签备案）",
            "fields": [
                {"label": "合同备案号", "value": "ALT-WQ-2026-000318"},
                {"label": "房屋坐落", "value": "阿勒泰市团结路 18 号 3 栋 2 单元 501 室"},
                {"label": "成交价格", "value": "468000.00 元"},
            ],
            "valid_until": None,
        }
    },
    "tax": {
        "11010519491231002X": {
            "title": "契税完税证明",
            "fields": [
                {"label": "电子税票号码", "value": "365430126000018842"},
                {"label": "税种", "value": "契税"},
                {"label": "实缴金额", "value": "14040.00 元"},
            ],
            "valid_until": None,
        }
    },
}


def mode():
    try:
        with open(MODE_FILE, encoding="utf-8") as handle:
            return handle.read().strip() or "ok"
    except OSError:
        return "ok"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length", "0") or "0")
        body = self.rfile.read(min(length, 100_000))
        timestamp = self.headers.get("x-onetrip-timestamp", "")
        expected = "v1," + base64.b64encode(hmac.new(KEY.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()
        signed = hmac.compare_digest(expected, self.headers.get("x-onetrip-signature", ""))
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        current = mode()
        with LOCK, open(LOG_FILE, "a", encoding="utf-8") as log:
            log.write(json.dumps({"signed": signed, "fresh": fresh, "mode": current}) + "\n")
        if not (signed and fresh):
            return self.answer(401, b'{"error": "unsigned"}')
        if current == "error":
            return self.answer(500, b'{"error": "down"}')
        if current == "garbage":
            return self.answer(200, b"<html>maintenance</html>")
        if current == "huge":
            return self.answer(200, b"[" + b"0," * 150_000 + b"0]")
        if current == "slow":
            time.sleep(5)
        request = json.loads(body)
        record = RECORDS.get(DATASET, {}).get(request.get("holder_number"))
        answer = {"found": False} if record is None else {"found": True, **record}
        self.answer(200, json.dumps(answer, ensure_ascii=False).encode())

    def answer(self, status, payload):
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w", encoding="utf-8") as handle:
    handle.write(str(server.server_address[1]))
os.replace(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
