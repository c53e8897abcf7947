"""A loopback HTTP proxy in front of LocalStack that injects the faults AWS
can throw at the provider, for the reliability tests and the benchmarks.
Tests only: the provider has no test hooks; it is simply pointed here through
AWS_ENDPOINT_URL.

  python faultproxy.py --listen 127.0.0.1:0 --upstream http://127.0.0.1:4566 --port-file F

Control (JSON over HTTP on the same port, under /__fault/):
  POST /__fault/config  {"fail_mutating_call": k,          fail the k-th mutating call after this (1-based)
                         "fail_operation": "kms:CreateKey", or fail the n-th call of this operation
                         "fail_occurrence": n,
                         "throttle_ratio": 0.3,              answer that share of calls with throttling errors
                         "iam_propagation_seconds": 20,      CloudTrail Create/UpdateTrail say the role is not usable yet
                         "latency_ms": 50,                   added to every forwarded call
                         "tcp_nodelay": true,                answer without Nagle's algorithm (default
                                                             false): a reply then leaves at once instead
                                                             of possibly waiting for the client's
                                                             delayed ACK (~40 ms)
                         "hold_operation": "kms:CreateAlias", never answer this operation (its
                                                             caller waits until killed; the call is not
                                                             forwarded), to kill an apply between two calls
                         "seed": 1}
                        Resets the counters.
  GET  /__fault/stats   {"calls", "mutating_calls", "injected": [...], "throttled", "operations": [...],
                         "timeline": [{"op", "start", "end", "status"}, ...], "now"}
                        timeline: every call since the last config, in arrival order, with
                        time.monotonic() seconds when the request arrived and when its answer
                        was sent (end is null while in flight; latency included), for the
                        benchmarks' critical-path depth (scripts/bench.sh); now: the proxy's
                        time.monotonic() when it answered.

Every fault is answered in the wire format of the calling protocol (JSON 1.1,
awsQuery XML, rpc-v2-cbor, S3 REST XML) so the SDK parses it as AWS's own.
"""
import argparse
import json
import random
import re
import socket
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MUTATING_PREFIXES = (
    "Create", "Put", "Delete", "Update", "Set", "Start", "Stop", "Enable", "Disable",
    "Schedule", "Subscribe", "Unsubscribe", "Tag", "Untag", "Add", "Remove", "Associate",
    "Attach", "Detach", "Cancel",
)
CBOR_PATH = re.compile(r"^/service/[^/]+/operation/([A-Za-z0-9]+)$")
SERVICE_IN_AUTH = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.configure({})

    def configure(self, config):
        with self.lock:
            self.fail_at = int(config.get("fail_mutating_call", 0) or 0)
            # Or name the call: the n-th call of one operation ("kms:CreateKey", 1),
            # which stays the same call whatever order concurrent steps take.
            self.fail_operation = config.get("fail_operation")
            self.fail_occurrence = int(config.get("fail_occurrence", 1) or 1)
            self.seen = {}
            self.mutating_operations = []
            self.throttle_ratio = float(config.get("throttle_ratio", 0) or 0)
            self.iam_until = time.monotonic() + float(config.get("iam_propagation_seconds", 0) or 0)
            self.latency = float(config.get("latency_ms", 0) or 0) / 1000.0
            self.nodelay = bool(config.get("tcp_nodelay", False))
            self.hold_operation = config.get("hold_operation")
            # A new configuration releases the calls held under the old one.
            self.generation = getattr(self, "generation", 0) + 1
            self.random = random.Random(config.get("seed", 1))
            self.calls = 0
            self.mutating = 0
            self.injected = []
            self.throttled = 0
            self.operations = []
            self.timeline = []

    def stats(self):
        with self.lock:
            return {
                "calls": self.calls,
                "mutating_calls": self.mutating,
                "mutating_operations": list(self.mutating_operations),
                "injected": list(self.injected),
                "throttled": self.throttled,
                "operations": list(self.operations),
                "timeline": [dict(entry) for entry in self.timeline],
                "now": time.monotonic(),
            }


STATE = State()


def cbor_text(s):
    data = s.encode()
    n = len(data)
    if n < 24:
        head = bytes([0x60 | n])
    elif n < 256:
        head = bytes([0x78, n])
    else:
        head = bytes([0x79, n >> 8, n & 0xFF])
    return head + data


def cbor_error(code, message):
    return bytes([0xA2]) + cbor_text("__type") + cbor_text(code) + cbor_text("message") + cbor_text(message)


class Call:
    """What the SDK asked for: service, operation, protocol."""

    def __init__(self, handler, body):
        headers = handler.headers
        auth = headers.get("Authorization", "")
        match = SERVICE_IN_AUTH.search(auth)
        self.service = match.group(1) if match else "?"
        target = headers.get("X-Amz-Target")
        cbor = CBOR_PATH.match(handler.path.split("?")[0])
        if target:
            self.protocol = "json"
            self.operation = target.split(".")[-1]
        elif cbor:
            self.protocol = "cbor"
            self.operation = cbor.group(1)
        elif self.service == "s3":
            self.protocol = "s3"
            query = urllib.parse.urlsplit(handler.path).query
            sub = query.split("=")[0].split("&")[0] if query else ""
            self.operation = f"{handler.command} {sub}".strip()
        else:
            self.protocol = "query"
            form = urllib.parse.parse_qs(body.decode(errors="replace"))
            self.operation = form.get("Action", ["?"])[0]
        if self.protocol == "s3":
            self.mutating = handler.command in ("PUT", "POST", "DELETE")
        else:
            self.mutating = self.operation.startswith(MUTATING_PREFIXES)

    def error(self, status, code, message):
        if self.protocol == "json":
            body = json.dumps({"__type": code, "message": message}).encode()
            return status, {"Content-Type": "application/x-amz-json-1.1"}, body
        if self.protocol == "cbor":
            return status, {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}, cbor_error(code, message)
        if self.protocol == "s3":
            body = f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            return status, {"Content-Type": "application/xml"}, body.encode()
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>fault-injected</RequestId></ErrorResponse>"
        )
        return status, {"Content-Type": "text/xml"}, body.encode()

    def throttle(self):
        if self.protocol == "s3":
            return self.error(503, "SlowDown", "injected throttling")
        return self.error(400, "ThrottlingException" if self.protocol == "json" else "Throttling", "Rate exceeded (injected)")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None
    # Buffered: an answer (headers and body) leaves in one write when the
    # handler flushes after each request, as an endpoint sends a small answer.
    # Written apart, with TCP_NODELAY, they arrived as two segments and woke
    # the client twice per call, which the bench counted as provider CPU.
    wbufsize = 1 << 20

    def log_message(self, *args):
        pass

    def reply(self, status, headers, body):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def control(self, body):
        if self.path == "/__fault/config" and self.command == "POST":
            STATE.configure(json.loads(body or b"{}"))
            return self.reply(200, {"Content-Type": "application/json"}, b"{}")
        if self.path == "/__fault/stats":
            return self.reply(200, {"Content-Type": "application/json"}, json.dumps(STATE.stats()).encode())
        return self.reply(404, {}, b"")

    def handle_any(self):
        arrived = time.monotonic()
        if STATE.nodelay:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/__fault/"):
            return self.control(body)
        call = Call(self, body)
        entry = {"op": f"{call.service}:{call.operation}", "start": arrived, "end": None, "status": None}
        try:
            self.handle_call(call, body, entry)
        finally:
            entry["end"] = time.monotonic()

    def handle_call(self, call, body, entry):
        fault = None
        held = None
        with STATE.lock:
            if STATE.hold_operation == f"{call.service}:{call.operation}":
                held = STATE.generation
            STATE.calls += 1
            STATE.operations.append(f"{call.service}:{call.operation}")
            STATE.timeline.append(entry)
            latency = STATE.latency
            if call.mutating:
                STATE.mutating += 1
                name = f"{call.service}:{call.operation}"
                STATE.seen[name] = STATE.seen.get(name, 0) + 1
                STATE.mutating_operations.append(name)
                named = STATE.fail_operation == name and STATE.seen[name] == STATE.fail_occurrence
                if named or (STATE.fail_at and STATE.mutating == STATE.fail_at):
                    STATE.injected.append(f"{call.service}:{call.operation}")
                    fault = call.error(400, "InjectedFault", f"injected failure of mutating call {STATE.mutating}")
            if fault is None and call.service == "cloudtrail" and call.operation in ("CreateTrail", "UpdateTrail") \
                    and time.monotonic() < STATE.iam_until:
                fault = call.error(400, "InvalidCloudWatchLogsRoleArnException", "Access denied. Verify in IAM that the role exists (injected propagation delay)")
            if fault is None and STATE.throttle_ratio and STATE.random.random() < STATE.throttle_ratio:
                STATE.throttled += 1
                fault = call.throttle()
        if held is not None:
            deadline = time.monotonic() + 600
            while STATE.generation == held and time.monotonic() < deadline:
                time.sleep(0.05)
            fault = call.error(400, "HeldCall", "held by the fault proxy, never forwarded")
        if latency:
            time.sleep(latency)
        if fault:
            entry["status"] = fault[0]
            return self.reply(*fault)
        entry["status"] = self.forward(body)

    def forward(self, body):
        conn = HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        out = {k: v for k, v in resp.getheaders() if k.lower() not in ("transfer-encoding", "connection", "content-length")}
        conn.close()
        self.reply(resp.status, out, data)
        return resp.status

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client killed mid-call (the interrupted-apply test) is expected.
        import sys

        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--upstream", default="http://127.0.0.1:4566")
    parser.add_argument("--port-file")
    args = parser.parse_args()
    host, port = args.listen.rsplit(":", 1)
    if host != "127.0.0.1":
        raise SystemExit("the fault proxy listens on loopback only")
    Handler.upstream = urllib.parse.urlsplit(args.upstream)
    server = LoopbackServer((host, int(port)), Handler)
    if args.port_file:
        with open(args.port_file, "w") as f:
            f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
