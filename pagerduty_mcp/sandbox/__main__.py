"""``python -m pagerduty_mcp.sandbox``: serve the sandbox account over HTTPS on loopback."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from pagerduty_mcp.sandbox.constants import SANDBOX_TOKEN
from pagerduty_mcp.sandbox.core import (
    ENV_DELIVER_WEBHOOKS,
    ENV_SEED,
    ENV_SIZE,
    MAX_SIZE,
    Sandbox,
    env_flag,
    env_seed,
    env_size,
)
from pagerduty_mcp.sandbox.faults import RETRY_AFTER_FORMS, Faults, check_retry_after


def _parser() -> argparse.ArgumentParser:
    env_faults = Faults.from_env()
    parser = argparse.ArgumentParser(
        prog="python -m pagerduty_mcp.sandbox",
        description="Serve an offline PagerDuty account (REST API v2 and Events API v2) over HTTPS "
        "on loopback, with a throwaway CA. Faults are off unless set here or by environment.",
    )
    parser.add_argument("--port", type=int, default=8443, help="TCP port (0 picks a free one; default 8443)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--seed",
        type=int,
        default=env_seed(),
        help=f"seed of the generated account (default 7, env {ENV_SEED})",
    )
    parser.add_argument(
        "--size",
        type=int,
        default=env_size(),
        help=f"size multiplier: about 60 incidents per unit, 1 to {MAX_SIZE} (default 1, env {ENV_SIZE})",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=env_faults.latency_ms,
        help="added latency per request in ms (env PAGERDUTY_SANDBOX_LATENCY_MS)",
    )
    parser.add_argument(
        "--error-rate",
        type=float,
        default=env_faults.error_rate,
        help="share of requests answered 5xx, 0..1 (env PAGERDUTY_SANDBOX_ERROR_RATE)",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=env_faults.rate_limit,
        help="requests per minute before 429 with Retry-After; 0 = off (env PAGERDUTY_SANDBOX_RATE_LIMIT)",
    )
    parser.add_argument(
        "--drop-rate",
        type=float,
        default=env_faults.drop_rate,
        help="share of connections closed without an answer, 0..1 (env PAGERDUTY_SANDBOX_DROP_RATE)",
    )
    parser.add_argument(
        "--retry-after",
        type=check_retry_after,
        default=env_faults.retry_after,
        help=f"what a 429 says: {', '.join(RETRY_AFTER_FORMS)} (no header at all), or an integer such as 0 "
        "or -5 sent as is (default seconds, env PAGERDUTY_SANDBOX_RETRY_AFTER)",
    )
    parser.add_argument(
        "--drop-after-write",
        type=float,
        default=env_faults.drop_after_write_rate,
        help="share of writes applied and then left unanswered (the connection closes), 0..1 "
        "(env PAGERDUTY_SANDBOX_DROP_AFTER_WRITE_RATE)",
    )
    parser.add_argument(
        "--echo-headers",
        action="store_true",
        default=env_faults.echo_headers,
        help="error bodies list the request's headers, credentials included, and the identity service's also its "
        "form, client secret and codes included (env PAGERDUTY_SANDBOX_ECHO_HEADERS=1)",
    )
    parser.add_argument(
        "--trickle-ms",
        type=float,
        default=env_faults.trickle_ms,
        help="send answers in 64-byte pieces this many ms apart (env PAGERDUTY_SANDBOX_TRICKLE_MS)",
    )
    parser.add_argument(
        "--deliver-webhooks",
        action="store_true",
        default=env_flag(ENV_DELIVER_WEBHOOKS),
        help="send webhook test events to receivers on loopback (env PAGERDUTY_SANDBOX_DELIVER_WEBHOOKS=1)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    from pagerduty_mcp.sandbox.server import make_server

    try:
        parser = _parser()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        faults = Faults(
            args.latency_ms,
            args.error_rate,
            args.rate_limit,
            args.drop_rate,
            retry_after=args.retry_after,
            drop_after_write_rate=args.drop_after_write,
            echo_headers=args.echo_headers,
            trickle_ms=args.trickle_ms,
        )
        if not 1 <= args.size <= MAX_SIZE:
            raise ValueError(f"--size must be from 1 to {MAX_SIZE} (about 60 incidents each)")
        sandbox = Sandbox(seed=args.seed, size=args.size, faults=faults, deliver_webhooks=args.deliver_webhooks)
        sandbox.ensure_seeded()
        directory = Path(tempfile.mkdtemp(prefix="pagerduty-sandbox-"))
        server, info = make_server(sandbox, args.host, args.port, directory)
    except (ValueError, OSError) as error:
        parser.error(str(error))
    print(f"PagerDuty sandbox (seed {args.seed}, size {args.size}) serving on {info.url}", flush=True)
    print(f"REST API v2: {info.url}   Events API v2: {info.url}/v2/enqueue", flush=True)
    print(f"CA certificate: {info.ca_path}", flush=True)
    print(f"API token: {SANDBOX_TOKEN}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
