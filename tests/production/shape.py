"""The production shape as real processes (deploy/run-prod.sh: gunicorn, a Celery worker and
beat, redis-server), and a volunteer's browser that talks to it through an imagined TLS proxy."""
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

from tests.celery.cluster import wait_for

ROOT = Path(__file__).resolve().parents[2]
RUN_PROD = ROOT / "deploy" / "run-prod.sh"
# What the test's own environment carries that the shape must not inherit.
NOT_INHERITED = ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CELERY_BROKER_URL", "FONNTE_TOKEN",
                 "FONNTE_WEBHOOK_SECRET", "WHATSAPP_BACKEND", "TEST_DATABASE_NAME", "EMAIL_URL", "ALLOW_DEMO_BACKENDS")


class ProductionShape:
    """`deploy/run-prod.sh` in its own session, its output in `log_path`; entered once
    /healthz answers 200 (the database answers and beat's tick ran on the worker)."""

    def __init__(self, environment: dict[str, str], log_path: Path) -> None:
        inherited = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
        bin_dir = str(Path(sys.executable).parent)
        self.environment = {**inherited, "PATH": f"{bin_dir}:{inherited.get('PATH', '')}", **environment}
        self.base_url = f"http://127.0.0.1:{environment['PORT']}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "ProductionShape":
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([str(RUN_PROD)], cwd=ROOT, env=self.environment, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_for(self._healthy, 120, "/healthz to answer 200", interval=0.25)
        except BaseException:
            self.kill()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process.poll() is None:
            self.kill()

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"run-prod.sh ended with {self.process.returncode}:\n{self.log_tail()}")
        try:
            return requests.get(f"{self.base_url}/healthz", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    def stop(self, timeout: float = 90) -> int:
        """SIGTERM, as a supervisor stops it; the exit status once every process has stopped."""
        os.kill(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


class Browser:
    """A volunteer's browser behind nginx: every request arrives at gunicorn marked as HTTPS
    (X-Forwarded-Proto, as the proxy sets it). The cookies are Secure, so they are kept here
    and sent by hand (a client would not send them over the plain HTTP hop to gunicorn)."""

    def __init__(self, base_url: str, language: str = "id") -> None:
        self.base_url = base_url
        self.origin = "https://" + base_url.split("://", 1)[1]
        self.language = language
        self.cookies: dict[str, str] = {}
        self.cookie_flags: dict[str, set[str]] = {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"X-Forwarded-Proto": "https", "Accept-Language": self.language, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if method == "POST":
            headers.update(Origin=self.origin, Referer=self.origin + path)
        response = requests.request(method, self.base_url + path, headers=headers, allow_redirects=False,
                                    timeout=30, **kwargs)
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value
            self.cookie_flags[cookie.name] = {flag for flag, present in [
                ("Secure", cookie.secure), ("HttpOnly", cookie.has_nonstandard_attr("HttpOnly"))] if present}
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post_form(self, path: str, data: dict) -> requests.Response:
        """A form post with the CSRF token, following the redirect the admin answers with."""
        response = self.request("POST", path, data={"csrfmiddlewaretoken": self.cookies["csrftoken"], **data})
        if response.is_redirect:
            return self.get(re.sub(r"^https?://[^/]+", "", response.headers["Location"]))
        return response

    def log_in(self, username: str, password: str) -> None:
        self.get("/admin/login/")
        page = self.post_form("/admin/login/?next=/admin/", {"username": username, "password": password,
                                                             "next": "/admin/"})
        assert page.status_code == 200 and "sessionid" in self.cookies, page.text[:2000]
