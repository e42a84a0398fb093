"""What the editor's findings panel shows beyond the report: whether a suggestion is replacement
text (采纳 may put it in place of the finding) or an instruction (shown as advice only), and the
dictionary entry's 说明 and 依据 that an admin wrote (issue 21).

A suggestion is an instruction when it tells the editor what to do rather than what to write:
「删除该购物链接；如需介绍……」, 「去掉跟踪参数，改用原始链接」, 「（仅保留到乡镇（街道）一级）」.
Putting such text into a government page would be worse than the original mistake, so anything
that looks like one is never offered as a replacement.
"""

from __future__ import annotations

import re

from .. import site_dictionary as sd

__all__ = ["is_replacement", "annotate"]

_INSTRUCTION_START = re.compile(
    r"^[（(【\[]|^(删除|删去|去掉|去除|移除|改用|改为|请|核实|核对|核改|确认|补充|补全|填写|注明|建议|如需|应当?|须|"
    r"不得|不要|避免|参照|按照|依据|使用|采用|保留|隐去|遮盖|打码|链接)")
# Openings that are instructions whatever the length.
_CLEAR_INSTRUCTION = re.compile(r"^[（(【\[]|^(删除|删去|去掉|去除|移除|请|核实|核对|核改)")
# Categories whose findings are about links or whole passages, never a word to swap.
_ADVICE_CATEGORIES = frozenset({"commercial_link", "interpretation_link", "secret_marking"})


def is_replacement(finding: dict) -> bool:
    """May 采纳 put ``suggestion`` in place of the finding's text?"""
    suggestion = (finding.get("suggestion") or "").strip()
    if not suggestion or finding.get("start") is None or finding.get("end") is None:
        return False
    if finding.get("field") not in ("title", "body") or finding.get("category") in _ADVICE_CATEGORIES:
        return False
    if _CLEAR_INSTRUCTION.search(suggestion) or "；" in suggestion or "…" in suggestion:
        return False
    text = finding.get("text") or ""
    if len(suggestion) <= len(text) + 2:
        return True  # a same-length (character) fix: 截止→截至, 攻府→政府, 试用→使用
    # Longer than the text: a replacement only if it does not read as an instruction, and is
    # about as long as what it replaces (a sentence for a word is advice).
    return not _INSTRUCTION_START.search(suggestion) and len(suggestion) <= max(2 * len(text), len(text) + 12)


def _entry_notes(db, shipped, finding: dict, cache: dict) -> tuple[str, str]:
    if not finding.get("entry") or db is None:
        return "", ""
    key = sd.entry_key(finding["rule"], finding["entry"])
    if key not in cache:
        try:
            body = sd.get_entry(db, key, shipped=shipped)["body"]
            cache[key] = (body.get("note") or "", body.get("source") or "")
        except Exception:  # noqa: BLE001 - a finding from a check without an entry: no notes
            cache[key] = ("", "")
    return cache[key]


def annotate(rows: list[dict], db=None, shipped=()) -> list[dict]:
    """Add ``replaceable``, ``note`` and ``basis`` to finding rows (in place; returned)."""
    cache: dict = {}
    for row in rows:
        row["replaceable"] = is_replacement(row)
        note, basis = _entry_notes(db, shipped, row, cache)
        row["note"], row["basis"] = note, basis or (row.get("source") or "")
    return rows
