"""Strict parsing of JSON request bodies: every malformed input becomes a 400 problem, never a 500.

``json.loads`` accepts or fails on inputs in ways that later crash the service: a lone surrogate
(``"\\ud800"``) parses but cannot be encoded to UTF-8 when stored or answered; an integer of more
than 4,300 digits raises ``ValueError`` (not ``JSONDecodeError``); deep nesting raises
``RecursionError``. NUL characters are refused too: they are invisible in pages, truncate strings
in C-based tools and are never part of a real draft.
"""

from __future__ import annotations

import json

from ..workflow import Invalid

__all__ = ["parse_json", "MAX_DEPTH", "MAX_INT_DIGITS"]

MAX_DEPTH = 64          # far beyond any draft or workflow configuration
MAX_INT_DIGITS = 30     # no field of ours needs more; bigger numbers are an attack or a mistake


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _TooLong()
    return int(text)


class _TooLong(ValueError):
    pass


def _no_constant(name: str):
    raise ValueError(f"JSON 不允许 {name}")


def _nesting_ok(raw: str) -> bool:
    """Bracket depth outside strings, counted before parsing (so parsing cannot recurse deeply)."""
    depth, in_string, escaped = 0, False, False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _where(path: list) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "请求体"


def _check_strings(value, path: list) -> None:
    """Refuse lone surrogates and NUL in every string, key or value (iteratively: no recursion)."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise Invalid("请求格式错误", f"{_where(where)} 含 NUL 控制字符（\\u0000），请删除后重新提交",
                              field=_where(where))
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise Invalid("请求格式错误", f"{_where(where)} 含无效的 Unicode 字符（孤立的代理项，"
                              "如 \\ud800），请检查编码后重新提交", field=_where(where)) from None
        elif isinstance(item, dict):
            for key, sub in item.items():
                stack.append((key, where + [key]))
                stack.append((sub, where + [key]))
        elif isinstance(item, list):
            stack.extend((sub, where + [i]) for i, sub in enumerate(item))


def parse_json(raw: bytes, *, empty=None):
    """The JSON value of a request body, or ``Invalid`` (400) with a Chinese detail.
    ``empty``: the value of an empty body (None: an empty body is an error)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid("JSON 格式错误", f"请求体不是有效的 UTF-8：{exc}") from None
    if empty is not None and not text.strip():
        return empty
    if not _nesting_ok(text):
        raise Invalid("JSON 格式错误", f"JSON 嵌套层数超过 {MAX_DEPTH} 层")
    try:
        value = json.loads(text, parse_int=_parse_int, parse_constant=_no_constant)
    except _TooLong:
        raise Invalid("JSON 格式错误", f"JSON 中的整数超过 {MAX_INT_DIGITS} 位") from None
    except json.JSONDecodeError as exc:
        raise Invalid("JSON 格式错误", f"请求体不是有效的 UTF-8 JSON：{exc}") from None
    except (ValueError, RecursionError) as exc:  # defensive: whatever else the decoder refuses
        raise Invalid("JSON 格式错误", f"请求体无法解析为 JSON：{type(exc).__name__}") from None
    _check_strings(value, [])
    return value
