#!/usr/bin/env python3
"""Every AWS call the provider logged is a row of docs/permissions.md.

Usage: permissions_check.py TERRAFORM_LOG PERMISSIONS_PAGE

The page is rendered from src/permissions.rs, so a call the provider makes
and the table lacks (a permission the docs would not ask for) fails here.
"""
import re
import sys

CALL = re.compile(r'AWS call.*')
FIELD = r'{}=(?:"([^"]*)"|(\S+))'
ROW = re.compile(r'^\| ([^|]+?) \| `([A-Za-z]+)` \|')


def field(name, line):
    m = re.search(FIELD.format(name), line)
    return (m.group(1) or m.group(2)) if m else None


def main(log_path, page_path):
    rows = set()
    with open(page_path) as page:
        for line in page:
            m = ROW.match(line)
            if m:
                rows.add((m.group(1), m.group(2)))
    if not rows:
        sys.exit(f"FAIL: no call table in {page_path}")
    logged = set()
    with open(log_path, errors="replace") as log:
        for line in log:
            if not CALL.search(line):
                continue
            service, operation = field("service", line), field("operation", line)
            if service and operation:
                logged.add((service, operation))
    if not logged:
        sys.exit(f"FAIL: no AWS call logged in {log_path}")
    missing = sorted(logged - rows)
    for service, operation in missing:
        print(f"FAIL: the provider called {service} {operation}, which docs/permissions.md does not list")
    if missing:
        sys.exit(1)
    print(f"    {len(logged)} distinct AWS calls logged, each listed in docs/permissions.md ({len(rows)} rows)")


if __name__ == "__main__":
    main(*sys.argv[1:3])
