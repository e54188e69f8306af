"""Named rate limits as settings: parsed from the environment at boot, strictly.

Kept free of models so that prima/settings.py can import it.
"""
import os
import re
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# "30/60": 30 units per 60 seconds. Nothing else: no spaces, no units, no zero.
_LIMIT_PER_WINDOW = re.compile(r"([1-9][0-9]*)/([0-9]+(?:\.[0-9]+)?)")


def parse_rate_limit(variable: str, raw: str) -> dict:
    """Read "LIMIT/SECONDS" into {"limit": int, "window": float}; `variable` names the culprit."""
    match = _LIMIT_PER_WINDOW.fullmatch(raw)
    window = float(match.group(2)) if match else 0.0
    if not match or window <= 0:
        raise ImproperlyConfigured(
            f"{variable} must be LIMIT/SECONDS with both above zero, like 30/60, not {raw!r}"
        )
    return {"limit": int(match.group(1)), "window": window}


def rate_limits_from_env(defaults: Mapping[str, str], environ: Mapping[str, str] = os.environ) -> dict[str, dict]:
    """Each named limit from RATE_LIMIT_<NAME> when set, else from its default."""
    limits = {}
    for name, default in defaults.items():
        variable = f"RATE_LIMIT_{name.upper()}"
        limits[name] = parse_rate_limit(variable, environ.get(variable, default))
    return limits
