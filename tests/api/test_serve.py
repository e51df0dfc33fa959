"""``keten serve``: binds where told, serves HTTPS with a self-signed certificate and refuses
plain HTTP on that port (PACT v3 conformance test cases 9-11 and 17)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    home = tmp_path_factory.mktemp("serve-home")
    env = {**os.environ, "KETEN_HOME": str(home)}
    env.pop("KETEN_DATABASE_URL", None)
    keten = [sys.executable, "-m", "keten.cli.main"]
    subprocess.run(
        [*keten, "company", "add", "Demo", "--id", "keten-demo"],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *keten,
            "credentials",
            "create",
            "keten-demo",
            "--client-id",
            "test_client_id",
            "--client-secret",
            "test_client_secret",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    process = subprocess.Popen(
        [*keten, "serve", "--self-signed", "--demo", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # up to 120 s: on a loaded 2-core machine the demo load alone can take half a minute
        for _ in range(1200):
            try:
                httpx.get(f"https://127.0.0.1:{port}/jwks", verify=False, timeout=1)
                break
            except httpx.HTTPError:
                if process.poll() is not None:
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise AssertionError(output) from None
                time.sleep(0.1)
        else:
            raise AssertionError("keten serve did not answer within 120 s")
        yield port, home
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_https_with_self_signed_certificate(served: tuple[int, Path]) -> None:
    port, home = served
    assert (home / "tls" / "self-signed-cert.pem").exists()
    base = f"https://localhost:{port}"
    with pytest.raises(httpx.ConnectError):  # the certificate is not trusted by default
        httpx.get(f"{base}/jwks", timeout=5)
    cert = str(home / "tls" / "self-signed-cert.pem")
    with httpx.Client(verify=cert, timeout=5) as client:  # trusted once pinned
        discovery = client.get(f"{base}/.well-known/openid-configuration").json()
        assert discovery["token_endpoint"] == f"{base}/auth/token"
        token = client.post(
            discovery["token_endpoint"],
            auth=("test_client_id", "test_client_secret"),
            data={"grant_type": "client_credentials"},
        ).json()["access_token"]
        listed = client.get(
            f"{base}/3/footprints?limit=1", headers={"Authorization": f"Bearer {token}"}
        )
        assert listed.status_code == 200 and len(listed.json()["data"]) == 1
        assert listed.headers["link"].startswith(f"<{base}/3/footprints?")


def test_plain_http_is_refused(served: tuple[int, Path]) -> None:
    port, _ = served
    for method, path in (("POST", "/auth/token"), ("GET", "/3/footprints"), ("POST", "/3/events")):
        try:
            response = httpx.request(
                method,
                f"http://127.0.0.1:{port}{path}",
                timeout=5,
                auth=("test_client_id", "test_client_secret"),
                data={"grant_type": "client_credentials"},
            )
        except httpx.HTTPError:
            continue  # connection refused / reset: what we want
        # if anything answered at all, it must not have served a token or data
        assert "access_token" not in response.text and '"data"' not in response.text


def _outward_address() -> str:
    """This machine's non-loopback IPv4 address (the one a route would use)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.254", 9))  # UDP connect sends nothing
        return str(probe.getsockname()[0])


def test_binds_loopback_only_by_default(served: tuple[int, Path]) -> None:
    port, _ = served
    address = _outward_address()
    assert not address.startswith("127.")
    with socket.socket() as sock, pytest.raises(OSError):
        sock.settimeout(2)
        sock.connect((address, port))
