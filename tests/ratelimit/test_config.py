"""RATE_LIMIT_<NAME>=LIMIT/SECONDS: read strictly, a mistake names the variable."""
import pytest
from django.core.exceptions import ImproperlyConfigured

from ratelimit.config import parse_rate_limit, rate_limits_from_env


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("30/60", {"limit": 30, "window": 60.0}),
        ("1/1", {"limit": 1, "window": 1.0}),
        ("5/0.5", {"limit": 5, "window": 0.5}),
        ("100/3600", {"limit": 100, "window": 3600.0}),
    ],
)
def test_it_parses_a_limit_per_window(raw, expected):
    assert parse_rate_limit("RATE_LIMIT_X", raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "30", "30/", "/60", "0/60", "30/0", "30/0.0", "-1/60", "30/-60", "30 / 60", "30/60s", "3.5/60",
            "30/60/2", "thirty/60", "30/1e3", "030/60"]
)
def test_it_refuses_anything_else_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match=r"^RATE_LIMIT_WHATSAPP_SEND must be LIMIT/SECONDS"):
        parse_rate_limit("RATE_LIMIT_WHATSAPP_SEND", raw)


def test_it_overrides_only_the_limits_set_in_the_environment():
    limits = rate_limits_from_env(
        {"whatsapp_send": "30/60", "fonnte_device": "40/60"}, environ={"RATE_LIMIT_FONNTE_DEVICE": "20/60"}
    )
    assert limits == {"whatsapp_send": {"limit": 30, "window": 60.0}, "fonnte_device": {"limit": 20, "window": 60.0}}


def test_it_stops_the_command_with_one_line_naming_a_bad_variable():
    from tests.test_cli import manage

    result = manage("check", DEBUG="1", RATE_LIMIT_WHATSAPP_SEND="30 per minute")
    assert result.returncode != 0
    error_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(error_lines) == 1, result.stderr
    assert "RATE_LIMIT_WHATSAPP_SEND" in error_lines[0]
