"""A small real HTTP server on 127.0.0.1 that speaks the OpenAI wire format
as llama-cpp-python 0.3.36 serves it (llama_cpp/server/app.py: GET
/v1/models, POST /v1/chat/completions; llama_cpp/llama_types.py:
ModelList, CreateChatCompletionResponse), answering what a failing server
answers: HTTP 500, a malformed or oversized body, a refusal, the source
copied back. Only for those faults: translations come from the real
llama.cpp servers of llama_server.py."""

from __future__ import annotations

import http.server
import json
import threading

from libretranslate_server import free_port

ALIAS = "mirsad-test-llm"


def completion(content: str, finish: str = "stop") -> dict:
    """llama_types.CreateChatCompletionResponse."""
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": ALIAS,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "logprobs": None,
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


class WireServer:
    """`fault`: "500", "malformed", "oversized", "refusal", "copy", "cut"."""

    def __init__(self, fault: str):
        self.fault, self.requests = fault, []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                owner._send(self, 200, json.dumps({"object": "list", "data": [
                    {"id": ALIAS, "object": "model", "owned_by": "me", "permissions": []}]}).encode())

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append(body)
                source = body["messages"][-1]["content"]
                answers = {"500": (500, b'{"error": "llama_decode returned -1"}'),
                           "malformed": (200, b'{"choices": [{"message": '),
                           "oversized": (200, json.dumps(completion("x" * 1_100_000)).encode()),
                           "refusal": (200, json.dumps(completion("I cannot translate this text.")).encode()),
                           "copy": (200, json.dumps(completion(source)).encode()),
                           "cut": (200, json.dumps(completion("Libyan Libyan Libyan", "length")).encode())}
                owner._send(self, *answers[owner.fault])

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def _send(handler, status: int, payload: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
