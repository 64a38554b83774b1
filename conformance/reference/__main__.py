"""`python -m conformance.reference`: run the reference server alone, on loopback."""

from __future__ import annotations

import argparse
import os
import secrets
import sys

import uvicorn

from conformance.reference.app import create_app
from conformance.reference.server import LOOPBACK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m conformance.reference",
        description="Serve the reference 'Update chat completion' server on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument(
        "--database",
        default=":memory:",
        help="SQLite file to keep completions across restarts (default: in memory)",
    )
    parser.add_argument(
        "--api-key",
        action="append",
        default=None,
        help="accepted API key; repeat for more tenants (default: $REFERENCE_API_KEY or random)",
    )
    args = parser.parse_args(argv)
    keys = args.api_key or [os.environ.get("REFERENCE_API_KEY") or f"ref-{secrets.token_hex(16)}"]
    tenants = {key: f"tenant-{i}" for i, key in enumerate(keys)}
    print(f"reference server on http://{LOOPBACK}:{args.port}/v1", flush=True)
    for key, tenant in tenants.items():
        print(f"  {tenant} API key: {key}", flush=True)
    print(f"  database: {args.database}", flush=True)
    app = create_app(tenants, database=args.database)
    uvicorn.run(app, host=LOOPBACK, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
