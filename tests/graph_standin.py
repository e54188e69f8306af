"""A local HTTP stand-in for Meta's Graph API `/{version}/{phone-number-id}/messages`, for tests
of the Cloud API gateway: it keeps every request (path, token, JSON body) and answers like Meta
(../shared/whatsapp-cloud-api.md), or as a test scripts it (an error code, a slow answer)."""
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from tests.standin_server import JsonHandler, StandInServer


@dataclass(frozen=True)
class GraphRequest:
    path: str
    token: str
    body: dict

    @property
    def phone_number_id(self) -> str:
        return self.path.strip("/").split("/")[1]


# (request number, the request) -> (HTTP status, JSON body); None answers Meta's success.
Responder = Callable[[int, GraphRequest], tuple[int, dict] | None]


def meta_error(code: int, message: str = "refused", status: int = 400) -> tuple[int, dict]:
    """A synchronous error as Meta writes it."""
    return status, {"error": {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code,
                              "error_data": {"details": message}}}


class GraphStandIn(StandInServer):
    def __init__(self, responder: Responder | None = None, *, latency: float = 0.0) -> None:
        self.responder = responder
        self.latency = latency
        self.requests: list[GraphRequest] = []
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        super().__init__()

    def _answer(self, request: GraphRequest) -> tuple[int, dict]:
        with self._lock:
            number = next(self._numbers)
            self.requests.append(request)
        if self.latency:
            time.sleep(self.latency)  # the stand-in's own slowness, for a client's timeout
        scripted = self.responder(number, request) if self.responder else None
        if scripted is not None:
            return scripted
        answer = {"messaging_product": "whatsapp",
                  "contacts": [{"input": request.body.get("to"), "wa_id": str(request.body.get("to")).lstrip("+")}],
                  "messages": [{"id": f"wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABEYEj{number:08d}"}]}
        if request.body.get("type") == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return 200, answer

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:
                body = json.loads(self.read_body() or b"{}")
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                self.answer_json(*standin._answer(GraphRequest(self.path, token, body)))

        return Handler
