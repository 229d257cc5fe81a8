"""Start the protocol peers in their own processes, on free local ports.

`oidc_provider(users=..., redirect_uri=...)` runs django-oauth-toolkit as an OpenID Connect
provider with its own PostgreSQL database (created and dropped here) and yields
(issuer URL, client id, client secret).
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"peer exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"peer did not answer {url} within {timeout} s")


@contextlib.contextmanager
def _scratch_database() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards; yields its URL."""
    base = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    name = f"mops_peer_{uuid.uuid4().hex[:10]}"
    admin_url = urllib.parse.urlunsplit(base._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(base._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@contextlib.contextmanager
def oidc_provider(
    *, users: list[dict], redirect_uri: str, log_dir: Path
) -> Iterator[tuple[str, str, str]]:
    client_id, secret = "mops-" + uuid.uuid4().hex[:8], uuid.uuid4().hex
    log = log_dir / "oidc-peer.log"
    with _scratch_database() as database_url, log.open("w") as log_file:
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "tests.peers.oidc_idp.settings",
            "OIDC_PEER_DATABASE_URL": database_url,
            "OIDC_PEER_PRIVATE_KEY": _private_key_pem(),
            "PYTHONPATH": str(ROOT),
        }
        spec = {
            "users": users,
            "client": {"id": client_id, "secret": secret, "redirect_uri": redirect_uri},
        }
        subprocess.run(
            [sys.executable, "-m", "tests.peers.oidc_idp.bootstrap", json.dumps(spec)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        issuer = f"http://127.0.0.1:{port}/o"
        try:
            _wait_for(f"{issuer}/.well-known/openid-configuration", process, log)
            yield issuer, client_id, secret
        finally:
            process.terminate()
            process.wait(timeout=10)


def _self_signed(directory: Path) -> tuple[Path, Path, str]:
    """A key and self-signed certificate for the IdP; returns their paths and the
    certificate's base64 body (what an SP is configured with)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-idp")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / "idp.key", directory / "idp.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    cert_path.write_text(pem)
    body = "".join(line for line in pem.splitlines() if "CERTIFICATE" not in line)
    return key_path, cert_path, body


@contextlib.contextmanager
def saml_idp(
    *, users: list[dict], sp_metadata_url: str, log_dir: Path, configure_sp: Callable[[dict], None]
) -> Iterator[dict]:
    """Run the pysaml2 IdP (tests/peers/saml_idp.py). Its entity id, SSO URL and signing
    certificate are given to `configure_sp` first (as an admin copies them from a real IdP
    into mops), because the IdP reads mops's SP metadata when it starts."""
    key_path, cert_path, cert_body = _self_signed(log_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    identity = {
        "entity_id": f"{base}/idp/metadata",
        "sso_url": f"{base}/idp/sso/redirect",
        "x509cert": cert_body,
        "base": base,
    }
    configure_sp(identity)
    log = log_dir / "saml-peer.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.peers.saml_idp",
                str(port),
                sp_metadata_url,
                json.dumps(users),
                str(key_path),
                str(cert_path),
            ],
            env=os.environ | {"PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(f"{base}/idp/metadata", process, log)
            yield identity
        finally:
            process.terminate()
            process.wait(timeout=10)
