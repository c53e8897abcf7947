#!/usr/bin/env python3
"""`scripts/localstack.sh check` against stand-in emulators on 127.0.0.1.

Each case serves a health endpoint and a status answer (or none) from a small
HTTP server on a free port and runs the check against it: a LocalStack without
the project's extension, or started without the pattern evaluator, must be
refused with a message saying why; one with the evaluator passes. Prints one
line per case and a closing "N passed, N failed" line; exits 1 on a failure.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = f"{ROOT}/target/release/secretmonitor-pattern-eval"

# (case, status document or None for "no such route", check passes, text the output must hold)
CASES = [
    ("no extension", None, False, "without this project's extension"),
    ("no evaluator", {"pattern_evaluator": None, "cloudtrail_delivery": True}, False,
     "started without SECRETMONITOR_PATTERN_EVAL"),
    ("our evaluator", {"pattern_evaluator": OURS, "cloudtrail_delivery": True}, True, ""),
    ("another evaluator", {"pattern_evaluator": "/elsewhere/eval", "cloudtrail_delivery": True}, True,
     "judges filter patterns with '/elsewhere/eval'"),
    ("delivery off", {"pattern_evaluator": OURS, "cloudtrail_delivery": False}, True,
     "does not deliver CloudTrail records"),
]


def serve(status: dict | None) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path == "/_localstack/health":
                body = json.dumps({"services": {"cloudtrail": "available"}}).encode()
            elif self.path == "/_secretmonitor/status" and status is not None:
                body = json.dumps(status).encode()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> int:
    passed = failed = 0
    for case, status, should_pass, expected in CASES:
        server = serve(status)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            run = subprocess.run(
                [str(ROOT / "scripts/localstack.sh"), "check", url],
                capture_output=True, text=True, timeout=30,
                env={"PATH": "/usr/bin:/bin", "SECRETMONITOR_PATTERN_EVAL": OURS},
            )
        finally:
            server.shutdown()
            server.server_close()
        output = run.stdout + run.stderr
        ok = (run.returncode == 0) == should_pass and expected in output
        passed += ok
        failed += not ok
        verdict = "ok" if ok else "FAIL"
        print(f"{verdict}: {case}: exit {run.returncode}" + ("" if ok else f"\n{output}"))
    print(f"localstack check: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
