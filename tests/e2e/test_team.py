"""A collection served to a team, in a real browser: editors identified by Streamlit's OIDC login against a small
OpenID provider that this test runs on 127.0.0.1 (discovery, authorize, token, keys; it signs ID tokens with a
key made for the run), readers who cannot change anything, and a second visitor who keeps browsing, with an
"updating" note, while an editor's upload is built, then sees the new papers without reloading."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import settle
from interactions import MAIN, choose_file, go, has_text
from served import HOST, free_port, stop, wait_ready

from lib import build_job
from lib.reading import sources, store
from lib.reading.files import file_lock

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
EDITOR, READER = "ed@lab.example", "visitor@elsewhere.example"
CLIENT_ID, CLIENT_SECRET = "paper-atlas", secrets.token_urlsafe(16)


class Provider(ThreadingHTTPServer):
    """Just enough OpenID Connect for Streamlit's login: it logs in whoever `next_email` names, at once."""

    def __init__(self) -> None:
        from joserfc.jwk import RSAKey

        super().__init__((HOST, 0), _ProviderHandler)
        self.url = f"http://{HOST}:{self.server_address[1]}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        self.next_email = EDITOR
        self.codes: dict[str, dict] = {}

    def id_token(self, nonce: str | None, email: str) -> str:
        from joserfc import jwt

        now = int(time.time())
        claims = {"iss": self.url, "sub": email, "aud": CLIENT_ID, "iat": now, "exp": now + 600, "email": email,
                  "email_verified": True, "name": email.split("@")[0]}  # fmt: skip
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)


class _ProviderHandler(BaseHTTPRequestHandler):
    server: Provider

    def log_message(self, *args) -> None:  # quiet
        pass

    def _json(self, value: dict) -> None:
        body = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        base = self.server.url
        if url.path == "/.well-known/openid-configuration":
            self._json({"issuer": base, "authorization_endpoint": f"{base}/authorize", "token_endpoint": f"{base}/token",
                        "jwks_uri": f"{base}/jwks", "response_types_supported": ["code"],
                        "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"]})  # fmt: skip
        elif url.path == "/jwks":
            self._json({"keys": [self.server.key.as_dict(private=False)]})
        elif url.path == "/authorize" and query.get("client_id") == CLIENT_ID:
            code = secrets.token_urlsafe(12)
            self.server.codes[code] = {"nonce": query.get("nonce"), "email": self.server.next_email}
            target = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()
        else:
            self.send_error(404)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        grant = self.server.codes.pop(form.get("code", ""), None)
        if self.path != "/token" or grant is None:
            self.send_error(400)
            return
        token = self.server.id_token(grant["nonce"], grant["email"])
        self._json(
            {"access_token": secrets.token_urlsafe(8), "token_type": "Bearer", "expires_in": 600, "id_token": token}
        )


@pytest.fixture(scope="module")
def provider():
    server = Provider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _collection(target: Path, data_copy: Path) -> Path:
    (target / "raw").mkdir(parents=True)
    for page in sorted((data_copy / "raw").iterdir())[:1]:
        shutil.copy(page, target / "raw")
    shutil.copy(data_copy / "themes.toml", target / "themes.toml")
    return target


def _serve(root: Path, secrets_toml: str | None):
    """`streamlit run` on a free loopback port for `root`, with `secrets_toml` as its only secrets file."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
               "--server.address", HOST, "--server.headless", "true", "--browser.gatherUsageStats", "false"]  # fmt: skip
    if secrets_toml is not None:
        path = root / "secrets.toml"
        path.write_text(secrets_toml.replace("{port}", str(port)), encoding="utf-8")
        command += ["--secrets.files", str(path)]
    log = open(root / "server.log", "w")  # noqa: SIM115 - closed when the server stops
    env = {**__import__("os").environ, "PAPER_ATLAS_DATA": str(root), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{HOST}:{port}"
    wait_ready(url, proc)
    return url, proc, log


@pytest.fixture(scope="module")
def team_server(tmp_path_factory, data_copy, provider):
    root = _collection(tmp_path_factory.mktemp("team"), data_copy)
    toml = f"""
[auth]
redirect_uri = "http://{HOST}:{{port}}/oauth2callback"
cookie_secret = "{secrets.token_urlsafe(32)}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{provider.url}/.well-known/openid-configuration"

[paper_atlas]
editors = ["{EDITOR}"]
"""
    url, proc, log = _serve(root, toml)
    try:
        yield url
    finally:
        stop(proc)
        log.close()


def _sidebar_text(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def _log_in(page, url: str) -> None:
    go(page, url, "data")
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Log in").click()
    # The provider's redirect comes back to the app, which opens a new session: wait for the page it draws.
    page.wait_for_url(re.compile(re.escape(url) + r"/?(\?.*)?$"), timeout=60_000)
    settle.settle(page, ready="document.querySelector('[data-testid=\"stSidebar\"]').innerText.includes('Logged in')")


def test_1_login_makes_a_listed_editor_an_editor_and_anyone_else_a_reader(browser, team_server, provider, shots):
    visitor = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    settle.install(visitor)
    go(visitor, team_server, "data")
    assert "Log in" in _sidebar_text(visitor)
    assert visitor.locator(f'{MAIN} [data-testid="stFileUploader"]').count() == 0
    visitor.context.close()

    for email, role in ((EDITOR, "editor"), (READER, "reader")):
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        page = context.new_page()
        settle.install(page)
        provider.next_email = email
        _log_in(page, team_server)
        assert f"Logged in as {email} ({role})" in _sidebar_text(page)
        go(page, team_server, "data")
        uploads = page.locator(f'{MAIN} [data-testid="stFileUploader"]').count()
        assert uploads == (1 if role == "editor" else 0)
        page.screenshot(path=str(shots / f"team-{role}.png"), full_page=True)
        context.close()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory, data_copy):
    root = _collection(tmp_path_factory.mktemp("open"), data_copy)
    url, proc, log = _serve(root, None)
    try:
        yield url, store.data_dir(root)
    finally:
        stop(proc)
        log.close()


def _count(page) -> int:
    text = page.get_by_text(re.compile(r"^Showing [\d,]+ of [\d,]+ papers")).first.inner_text()
    return int(re.search(r"Showing ([\d,]+)", text).group(1).replace(",", ""))


def test_2_a_second_visitor_keeps_browsing_during_an_upload_and_then_sees_it(browser, open_server, tmp_path, shots):
    url, data = open_server
    editor = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    reader = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    for page in (editor, reader):
        settle.install(page)
    go(reader, url)
    before = _count(reader)
    upload = tmp_path / "lab-additions.csv"
    rows = "".join(
        f'"Lab Addition {n} on Sparse Retrieval","An abstract that reads as prose, number {n}."\n' for n in range(40)
    )
    upload.write_text("title,abstract\n" + rows, encoding="utf-8")
    go(editor, url, "data")
    release = threading.Event()
    holder = threading.Thread(target=_hold, args=(data, release))
    holder.start()  # the build waits for this lock, so the reader certainly looks while it runs
    try:
        choose_file(editor, upload)
        settle.timed(editor, editor.get_by_role("button", name="Add to the collection").click, ready=has_text("40 new"))
        timing = settle.timed(
            reader, reader.reload, ready="document.body.innerText.includes('Updating the collection')"
        )
        assert timing.settled_ms < 20_000 and _count(reader) == before
        box = reader.get_by_label("Search titles and abstracts")
        box.fill("retrieval")
        searched = settle.timed(
            reader, lambda: box.press("Enter"), ready="document.body.innerText.includes('text containing')"
        )
        assert searched.settled_ms < 10_000  # browsing goes on while the upload is built
        reader.screenshot(path=str(shots / "team-updating.png"), full_page=True)
    finally:
        release.set()
        holder.join()
    # The note looks every few seconds and reloads the page once the new build is in: no reload by hand.
    reader.wait_for_function(
        f"!document.body.innerText.includes('Updating the collection') && /Showing [\\d,]+ of {before + 40:,} papers/"
        ".test(document.body.innerText)",
        timeout=120_000,
    )
    assert [e["name"] for e in sources.list_sources(data)] == ["lab-additions.csv"]


def _hold(data: store.DataDir, release: threading.Event) -> None:
    with file_lock(data.processed / build_job.BUILD_LOCK):
        release.wait(60)
