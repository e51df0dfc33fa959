"""Check that a server's TCP port is free before it starts, with a hint when it is not."""

from __future__ import annotations

import errno
import socket

from keten.errors import KetenError


def ensure_port_free(host: str, port: int) -> None:
    """Raise a one-line ``KetenError`` (exit code 2) when ``host:port`` cannot be bound,
    naming ``--port`` and ``KETEN_PORT``; the server would otherwise fail after printing its
    URL."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # uvicorn binds with SO_REUSEADDR too, so a port in TIME_WAIT is not reported as busy
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise KetenError(
                    f"port {port} on {host} is already in use (another keten dashboard or "
                    "server?); stop it, or choose another port with --port or KETEN_PORT"
                ) from None
            raise KetenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
