"""Turn whatever Fonnte (or anyone who found the URL) POSTed into a plain dict, or say why not."""
import hashlib
import json
import math
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class ParsedBody:
    payload: dict | None  # None when the body could not be read
    raw_text: str
    problem: str = ""


def _without_nul(value):
    """PostgreSQL text and jsonb cannot hold NUL characters; a fuzzer (or a bug) can send them."""
    if isinstance(value, str):
        return value.replace("\x00", "\\u0000")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(str(key)): _without_nul(item) for key, item in value.items()}
    return value


def _reject_non_standard_json(constant: str):
    """NaN and Infinity are Python's extensions, not JSON; PostgreSQL's jsonb refuses them."""
    raise ValueError(f"{constant} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} overflows a float")
    return value


def parse_body(request: HttpRequest) -> ParsedBody:
    body = request.body
    raw_text = _without_nul(body.decode("utf-8", errors="backslashreplace"))
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = {key: values[-1] if len(values) == 1 else values for key, values in request.POST.lists()}
            files = {key: upload.name for key, upload in request.FILES.items()}
        except Exception as exc:  # Django raises several types for a malformed form body
            return ParsedBody(None, raw_text, f"unreadable form body ({exc.__class__.__name__})")
        return ParsedBody(_without_nul({**form, **files}), raw_text)
    try:
        payload = json.loads(
            body.decode("utf-8"), parse_constant=_reject_non_standard_json, parse_float=_finite_float
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        return ParsedBody(None, raw_text, "body is neither JSON nor a form")
    if not isinstance(payload, dict):
        return ParsedBody(None, raw_text, f"JSON body is a {type(payload).__name__}, not an object")
    return ParsedBody(_without_nul(payload), raw_text)


def field(payload: dict | None, name: str) -> str:
    """A payload field as text; absent, null or a nested value reads as empty."""
    value = (payload or {}).get(name)
    return str(value).strip() if isinstance(value, str | int | float) and not isinstance(value, bool) else ""


def dedupe_key(kind: str, parsed: ParsedBody) -> str:
    """Fonnte's own ids where it gives them, else a hash of the canonical payload (or raw body)."""
    payload = parsed.payload
    if kind == "INCOMING" and field(payload, "inboxid"):
        return f"incoming:inbox:{field(payload, 'inboxid')[:150]}"
    if kind == "STATUS" and field(payload, "id") and field(payload, "stateid"):
        return f"status:{field(payload, 'id')[:80]}:{field(payload, 'stateid')[:80]}"
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=True) if payload is not None else parsed.raw_text
    return f"{kind.lower()}:sha256:{hashlib.sha256(canonical.encode()).hexdigest()}"
