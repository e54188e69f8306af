"""Secrets never reach the inbox. Fonnte's device webhook carries the device's own API token,
and anyone who finds a webhook URL can post whatever they like: secret-looking fields are
replaced by REDACTED in the parsed payload and in the raw body before either is stored, so the
marker shows that something was there and the value is gone.

A field is secret-looking by its name (`token`, `api_key`, `Authorization`, …, in any case and
spelling); the configured secrets (FONNTE_TOKEN, FONNTE_WEBHOOK_SECRET) are removed wherever
they appear. The raw body is scrubbed by structure (JSON members, form fields, multipart parts
with a secret name), so even a body that did not parse loses them, and then by value.
"""
import json
import re
from urllib.parse import quote, quote_plus, unquote_plus

from prima.logging import configured_secrets

REDACTED = "[redacted]"

# Lower-cased with everything but letters and digits removed, a secret-looking name contains one.
SECRET_NAME_PARTS = ("token", "apikey", "secret", "password", "passwd", "authorization", "credential",
                     "privatekey", "accesskey", "signature")
# Shorter values are scrubbed from the raw body by position only, and shorter configured secrets
# (a test's) not at all: removing every occurrence of a three-letter word would mangle the body.
MIN_SCRUBBED_LENGTH = 6

_JSON_STRING = r'"(?:[^"\\]|\\.)*"'
_JSON_MEMBER = re.compile(rf'({_JSON_STRING})(\s*:\s*)({_JSON_STRING}|[-+.\w]+)')
_FORM_FIELD = re.compile(r"(^|&)([^=&]*)=([^&]*)")
_MULTIPART_PART = re.compile(
    r'(Content-Disposition:[^\r\n]*\bname="([^"]*)"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n)(.*?)(?=\r?\n--)',
    re.IGNORECASE | re.DOTALL,
)


def is_secret_name(name: str) -> bool:
    folded = re.sub(r"[^a-z0-9]", "", name.lower())
    return any(part in folded for part in SECRET_NAME_PARTS)


def redact(payload: dict | None, raw_text: str) -> tuple[dict | None, str]:
    """The payload and raw body without secrets: the configured ones and every value of a
    secret-looking field, each replaced by REDACTED."""
    secrets = [secret for secret in configured_secrets() if len(secret) >= MIN_SCRUBBED_LENGTH]
    found: list[str] = []
    clean_payload = None if payload is None else _redact_value(payload, secrets, found)
    clean_raw = _redact_raw_structure(raw_text)
    for value in sorted({*secrets, *found}, key=len, reverse=True):
        if len(value) >= MIN_SCRUBBED_LENGTH:
            for spelling in {value, json.dumps(value)[1:-1], quote_plus(value), quote(value, safe="")}:
                clean_raw = clean_raw.replace(spelling, REDACTED)
    return clean_payload, clean_raw


def _redact_value(value, secrets: list[str], found: list[str], secret: bool = False):
    """A copy of `value` with secret fields (and everything under them) replaced; their texts
    are added to `found` so the raw body can lose them too."""
    if isinstance(value, dict):
        return {key: _redact_value(item, secrets, found, secret or is_secret_name(str(key)))
                for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_value(item, secrets, found, secret) for item in value]
    if secret and value not in (None, "", REDACTED):
        if isinstance(value, str):  # numbers are scrubbed by position only: digits recur everywhere
            found.append(value)
        return REDACTED
    if isinstance(value, str):
        for known in secrets:
            value = value.replace(known, REDACTED)
    return value


def _redact_raw_structure(raw_text: str) -> str:
    def json_member(match: re.Match) -> str:
        name, colon, _value = match.groups()
        try:
            secret = is_secret_name(str(json.loads(name)))
        except ValueError:
            secret = is_secret_name(name)
        return f'{name}{colon}"{REDACTED}"' if secret else match.group(0)

    def form_field(match: re.Match) -> str:
        start, name, _value = match.groups()
        return f"{start}{name}={REDACTED}" if is_secret_name(unquote_plus(name)) else match.group(0)

    def multipart_part(match: re.Match) -> str:
        headers, name, _value = match.groups()
        return f"{headers}{REDACTED}" if is_secret_name(name) else match.group(0)

    text = _JSON_MEMBER.sub(json_member, raw_text)
    text = _MULTIPART_PART.sub(multipart_part, text)
    looks_like_a_form = not text.lstrip().startswith(("{", "[")) and "\n" not in text
    return _FORM_FIELD.sub(form_field, text) if looks_like_a_form else text
