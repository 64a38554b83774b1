"""`python -m conformance.reference`: run the reference server alone, on loopback."""

from __future__ import annotations

import argparse
import os
import secrets
import sys

import uvicorn

from conformance.reference.app import create_app
from conformance.reference.server import LOOPBACK, loopback_socket


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {raw!r}") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"expected 0 to 3600 seconds, got {raw}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m conformance.reference",
        description="Serve the reference 'Update chat completion' server on 127.0.0.1.",
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="TCP port (default 8000; 0 picks a free one)"
    )
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
    parser.add_argument(
        "--storage-delay",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="behave like an eventually consistent vendor: new completions and updates become "
        "visible to reads only after this many seconds (default 0)",
    )
    parser.add_argument(
        "--create-delay",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="the delay for new completions alone (default: --storage-delay)",
    )
    parser.add_argument(
        "--update-delay",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="the delay for updates alone (default: --storage-delay)",
    )
    args = parser.parse_args(argv)
    keys = args.api_key or [os.environ.get("REFERENCE_API_KEY") or f"ref-{secrets.token_hex(16)}"]
    tenants = {key: f"tenant-{i}" for i, key in enumerate(keys)}
    create_delay = args.storage_delay if args.create_delay is None else args.create_delay
    update_delay = args.storage_delay if args.update_delay is None else args.update_delay
    try:
        sock = loopback_socket(args.port)
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        parser.exit(2, f"error: cannot listen on {LOOPBACK}:{args.port}: {reason}\n")
    port = sock.getsockname()[1]
    print(f"reference server on http://{LOOPBACK}:{port}/v1", flush=True)
    for key, tenant in tenants.items():
        print(f"  {tenant} API key: {key}", flush=True)
    print(f"  database: {args.database}", flush=True)
    if create_delay or update_delay:
        print(
            f"  storage delay: new completions {create_delay:g} s, updates {update_delay:g} s",
            flush=True,
        )
    app = create_app(
        tenants, database=args.database, create_delay=create_delay, update_delay=update_delay
    )
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
