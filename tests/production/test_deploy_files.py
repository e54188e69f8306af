"""The three ways of running the shape say the same thing: the Procfile's commands are
supervisord's (deploy/supervisord.conf) and, with their defaults, the systemd units'
(deploy/systemd/), and the units pass `systemd-analyze verify` where systemd is installed."""
import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))


def test_supervisord_runs_the_procfiles_commands_stopping_beat_first_and_redis_last():
    config = configparser.RawConfigParser(inline_comment_prefixes=(";",))
    config.read(ROOT / "deploy" / "supervisord.conf")
    programs = {section.split(":", 1)[1]: config[section] for section in config.sections()
                if section.startswith("program:")}
    as_supervisord = {name: re.sub(r"\$\{(\w+):-[^}]*\}", r"%(ENV_\1)s", command)
                      for name, command in procfile().items()}
    assert {name: program["command"] for name, program in programs.items()} == as_supervisord
    assert sorted(programs, key=lambda name: int(programs[name]["priority"])) == list(procfile())
    for name, program in programs.items():
        assert program["autorestart"] == "true" and program["killasgroup"] == "true", name
        assert program["stopsignal"] == "TERM" and int(program["startretries"]) > 0, name
    # A warm shutdown is asked of the worker's main process, which tells its pool processes.
    assert programs["worker"]["stopasgroup"] == "false" and int(programs["worker"]["stopwaitsecs"]) >= 92


def unit_commands() -> dict[str, str]:
    commands = {}
    for unit in UNITS.glob("prima-*.service"):
        line = next(line for line in unit.read_text().splitlines() if line.startswith("ExecStart="))
        commands[unit.stem.removeprefix("prima-")] = line.removeprefix("ExecStart=/srv/prima/.venv/bin/")
    return commands


def test_the_systemd_units_run_the_procfiles_commands_with_their_defaults():
    with_defaults = {name: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", command) for name, command in procfile().items()}
    commands = unit_commands()
    assert commands.pop("beat") == with_defaults["beat"] + " --schedule /var/lib/prima/celerybeat-schedule"
    assert commands == {name: with_defaults[name] for name in ("web", "worker")}
    for unit in UNITS.glob("prima-*.service"):
        text = unit.read_text()
        for setting in ("KillMode=mixed", "KillSignal=SIGTERM", "Restart=on-failure", "TimeoutStopSec="):
            assert setting in text, (unit.name, setting)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """With their commands pointed at this checkout's virtualenv (verify checks they exist)."""
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/srv/prima/.venv/bin/", f"{Path(sys.executable).parent}/")
        (tmp_path / unit.name).write_text(text.replace("/srv/prima", str(ROOT)))
    verified = subprocess.run(["systemd-analyze", "verify", *sorted(str(path) for path in tmp_path.iterdir())],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr
