"""A set of common two-character words, read lazily from jieba's dictionary file (no segmentation).

Used as a precision guard: when a near-miss changes the first or last character of a protected
name, the changed character may instead belong to the next word (国家安全不动摇 is not 国家安全部).
"""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["common_two_char_words"]

_MIN_FREQ = 1


@functools.cache
def common_two_char_words() -> frozenset[str]:
    try:
        import importlib.util

        spec = importlib.util.find_spec("jieba")
        if spec is None or not spec.origin:
            return frozenset()
        path = Path(spec.origin).parent / "dict.txt"
        words = set()
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.split(" ", 2)
                if len(parts) >= 2 and len(parts[0]) == 2 and parts[1].isdigit() and int(parts[1]) >= _MIN_FREQ:
                    words.add(parts[0])
        return frozenset(words)
    except OSError:  # pragma: no cover - jieba is a declared dependency
        return frozenset()
