"""Serve a sandbox over HTTPS on loopback, with a throwaway certificate authority.

Standard library only (``http.server`` + ``ssl``) plus ``trustme`` for the CA. The drop-rate fault
closes the socket without an answer, as a broken connection would.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import ssl
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trustme

from pagerduty_mcp.sandbox.core import DroppedConnection, Sandbox, Trickle

__all__ = ["SandboxHTTPServer", "ServerInfo", "check_loopback", "make_server", "serve_in_thread"]

log = logging.getLogger(__name__)
MAX_BODY = 10 * 1024 * 1024


def check_loopback(host: str) -> None:
    """Refuse anything but a loopback address: the sandbox is for this machine only."""
    if host == "localhost":
        return
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"--host must be a loopback address such as 127.0.0.1, not {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"--host must be a loopback address such as 127.0.0.1, not {host!r}")


class _Handler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        try:
            status, headers, payload = self.server.sandbox.dispatch(
                self.command, parts.path, parts.query, dict(self.headers.items()), body
            )
        except DroppedConnection:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.server.sandbox.faults.trickle_ms:
            for index, piece in enumerate(Trickle(payload, 0).pieces()):
                if index:
                    time.sleep(self.server.sandbox.faults.trickle_ms / 1000.0)
                self.wfile.write(piece)
                self.wfile.flush()
        elif payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: a burst of new connections (a bench, a replica
    # starting) overflows it, and each SYN the kernel drops costs its client a 1-second retransmit.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: Sandbox, context: ssl.SSLContext) -> None:
        super().__init__(address, _Handler)
        self.sandbox = sandbox
        self.context = context

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (a timeout test, a cancelled call) is normal traffic for
        # a server; only errors of another kind deserve the standard traceback on stderr.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | ssl.SSLError | TimeoutError):
            return
        super().handle_error(request, client_address)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs in the connection's own thread: done in the accept loop, it would
        # make a burst of new connections queue up behind each other.
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)


@dataclass(frozen=True)
class ServerInfo:
    url: str
    ca_path: Path
    host: str
    port: int


def make_server(sandbox: Sandbox, host: str, port: int, directory: Path) -> tuple[SandboxHTTPServer, ServerInfo]:
    """Bind (without serving yet) and write the throwaway CA certificate into ``directory``."""
    check_loopback(host)
    ca = trustme.CA()
    names = ["localhost", "127.0.0.1", "::1"]
    certificate = ca.issue_cert(*names)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    ca_path = directory / "pagerduty-sandbox-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    server = SandboxHTTPServer((host, port), sandbox, context)
    bound_port = server.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    return server, ServerInfo(f"https://{shown}:{bound_port}", ca_path, host, int(bound_port))


@contextlib.contextmanager
def serve_in_thread(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> Iterator[ServerInfo]:
    """Serve ``sandbox`` over HTTPS in a background thread; yields the URL and CA path."""
    sandbox.ensure_seeded()
    with tempfile.TemporaryDirectory(prefix="pagerduty-sandbox-") as directory:
        server, info = make_server(sandbox, host, port, Path(directory))
        thread = threading.Thread(target=server.serve_forever, name="pagerduty-sandbox", daemon=True)
        thread.start()
        try:
            yield info
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
