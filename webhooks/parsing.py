"""Turn whatever Fonnte (or anyone who found the URL) POSTed into a plain dict, or say why not."""
import hashlib
import json
import math
from dataclasses import dataclass

from django.http import HttpRequest

from webhooks.redaction import redact


# Fonnte's payloads are flat; anything much deeper is not from Fonnte.
MAX_NESTING = 32


@dataclass(frozen=True)
class ParsedBody:
    payload: dict | None  # None when the body could not be read
    raw_text: str
    problem: str = ""


def _storable(value):
    """PostgreSQL text and jsonb hold neither NUL characters nor lone UTF-16 surrogates
    (valid JSON escapes, so a fuzzer or a buggy client can send them): replace both."""
    if isinstance(value, str):
        return value.replace("\x00", "\\u0000").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {_storable(str(key)): _storable(item) for key, item in value.items()}
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
    """The body as a dict (or why not), with secrets redacted before anything stores or hashes it."""
    parsed = _parse(request)
    payload, raw_text = redact(parsed.payload, parsed.raw_text)
    return ParsedBody(payload, raw_text, parsed.problem)


def _parse(request: HttpRequest) -> ParsedBody:
    body = request.body
    raw_text = _storable(body.decode("utf-8", errors="backslashreplace"))
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = {key: values[-1] if len(values) == 1 else values for key, values in request.POST.lists()}
            files = {key: upload.name for key, upload in request.FILES.items()}
        except Exception as exc:  # Django raises several types for a malformed form body
            return ParsedBody(None, raw_text, f"unreadable form body ({exc.__class__.__name__})")
        return ParsedBody(_storable({**form, **files}), raw_text)
    try:
        payload = json.loads(
            body.decode("utf-8"), parse_constant=_reject_non_standard_json, parse_float=_finite_float
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        return ParsedBody(None, raw_text, "body is neither JSON nor a form")
    if not isinstance(payload, dict):
        return ParsedBody(None, raw_text, f"JSON body is a {type(payload).__name__}, not an object")
    if _nesting_depth(payload) > MAX_NESTING:
        return ParsedBody(None, raw_text, f"JSON nested deeper than {MAX_NESTING} levels")
    return ParsedBody(_storable(payload), raw_text)


def _nesting_depth(value) -> int:
    """Without recursion: a body nested a thousand levels deep must not exhaust the stack."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


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
