"""Masked forms: the suggestion for every personal-data finding, and judging masks people wrote.

Adequate masks follow 永安 2022 Q4 practice and common display masking (handbook §1.4): an ID keeps
at most its first 6 and last 4 characters and hides the whole birth date; a mobile hides its middle
4 digits; a card shows at most its first 6 and last 4 digits.
"""

from __future__ import annotations

__all__ = ["mask_id", "mask_mobile", "mask_card", "mask_generic", "mask_email", "judge_mask",
           "combine_masks", "MASK_CHARS"]

MASK_CHARS = "*×＊"


def mask_id(number: str) -> str:
    if len(number) == 15:
        return number[:6] + "*" * 6 + number[-3:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_mobile(digits: str) -> str:
    return digits[:3] + "****" + digits[7:]


def mask_card(digits: str) -> str:
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def mask_generic(value: str, keep_start: int = 1, keep_end: int = 2) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return (local[:1] + "***@" + domain) if local else address


def _hidden_positions(masked: str) -> set[int]:
    return {i for i, c in enumerate(masked) if c in MASK_CHARS}


def judge_mask(kind: str, masked: str) -> tuple[str, str] | None:
    """(problem, adequate form) when a mask written in the text shows too much, else None.

    ``kind`` is "id" (18 characters), "mobile" (11) or "card" (16-19).
    """
    hidden = _hidden_positions(masked)
    n = len(masked)
    shown = [i for i in range(n) if i not in hidden]
    if kind == "id":
        fix = "".join(c if (i < 6 or i >= n - 4) and i not in hidden else "*" for i, c in enumerate(masked))
        if not set(range(6, 14)) <= hidden:
            visible = [i for i in range(6, 14) if i not in hidden]
            what = "出生年份" if any(i < 10 for i in visible) else "出生月日"
            return f"身份证号脱敏不足：{what}仍可见", fix
        if len(shown) > 10:
            return "身份证号脱敏不足：显示位数过多", fix
        return None
    if kind == "mobile":
        fix = "".join(c if (i < 3 or i >= 7) and i not in hidden else "*" for i, c in enumerate(masked))
        if not set(range(3, 7)) <= hidden:
            return "手机号脱敏不足：中间四位应全部隐藏", fix
        return None
    if kind == "card":
        fix = "".join(c if (i < 6 or i >= n - 4) and i not in hidden else "*" for i, c in enumerate(masked))
        if any(6 <= i < n - 4 for i in shown):
            return "银行卡号脱敏不足：最多显示前6位和后4位", fix
        return None
    return None


def combine_masks(a: str, b: str) -> str | None:
    """The value two masks of the same length reveal together, or None when they disagree or
    still leave positions hidden. At least three shown positions must agree (same number)."""
    if len(a) != len(b):
        return None
    out, common = [], 0
    for x, y in zip(a, b):
        xs, ys = x not in MASK_CHARS, y not in MASK_CHARS
        if xs and ys:
            if x.lower() != y.lower():
                return None
            common += 1
            out.append(x)
        elif xs:
            out.append(x)
        elif ys:
            out.append(y)
        else:
            return None
    return "".join(out) if common >= 3 else None
