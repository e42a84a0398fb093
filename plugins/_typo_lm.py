"""The offline word-trigram language model of the typo check: building it, finding it, loading it.

Source: the open-gram word trigram of the SunPinyin input method, Debian package ``sunpinyin-data``
(CC BY-SA 3.0). The derived files are generated on the target machine (``pubgate lm build``) into the
data directory and never committed or shipped, so the share-alike data is not redistributed.

Layout of ``<data dir>/lm/``:

- ``model.arpa``    — the trigram in ARPA format (log10), loaded by ``kenlm``;
- ``lexicon.txt``   — ``word freq`` lines for the segmenter (the LM's own vocabulary);
- ``manifest.json`` — source package, source hashes, counts, build time.

Nothing here is imported or read at module import time; ``load_model()`` loads once per process.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

__all__ = [
    "LanguageModel", "LanguageModelError", "data_dir", "model_dir", "load_model", "build_model",
    "find_sunpinyin", "read_lexicon", "write_arpa_from_dump", "model_status", "reset_cache",
]

LN10 = math.log(10.0)
SENTENCE_ID = 0  # id 0 of the SunPinyin model is the sentence boundary
ARPA_NAME, LEXICON_NAME, MANIFEST_NAME = "model.arpa", "lexicon.txt", "manifest.json"
SUNPINYIN_PACKAGE = "sunpinyin-data"


class LanguageModelError(RuntimeError):
    """The model cannot be built or loaded; the message (Chinese) says what to do."""


# -- where things are ---------------------------------------------------------------------------

def data_dir() -> Path:
    """``$PUBGATE_DATA_DIR``, else ``$XDG_DATA_HOME/pubgate``, else ``~/.local/share/pubgate``."""
    env = os.environ.get("PUBGATE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "pubgate"


def model_dir(root: Path | None = None) -> Path:
    return (root or data_dir()) / "lm"


def find_sunpinyin() -> tuple[Path, Path]:
    """The installed ``lm_sc.t3g`` and ``pydict_sc.bin`` (any multiarch triplet)."""
    candidates = sorted(Path("/usr/lib").glob("*/sunpinyin/data")) + [Path("/usr/lib/sunpinyin/data"),
                                                                      Path("/usr/share/sunpinyin")]
    for d in candidates:
        if (d / "lm_sc.t3g").is_file() and (d / "pydict_sc.bin").is_file():
            return d / "lm_sc.t3g", d / "pydict_sc.bin"
    raise LanguageModelError("未找到 sunpinyin-data 的模型文件；请先运行 apt-get install -y sunpinyin-data sunpinyin-utils")


# -- conversion ---------------------------------------------------------------------------------

def read_lexicon(path: Path) -> list[str]:
    """Id → word table of ``pydict_sc.bin``: a header of uint32 (word count, …, byte offset), then
    NUL-terminated UCS-4 strings in id order. Ids without a word are empty strings."""
    import numpy as np

    raw = Path(path).read_bytes()
    count, _, offset = (int(x) for x in np.frombuffer(raw[:12], dtype="<u4"))
    codes = np.frombuffer(raw[offset:offset + (len(raw) - offset) // 4 * 4], dtype="<u4")
    ends = np.flatnonzero(codes == 0)[:count]
    words, start = [], 0
    for end in ends:
        words.append("".join(map(chr, codes[start:end].tolist())))
        start = int(end) + 1
    if len(words) != count:
        raise LanguageModelError(f"词表文件 {path} 格式无法识别（期望 {count} 个词，读到 {len(words)} 个）")
    return words


def _dump_lines(t3g: Path) -> Iterator[str]:
    tool = shutil.which("tslminfo")
    if not tool:
        raise LanguageModelError("未找到 tslminfo；请运行 apt-get install -y sunpinyin-utils")
    proc = subprocess.Popen([tool, "-v", str(t3g)], stdout=subprocess.PIPE, text=True,
                            encoding="ascii", errors="replace", bufsize=1 << 20)
    assert proc.stdout is not None
    yield from proc.stdout
    if proc.wait() != 0:
        raise LanguageModelError(f"tslminfo 转换 {t3g} 失败（退出码 {proc.returncode}）")


def _log10(neg_ln: str) -> float:
    """SunPinyin stores −ln values; ARPA wants log10."""
    return -float(neg_ln) / LN10


def write_arpa_from_dump(lines: Iterable[str], words: list[str], out: Path) -> dict:
    """Write an ARPA file from a ``tslminfo -v`` dump (ids, −ln P, −ln back-off) and the id table.

    Id 0 becomes ``<s>`` as a history and ``</s>`` as a prediction; n-grams over ids without a word,
    with a boundary in the middle, or whose context is missing (kenlm refuses those) are dropped.
    """
    seen_words: dict[str, int] = {}
    name: dict[int, str] = {}
    for i, w in enumerate(words):
        if i != SENTENCE_ID and w and not any(c.isspace() for c in w) and w not in seen_words:
            seen_words[w] = i
            name[i] = w
    grams: list[list[str]] = [[], [], []]
    unk_logp = -7.0
    have: list[set] = [set(), set(), set()]
    order = 0
    for line in lines:
        if line.startswith("\\"):
            order = int(line[1]) if line[1].isdigit() else 0
            continue
        parts = line.split()
        if not parts:
            continue
        if order == 0:
            unk_logp = _log10(parts[0])
            continue
        ids = [int(x) for x in parts[:order]]
        prob = _log10(parts[order])
        bow = _log10(parts[order + 1]) if order < 3 and len(parts) > order + 1 and not parts[order + 1].startswith("(") else 0.0
        if any(i != SENTENCE_ID and i not in name for i in ids):
            continue
        if SENTENCE_ID in ids[1:-1] or (order > 1 and ids[-1] == SENTENCE_ID and ids[0] == SENTENCE_ID and order == 2):
            continue
        if order == 1:
            if ids[0] == SENTENCE_ID:
                grams[0].append(f"-99\t<s>\t{bow:.6f}")
                grams[0].append(f"{prob:.6f}\t</s>")
                have[0].add(("<s>",))
                have[0].add(("</s>",))
                continue
            toks = (name[ids[0]],)
        else:
            toks = tuple("<s>" if k == 0 and i == SENTENCE_ID else "</s>" if i == SENTENCE_ID else name[i]
                         for k, i in enumerate(ids))
            if toks[:-1] not in have[order - 2] or (toks[-1],) not in have[0]:
                continue
        if toks[-1] == "</s>" or order == 3 or abs(bow) < 1e-9:
            grams[order - 1].append(f"{prob:.6f}\t{' '.join(toks)}")
        else:
            grams[order - 1].append(f"{prob:.6f}\t{' '.join(toks)}\t{bow:.6f}")
        if order < 3:
            have[order - 1].add(toks)
    if "<s>" not in {t[0] for t in have[0]}:
        grams[0] += ["-99\t<s>\t0.0", f"{unk_logp:.6f}\t</s>"]
    grams[0].append(f"{unk_logp:.6f}\t<unk>")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write("\\data\\\n")
        for n, g in enumerate(grams, 1):
            fh.write(f"ngram {n}={len(g)}\n")
        for n, g in enumerate(grams, 1):
            fh.write(f"\n\\{n}-grams:\n")
            fh.write("\n".join(g))
            fh.write("\n")
        fh.write("\n\\end\\\n")
    tmp.replace(out)
    return {"unigrams": len(grams[0]), "bigrams": len(grams[1]), "trigrams": len(grams[2])}


def write_lexicon_from_arpa(arpa: Path, out: Path) -> int:
    """``word freq`` lines (jieba's dictionary format) from the ARPA unigrams."""
    rows = []
    with arpa.open(encoding="utf-8") as fh:
        section = False
        for line in fh:
            if line.startswith("\\1-grams:"):
                section = True
                continue
            if section:
                if not line.strip() or line.startswith("\\"):
                    break
                parts = line.rstrip("\n").split("\t")
                word = parts[1]
                if word in ("<s>", "</s>", "<unk>"):
                    continue
                rows.append(f"{word} {max(1, round(10 ** float(parts[0]) * 1e9))}")
    tmp = out.with_suffix(".tmp")
    tmp.write_text("\n".join(rows) + "\n", encoding="utf-8")
    tmp.replace(out)
    return len(rows)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _package_version(package: str) -> str | None:
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
        return out.stdout.strip() or None
    except OSError:
        return None


def build_model(root: Path | None = None, *, t3g: Path | None = None, pydict: Path | None = None,
                dump: Iterable[str] | None = None) -> dict:
    """Convert the SunPinyin model into ``<root>/lm/`` and return the manifest.

    ``dump`` replaces running ``tslminfo`` (tests feed a small ARPA-like dump)."""
    started = time.perf_counter()
    target = model_dir(root)
    if pydict is None or (t3g is None and dump is None):
        found_t3g, found_pydict = find_sunpinyin()
        t3g, pydict = t3g or found_t3g, pydict or found_pydict
    words = read_lexicon(pydict)
    counts = write_arpa_from_dump(dump if dump is not None else _dump_lines(t3g), words, target / ARPA_NAME)
    counts["lexicon"] = write_lexicon_from_arpa(target / ARPA_NAME, target / LEXICON_NAME)
    manifest = {
        "source": SUNPINYIN_PACKAGE,
        "source_version": _package_version(SUNPINYIN_PACKAGE) if dump is None else None,
        "source_sha256": {p.name: _sha256(p) for p in (t3g, pydict) if p is not None},
        "licence": "CC BY-SA 3.0 (open-gram, MDBG); derived locally, do not redistribute",
        "counts": counts,
        "arpa_sha256": _sha256(target / ARPA_NAME),
        "arpa_bytes": (target / ARPA_NAME).stat().st_size,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    (target / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    reset_cache()
    return manifest


def model_status(root: Path | None = None) -> dict | None:
    path = model_dir(root) / MANIFEST_NAME
    if not path.is_file() or not (model_dir(root) / ARPA_NAME).is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


# -- the loaded model ---------------------------------------------------------------------------

@dataclass
class LanguageModel:
    """kenlm over the ARPA file, plus the LM's lexicon for segmentation (a jieba Tokenizer)."""

    kenlm_model: object
    lexicon: dict[str, int]
    manifest: dict
    tokenizer: object = field(repr=False, default=None)

    def score(self, words: list[str]) -> float:
        """log10 P of a clause with sentence boundaries."""
        return self.kenlm_model.score(" ".join(words), bos=True, eos=True)

    def segment(self, text: str) -> list[str]:
        return self.tokenizer.lcut(text, HMM=False)

    @property
    def fingerprint(self) -> str:
        return str(self.manifest.get("arpa_sha256", ""))[:16]


def _make_tokenizer(lexicon_path: Path):
    import jieba

    tok = jieba.Tokenizer()
    with lexicon_path.open("rb") as fh:
        tok.FREQ, tok.total = tok.gen_pfdict(fh)
    tok.initialized = True
    return tok


def _load(root: Path | None) -> LanguageModel:
    target = model_dir(root)
    arpa = target / ARPA_NAME
    if not arpa.is_file():
        raise LanguageModelError(f"未找到语言模型 {arpa}，请运行 pubgate lm build")
    try:
        import kenlm
    except ImportError:
        raise LanguageModelError("未安装 kenlm，请运行 pip install kenlm") from None
    import logging

    logging.getLogger("jieba").setLevel(logging.WARNING)
    model = _quietly(kenlm.Model, str(arpa))
    lexicon: dict[str, int] = {}
    with (target / LEXICON_NAME).open(encoding="utf-8") as fh:
        for line in fh:
            w, _, f = line.rstrip("\n").rpartition(" ")
            if w:
                lexicon[w] = int(f)
    manifest = model_status(root) or {}
    return LanguageModel(model, lexicon, manifest, _make_tokenizer(target / LEXICON_NAME))


def _quietly(fn, *args):
    """Run ``fn`` with file descriptor 2 silenced: kenlm draws a progress bar on stderr."""
    import sys

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        return fn(*args)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        return fn(*args)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_CACHE: dict[str, LanguageModel | LanguageModelError] = {}
_LOCK = threading.Lock()


def load_model(root: Path | None = None) -> LanguageModel:
    """The model of ``root`` (default: the data directory), loaded once per process.

    Raises ``LanguageModelError`` (cached too, so a missing model costs one stat per process)."""
    key = str(model_dir(root))
    with _LOCK:
        if key not in _CACHE:
            try:
                _CACHE[key] = _load(root)
            except LanguageModelError as exc:
                _CACHE[key] = exc
        value = _CACHE[key]
    if isinstance(value, LanguageModelError):
        raise value
    return value


def reset_cache() -> None:
    with _LOCK:
        _CACHE.clear()
