"""The production shape as real processes (deploy/run-prod.sh: supervisord running gunicorn, a
Celery worker and beat, redis-server), run from a fresh copy of the tree as an operator's clone
would be, and a volunteer's browser that talks to it through an imagined TLS proxy."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import requests

from tests.celery.cluster import wait_for

ROOT = Path(__file__).resolve().parents[2]
RUN_PROD = ROOT / "deploy" / "run-prod.sh"
# What the test's own environment carries that the shape must not inherit.
NOT_INHERITED = ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CELERY_BROKER_URL", "FONNTE_TOKEN",
                 "FONNTE_WEBHOOK_SECRET", "WHATSAPP_BACKEND", "TEST_DATABASE_NAME", "EMAIL_URL", "ALLOW_DEMO_BACKENDS")


@contextmanager
def fresh_copy() -> Iterator[Path]:
    """The tree as a clone of it would have it (tracked files and new ones git does not ignore,
    as they are now): no .data/, no virtualenv, no collected static files. In a short folder of
    its own: supervisord's socket lives in it, and a socket's path is limited to 107 bytes."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    with tempfile.TemporaryDirectory(prefix="prima-") as folder:
        destination = Path(folder)
        for name in filter(None, listed):
            source = ROOT / name
            if source.is_file():  # a tracked file deleted in the working tree is not copied
                (destination / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination / name)
        yield destination


class ProductionShape:
    """`deploy/run-prod.sh` of the tree at `root` in its own session, its output in `log_path`;
    entered once /healthz answers 200 (the database answers and beat's tick ran on the worker).
    The virtualenv's bin is put first on PATH, as `make run-prod` does."""

    def __init__(self, environment: dict[str, str], log_path: Path, root: Path = ROOT) -> None:
        inherited = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
        bin_dir = str(Path(sys.executable).parent)
        self.environment = {**inherited, "PATH": f"{bin_dir}:{inherited.get('PATH', '')}", **environment}
        self.base_url = f"http://127.0.0.1:{environment['PORT']}"
        self.log_path = log_path
        self.root = root
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "ProductionShape":
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([str(self.root / RUN_PROD.relative_to(ROOT))], cwd=self.root,
                                            env=self.environment, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
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
            return requests.get(f"{self.base_url}/healthz", timeout=10).status_code == 200
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or its workers still booting
            return False

    def stop(self, timeout: float = 90, sig: int = signal.SIGTERM, group: bool = False) -> int:
        """SIGTERM (or `sig`) to run-prod.sh, or to its whole process group, as systemd, a
        container runtime or a terminal's Ctrl-C sends it; the exit status once all stopped."""
        if group:
            os.killpg(self.process.pid, sig)
        else:
            os.kill(self.process.pid, sig)
        return self.process.wait(timeout=timeout)

    def supervisorctl(self, *arguments: str) -> str:
        """supervisorctl of this shape's supervisord, as an operator runs it from the checkout."""
        return subprocess.run([str(Path(sys.executable).parent / "supervisorctl"), "-c",
                               str(self.root / "deploy" / "supervisord.conf"), *arguments], cwd=self.root,
                              env=self.environment, capture_output=True, text=True, timeout=30).stdout

    def kill(self) -> None:
        """SIGKILL to everything the shape started: supervisord puts each program in a process
        group of its own, so each of those groups too."""
        groups = {self.process.pid}
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            children = []
        for child in children:
            try:
                groups.add(os.getpgid(child.pid))
            except OSError:
                pass
        for group in groups:
            try:
                os.killpg(group, signal.SIGKILL)
            except OSError:
                pass
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
