"""The Fonnte backend with each request tagged by the sending process (bench/chaos.py only).

`WHATSAPP_BACKEND=bench.tagged_fonnte.TaggedFonnteBackend` makes every call carry
`User-Agent: prima-bench/<pid>`, so the stand-in can tell which process a call came from and
count, at each kill, the calls that process still had in flight. Nothing else changes.
"""
import os

from reminders.backends.fonnte import FonnteBackend

USER_AGENT_PREFIX = "prima-bench/"


class TaggedFonnteBackend(FonnteBackend):
    def __init__(self) -> None:
        super().__init__()
        self.session.headers["User-Agent"] = f"{USER_AGENT_PREFIX}{os.getpid()}"
