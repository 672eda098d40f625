"""A webhook receiver that behaves like a real one: it records what arrives and
answers as told — success, errors, Retry-After, latency, or a hang."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0       # seconds before answering
    hang: bool = False       # never answer (until release())


class FakeReceiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._script: list[Answer] = []
        self.default = Answer(200, {"id": "ext"})
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.got_request = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                    answer = receiver._script.pop(0) if receiver._script else receiver.default
                receiver.got_request.set()
                if answer.hang:
                    receiver._release.wait(60)
                    return
                if answer.delay:
                    receiver._release.wait(answer.delay)
                payload = json.dumps(answer.body).encode() if answer.body is not None else b""
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/leads"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def then(self, *answers: Answer) -> "FakeReceiver":
        """Answer the next requests with these, in order; then the default."""
        with self._lock:
            self._script.extend(answers)
        return self

    def keys(self) -> list[str]:
        return [r.headers.get("Idempotency-Key", "") for r in self.received]

    def start(self) -> "FakeReceiver":
        self._thread.start()
        return self

    def release(self) -> None:
        self._release.set()

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
