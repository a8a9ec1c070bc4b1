"""A stand-in for the arXiv query API on 127.0.0.1: each title phrase gets the replies a test scripts for it.

Serves only loopback, records every request, and stops (releasing any slow reply) when the context exits.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ATOM_DIR = Path(__file__).resolve().parents[1] / "data" / "atom"
PATH = "/api/query"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds to wait before answering, to outlast a client's timeout


def atom(name: str) -> Reply:
    """A recorded-style reply from tests/data/atom/."""
    return Reply(
        body=(ATOM_DIR / name).read_bytes(), headers=(("Content-Type", "application/atom+xml; charset=utf-8"),)
    )


def status(code: int, **headers: str) -> Reply:
    """An error page with the given status; header names use underscores (Retry_After)."""
    pairs = tuple((name.replace("_", "-"), value) for name, value in headers.items())
    return Reply(code, f"<html><body>{code}</body></html>".encode(), (("Content-Type", "text/html"), *pairs))


def slow(seconds: float, then: Reply | None = None) -> Reply:
    reply = then or atom("empty.xml")
    return Reply(reply.status, reply.body, reply.headers, seconds)


def raw(body: bytes) -> Reply:
    return Reply(body=body, headers=(("Content-Type", "application/atom+xml"),))


class FakeArxiv:
    """Routes `ti:"<phrase>"` queries to scripted replies: each request takes the next reply of its phrase's
    list and the last one repeats. Unknown phrases get an empty feed, as arXiv answers a title it lacks."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.default = atom("empty.xml")
        self.paths: list[str] = []  # every request path, in order
        self.phrases: list[str] = []  # the title phrase of every request, in order
        self.user_agents: list[str] = []
        self.times: list[float] = []  # time.monotonic() at each request
        self._lock = threading.Lock()
        self.closing = threading.Event()  # set at exit: releases replies still waiting out their delay
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{PATH}"

    @property
    def count(self) -> int:
        return len(self.paths)

    def route(self, phrase: str, *replies: Reply) -> None:
        self.routes[phrase] = list(replies)

    def next_reply(self, path: str, user_agent: str) -> Reply:
        parts = urlsplit(path)
        query = parse_qs(parts.query).get("search_query", [""])[0]
        phrase = query[4:-1] if query.startswith('ti:"') and query.endswith('"') else None
        with self._lock:
            self.paths.append(path)
            self.phrases.append(phrase or "")
            self.user_agents.append(user_agent)
            self.times.append(time.monotonic())
            if parts.path != PATH or phrase is None:
                return status(400)
            queue = self.routes.get(phrase)
            if not queue:
                return self.default
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def __enter__(self) -> FakeArxiv:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(fake: FakeArxiv) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            reply = fake.next_reply(self.path, self.headers.get("User-Agent", ""))
            if reply.delay and fake.closing.wait(reply.delay):
                return
            try:
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer

        def log_message(self, format: str, *args) -> None:  # keep test output quiet
            pass

    return Handler
