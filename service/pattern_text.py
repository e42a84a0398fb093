"""Dictionary regular expressions in words an admin can read (issue 21).

``(?:省|市)人民政府\\d{4}年`` becomes 「省/市 人民政府 [4位数字] 年」. Only the common constructions
are translated; anything else is left as written, and the raw pattern stays one click away
(详情) on the list and in the editor page.
"""

from __future__ import annotations

import re

__all__ = ["humanize"]

_CLASSES = {r"\d": "[数字]", r"\s": "[空白]", r"\w": "[字]", ".": "[任意字]", r"\D": "[非数字]"}


def _quantity(q: str) -> str:
    m = re.fullmatch(r"\{(\d+)(,(\d*))?\}", q)
    if q == "+":
        return "（若干）"
    if q == "*":
        return "（可无，若干）"
    if q == "?":
        return "（可无）"
    if m and not m.group(2):
        return f"×{m.group(1)}"
    if m:
        return f"（{m.group(1)}–{m.group(3) or '若干'} 个）"
    return q


def humanize(pattern: str) -> str:
    """A readable rendering of a dictionary pattern; never raises."""
    try:
        kept: list[str] = []

        def keep(m):  # escaped literals (\. \( …) are text, protected from the steps below
            kept.append(m.group(1))
            return f"\x00{len(kept) - 1}\x00"

        text = re.sub(r"\(\?<?[!=](?:[^()]|\([^()]*\))*\)", "", pattern)      # look-arounds: context, not words
        text = re.sub(r"\\([^dswD])", keep, text)
        text = re.sub(r"\[([^\]^][^\]]*)\]", lambda m: "[" + ("/".join(m.group(1)) if "-" not in m.group(1)
                                                      and len(m.group(1)) <= 6 else m.group(1)) + "]", text)
        text = re.sub(r"\[\^([^\]]+)\]", lambda m: f"[除「{m.group(1)}」外的字]", text)
        text = text.replace("^", "").replace("$", "")
        text = re.sub(r"\(\?:|\(\?P<\w+>|\(", "（", text).replace(")", "）")
        for raw, words in _CLASSES.items():
            text = re.sub(re.escape(raw) + r"(\{\d+(,\d*)?\}|[+*?])?",
                          lambda m, w=words: w + (_quantity(m.group(1)) if m.group(1) else ""), text)
        text = re.sub(r"(?<=[）\]])(\{\d+(,\d*)?\}|[+*?])", lambda m: _quantity(m.group(1)), text)
        text = text.replace("|", " 或 ")
        text = re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)
        return text.strip() or pattern
    except (re.error, IndexError):
        return pattern
