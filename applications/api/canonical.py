"""The signed form of an API payload: RFC 8785 (JSON Canonicalization Scheme) over a strict subset
of JSON. Plain Python, no I/O.

The subset, so that every client's canonical bytes equal ours without a floating-point printer:
numbers are integers within ±(2**53 − 1); no object repeats a key; the text is UTF-8 without a
byte-order mark. Under it, JCS is: object members sorted by their keys' UTF-16 code units,
no whitespace, strings with only ``"``, ``\\`` and the control characters escaped (``\\b \\f \\n \\r
\\t``, others as ``\\u00xx``), everything else as UTF-8; ``true``, ``false``, ``null``; integers in
decimal. docs/api.md says the same for integrators.
"""

from __future__ import annotations

import json
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 16


class PayloadError(ValueError):
    """The payload is not JSON of the accepted subset; ``field`` says where, when known."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise PayloadError(f"the key {key!r} appears twice in one object", field=key)
        seen[key] = value
    return seen


def _no_float(text: str) -> Any:
    raise PayloadError(f"numbers must be integers, not {text}")


def _no_constant(text: str) -> Any:
    raise PayloadError(f"{text} is not JSON")


def _utf8(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escaped as \\udxxx: not a character
        raise PayloadError("the text contains an unpaired surrogate (\\udxxx)", field=path) from None


def _check(value: Any, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise PayloadError("the payload is nested too deeply", field=path)
    if isinstance(value, str):
        _utf8(value, path)
        return
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise PayloadError("integers must be within ±(2**53 − 1)", field=path)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]", depth + 1)
        return
    for key, item in value.items():
        _utf8(key, path)
        _check(item, f"{path}.{key}" if path else key, depth + 1)


def payload_load(raw: bytes) -> dict[str, Any]:
    """The payload as Python data, or PayloadError saying what is wrong."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise PayloadError("the payload must be UTF-8 without a byte-order mark")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"the payload is not UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_float=_no_float, parse_constant=_no_constant
        )
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"the payload is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise PayloadError("the payload is nested too deeply") from None
    if not isinstance(value, dict):
        raise PayloadError("the payload must be a JSON object")
    _check(value, "", 0)
    return value


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be")


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append("{")
        for index, key in enumerate(sorted(value, key=_utf16_key)):
            if index:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, list):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, bool) or value is None:
        out.append("true" if value is True else "false" if value is False else "null")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, str):
        # json.dumps escapes exactly what JCS escapes, with lower-case hex (RFC 8785 §3.2.2.2).
        out.append(json.dumps(value, ensure_ascii=False))
    else:
        raise TypeError(f"not JSON data: {type(value).__name__}")


def canonical(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value`` (data as ``payload_load`` returns it)."""
    out: list[str] = []
    _write(value, out)
    return "".join(out).encode("utf-8")
