"""A package index on 127.0.0.1: index.json in argospm's format and the
committed test packages (tests/fixtures/models), served well or badly over
real sockets, every request recorded (tests/test_models_download.py,
tests/test_models_setup.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "models"
NAMES = {"ar": "Arabic", "en": "English", "fr": "French"}
IPFS_LINK = "ipfs://QmV5bmf8iqKpoGoyuTzEppaSWdceuW6zgiePaUr5ThPCpW"  # ar→en's, in argospm-index

Behaviour = Callable[[BaseHTTPRequestHandler, bytes], None]


def serve(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/octet-stream")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def cut_off(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    """Announce the whole body, send half, drop the connection."""
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body[: len(body) // 2])
    handler.close_connection = True


def corrupted(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    """The whole length, but bytes in the middle (the model's data) flipped."""
    middle = len(body) // 2
    serve(handler, body[:middle] + bytes(b ^ 0xFF for b in body[middle:middle + 256]) + body[middle + 256:])


def hang_before_answering(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    handler.server.released.wait(10)


def hang_mid_body(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body[:1000])
    handler.wfile.flush()
    handler.server.released.wait(10)


def not_found(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    handler.send_error(404)


def unavailable(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    handler.send_error(503)


def flaky(times: int, failure: Behaviour) -> Behaviour:
    """Fail (with `failure`) the first `times` requests, then serve."""
    left = [times]

    def respond(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        left[0] -= 1
        (failure if left[0] >= 0 else serve)(handler, body)
    return respond


class PackageServer:
    """index.json and package files on 127.0.0.1, each path with its own
    behaviour; every request is recorded with its User-Agent."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.routes: dict[str, tuple[Behaviour, bytes]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, self.headers.get("User-Agent", "")))
                behaviour, body = server.routes.get(self.path, (not_found, b""))
                behaviour(self, body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.released = threading.Event()  # lets hanging handlers go at the end
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def index_url(self) -> str:
        return self.url("/index.json")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def package(self, pair: str, behaviour: Behaviour = serve, version: str = "1.0", path: str = "") -> dict:
        """Serve a fixture package; return its index entry, shaped like the
        real ar→en entry of argospm-index (which lists its ipfs link after
        the https one: first here, so that skipping it is on the way)."""
        path = path or f"/v1/translate-{pair}-test-1.0.argosmodel"
        self.routes[path] = (behaviour, (FIXTURES / f"translate-{pair}-test-1.0.argosmodel").read_bytes())
        source, target = pair.split("_")
        return {"package_version": version, "argos_version": "1.9", "from_code": source,
                "from_name": NAMES[source], "to_code": target, "to_name": NAMES[target],
                "links": [IPFS_LINK, self.url(path)], "code": f"translate-{pair}"}

    def publish(self, *entries: dict, behaviour: Behaviour = serve) -> None:
        self.routes["/index.json"] = (behaviour, json.dumps(list(entries), indent=4).encode())

    def requested(self, path_part: str) -> int:
        return sum(path_part in path for path, _ in self.requests)

    def close(self) -> None:
        self.httpd.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[PackageServer]:
    """A package server for one test (import this fixture into the test module)."""
    package_server = PackageServer()
    yield package_server
    package_server.close()
