"""Similar-sounding and similar-looking characters, from pycorrector's shipped data files, and
readings (toneless pinyin) from pypinyin's character table.

The files are found through the installed distribution's file list; the ``pycorrector`` package is
never imported, because importing it pulls torch and transformers (seconds and ~500 MB).
"""

from __future__ import annotations

import functools
import unicodedata
from importlib import metadata
from pathlib import Path

__all__ = ["pycorrector_data_file", "same_pinyin", "same_stroke", "similar_chars", "MissingDataError"]


class MissingDataError(RuntimeError):
    """pycorrector's data files are not installed; the message says how to install them."""


@functools.cache
def pycorrector_data_file(name: str) -> Path:
    """The path of ``pycorrector/data/<name>`` in the installed distribution."""
    try:
        dist = metadata.distribution("pycorrector")
    except metadata.PackageNotFoundError:
        raise MissingDataError("未安装 pycorrector，无法读取字音字形数据；请运行 pip install pycorrector") from None
    for file in dist.files or ():
        if file.parts[-2:] == ("data", name) and file.parts[0] == "pycorrector":
            path = Path(dist.locate_file(file))
            if path.is_file():
                return path
    raise MissingDataError(f"pycorrector 安装不完整，缺少数据文件 pycorrector/data/{name}；请重新安装 pycorrector")


@functools.cache
def same_pinyin() -> dict[str, frozenset[str]]:
    """Character → characters with the same pinyin (same or different tone)."""
    out: dict[str, set[str]] = {}
    with pycorrector_data_file("same_pinyin.txt").open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2 or len(parts[0]) != 1:
                continue
            chars = set("".join(parts[1:])) - {parts[0], " "}
            out.setdefault(parts[0], set()).update(chars)
    return {k: frozenset(v) for k, v in out.items()}


@functools.cache
def same_stroke() -> dict[str, frozenset[str]]:
    """Character → characters of similar shape (groups in the file are symmetric)."""
    out: dict[str, set[str]] = {}
    with pycorrector_data_file("same_stroke.txt").open(encoding="utf-8") as fh:
        for line in fh:
            group = [c for c in line.strip().split("\t") if len(c) == 1]
            for ch in group:
                out.setdefault(ch, set()).update(c for c in group if c != ch)
    return {k: frozenset(v) for k, v in out.items()}


def similar_chars(ch: str) -> frozenset[str]:
    """Characters an editor may type by mistake for ``ch``: same pinyin or similar shape."""
    return same_pinyin().get(ch, frozenset()) | same_stroke().get(ch, frozenset())


def are_confusable(a: str, b: str) -> bool:
    """Whether one character is a plausible slip for the other (either direction)."""
    return b in similar_chars(a) or a in similar_chars(b)


__all__.append("are_confusable")


@functools.cache
def common_chars() -> frozenset[str]:
    """pycorrector's 3,500 common characters: the only ones offered as a homophone in place of another."""
    return frozenset(pycorrector_data_file("common_char_set.txt").read_text(encoding="utf-8").split())


@functools.cache
def _reading_table() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict  # a plain dict module: fast, no models

    return pinyin_dict


def _toneless(syllable: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)
def readings(ch: str, limit: int = 2) -> tuple[str, ...]:
    """The first ``limit`` toneless readings of ``ch`` (行 → xing, hang), most common first; () if unknown.

    An IME slip keeps the syllables and loses the tones, so toneless readings are what two words that
    an editor can type for each other share; rare readings beyond the first two add only noise."""
    raw = _reading_table().get(ord(ch), "")
    return tuple(dict.fromkeys(_toneless(r) for r in raw.split(",") if r))[:limit]


__all__ += ["common_chars", "readings"]
