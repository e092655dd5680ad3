"""Start the test OpenID provider (this folder's Django project) as its own process on a free
127.0.0.1 port, with a fresh RSA key and SQLite file in a temporary folder, applications
registered for Fulcrum's callback (the live server's and the test client's) and people with
verified and unverified addresses. Every wait is bounded; the process is stopped afterwards."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(8790, 8800)
PASSWORD = "idp-password-2026"
CALLBACK = "/sign-in/callback/"
# An application per fault the provider can put in its ID token (see validator.py), and two
# plain ones: "fulcrum" asks for consent, "fulcrum-quick" does not.
CLIENTS = ("fulcrum", "fulcrum-quick", "wrong-issuer", "wrong-audience", "expired", "wrong-nonce", "forged-signature")
# username -> (email, verified by the provider)
PEOPLE = {
    "ava": ("Ava.Teacher@maple.example", True),
    "una": ("una@maple.example", False),
    "olga": ("olga@elsewhere.example", True),
    "nobody": ("nobody@maple.example", True),
    "dee": ("dee@maple.example", True),
}


@dataclass
class IdentityProvider:
    url: str
    issuer: str
    secrets: dict[str, str] = field(default_factory=dict)  # client id -> secret

    def client(self, name: str) -> tuple[str, str]:
        client_id = f"{name}-client"
        return client_id, self.secrets[client_id]


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "django", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180, check=False)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"provider {args[0]} failed:\n{done.stdout}\n{done.stderr}")


def start_provider(folder: Path, fulcrum_urls: list[str]) -> tuple[IdentityProvider, subprocess.Popen[bytes]]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = folder / "idp-key.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env |= {"DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings", "IDP_DATABASE": str(folder / "idp.sqlite3"),
            "IDP_RSA_KEY_FILE": str(key_file), "IDP_ISSUER": f"{url}/o", "PYTHONPATH": str(ROOT)}  # fmt: skip
    provider = IdentityProvider(url=url, issuer=f"{url}/o")
    clients = []
    for name in CLIENTS:
        client_id, secret = f"{name}-client", f"{name}-secret-{os.urandom(8).hex()}"
        provider.secrets[client_id] = secret
        clients.append({"name": name, "client_id": client_id, "client_secret": secret,
                        "redirect_uris": [f"{base}{CALLBACK}" for base in fulcrum_urls],
                        "skip_authorization": name != "fulcrum"})  # fmt: skip
    users = [{"username": u, "email": e, "password": PASSWORD, "verified": v} for u, (e, v) in PEOPLE.items()]
    _run(["migrate", "--noinput", "-v", "0"], env)
    _run(["idp_seed", json.dumps({"clients": clients, "users": users})], env)
    log = (folder / "idp.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=2).ok:
                return provider, process
        except requests.RequestException:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"the provider did not start: {(folder / 'idp.log').read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory, live_server):
    provider, process = start_provider(tmp_path_factory.mktemp("idp"), ["http://testserver", live_server.url])
    yield provider
    stop(process)


class _Form(HTMLParser):
    """The first form of a page: its action and its inputs' values."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action") or ""
        elif tag == "input" and a.get("name") and a.get("type") != "submit":
            self.fields[str(a["name"])] = a.get("value") or ""


def sign_in_at_provider(authorize_url: str, username: str, password: str = PASSWORD) -> str:
    """What a browser does at the provider, by HTTP: open the authorize URL, sign in on its login
    form, and return where the provider then sends the browser (Fulcrum's callback, with the code,
    or with an error). Applications other than "fulcrum" skip the consent page."""
    http = requests.Session()
    answer = http.get(authorize_url, timeout=10, allow_redirects=True)
    form = _Form()
    form.feed(answer.text)
    form.fields |= {"username": username, "password": password}
    answer = http.post(answer.url, data=form.fields, timeout=10, allow_redirects=False,
                       headers={"Referer": answer.url})  # fmt: skip
    assert answer.status_code == 302, f"the provider's login answered {answer.status_code}"
    login_next = requests.compat.urljoin(answer.url, answer.headers["Location"])
    answer = http.get(login_next, timeout=10, allow_redirects=False)
    assert answer.status_code == 302, (
        f"the provider's authorize page answered {answer.status_code}: {answer.text[:300]}"
    )
    return answer.headers["Location"]


def callback_path(location: str) -> str:
    """The path and query of Fulcrum's callback from the provider's redirect."""
    parts = urlsplit(location)
    assert parts.path == CALLBACK, location
    return f"{parts.path}?{parts.query}"
