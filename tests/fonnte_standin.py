"""A local HTTP stand-in for Fonnte's /send, for multi-process tests and benchmarks.

It answers like Fonnte (fonnte-api.md) and counts every request per (target, message),
so a test can assert that each message reached the "provider" exactly once.
"""
import itertools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from tests.standin_server import JsonHandler, StandInServer

# The stand-in's own device, as Fonnte names it in `quota`, and the quota it starts with.
DEVICE_LOCAL_NUMBER = "081100000000"
QUOTA = 1_000_000


# (request number, form fields and the Authorization and User-Agent headers) -> (HTTP status, JSON body);
# None means "answer success".
Responder = Callable[[int, dict[str, str]], tuple[int, dict] | None]


@dataclass(frozen=True)
class Request:
    """One /send as the stand-in got it: when (time.monotonic()), with which token, to whom."""

    at: float
    token: str
    target: str
    message: str


class FonnteStandIn(StandInServer):
    """`latency` seconds before each answer, plus up to `jitter` more at random; `devices`
    maps a token to its device's local number, which the answer's quota is keyed by."""

    def __init__(self, latency: float = 0.0, responder: Responder | None = None, *, jitter: float = 0.0,
                 devices: dict[str, str] | None = None) -> None:
        self.latency = latency
        self.jitter = jitter
        self.responder = responder
        self.devices = devices or {}
        self.requests: Counter = Counter()
        self.log: list[Request] = []
        self.client_ports: dict[int, int] = {}  # request number -> the caller's TCP port
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        super().__init__()

    def total(self) -> int:
        with self._lock:
            return sum(self.requests.values())

    def _answer(self, fields: dict[str, str], client_port: int) -> tuple[int, dict]:
        token = fields.get("Authorization", "")
        with self._lock:
            number = next(self._numbers)
            self.client_ports[number] = client_port
            self.requests[(fields.get("target", ""), fields.get("message", ""))] += 1
            self.log.append(Request(time.monotonic(), token, fields.get("target", ""), fields.get("message", "")))
        if self.latency or self.jitter:
            time.sleep(self.latency + random.uniform(0, self.jitter))
        scripted = self.responder(number, fields) if self.responder else None
        if scripted is not None:
            return scripted
        device = self.devices.get(token, DEVICE_LOCAL_NUMBER)
        return 200, {  # the live shape: integer ids, the quota keyed by the device's local number
            "detail": "success! message in queue",
            "id": [80000000 + number],
            "process": "pending",
            "quota": {device: {"details": "deduced from total quota", "quota": QUOTA,
                               "remaining": max(QUOTA - number, 0), "used": number}},
            "requestid": number,
            "status": True,
            "target": [fields.get("target", "")],
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:
                form = parse_qs(self.read_body().decode("utf-8", "replace"))
                fields = {key: values[0] for key, values in form.items()}
                fields["Authorization"] = self.headers.get("Authorization", "")
                fields["User-Agent"] = self.headers.get("User-Agent", "")
                self.answer_json(*standin._answer(fields, self.client_address[1]))

        return Handler
