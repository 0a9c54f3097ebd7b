"""A real HTTP server on 127.0.0.1 that speaks LibreTranslate's wire
format and answers what a test tells it to: a hostile or broken
LibreTranslate (tests/libretranslate_server.py starts the real one).

It follows libretranslate 1.9.6's libretranslate/app.py (the version in
requirements-libretranslate.lock): `GET /languages` (a list of
{code, name, targets}), `GET /spec` (the OpenAPI document, its
info.version read as LibreTranslate's version) and `POST /translate`
(JSON {q, source, target, format}; a list `q` is a batch, answered as
{"translatedText": [...]}, one text per `q`, errors as {"error": ...}).
What `answer` returns for each /translate request is sent as it is.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "1.9.6"
# (status, body bytes) for one /translate request's JSON body.
Answer = Callable[[dict], tuple[int, bytes]]


def translated(texts: list[str]) -> tuple[int, bytes]:
    """A well-formed answer: one text per sentence asked."""
    return 200, json.dumps({"translatedText": texts}).encode("utf-8")


def always(text: str) -> Answer:
    """Every sentence answered with `text`."""
    return lambda request: translated([text] * len(request["q"]))


class WireServer:
    """Serves `answer` on a thread until stop(); `requests` counts /translate calls."""

    def __init__(self, answer: Answer, pairs=(("ar", "en"), ("en", "fr"), ("en", "ar"))):
        self.answer, self.requests = answer, 0
        languages: dict[str, list[str]] = {}
        for source, target in pairs:
            languages.setdefault(source, [source]).append(target)
            languages.setdefault(target, [target])
        self.languages = [{"code": code, "name": code, "targets": targets} for code, targets in languages.items()]
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/languages":
                    self._send(200, json.dumps(server.languages).encode())
                elif self.path == "/spec":
                    self._send(200, json.dumps({"info": {"version": VERSION, "title": "LibreTranslate"}}).encode())
                else:
                    self._send(404, b'{"error": "Not Found"}')

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if self.path != "/translate":
                    return self._send(404, b'{"error": "Not Found"}')
                server.requests += 1
                self._send(*server.answer(body))

            def _send(self, status: int, payload: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on a long answer

            def log_message(self, *args) -> None:
                pass

        return Handler

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
