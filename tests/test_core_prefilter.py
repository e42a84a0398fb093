"""The regex prefilter is sound: it never rules out a text the regex matches."""

import random
import re

import pytest

from pubgate.prefilter import NeedsIndex, needed

PATTERNS = [
    r"(?:党的)?十九大(?=(?:和十九届[^。！？!?\n]{0,24}全会)?精神)",
    r"(?<=[\u4e00-\u9fff]{2})(?:省省委|市市委|县县委)",
    r"(?:\d{4}|20[x×]{2})?年[ 　]+月[ 　]*日|年[ 　]*月[ 　]+日",
    r"【[^】\n]{0,12}(?:待补充|待定|此处)[^】\n]{0,12}】|[（(]此处[^）)\n]{0,20}[）)]|此处(?:填写|插入)",
    r"(?<![0-9a-z])[x×]{2,}(?:省|市|县|中心|公司)(?!长)",
    r"一带一路[\"”’]?战略",
    r"(?:ab)+c|d(?:e|f)g",
    r"a(?:b|)c",
    r"x{2,3}y+z*",
    r"(?>ab|ac)d",
    r"[a-c]{2}[^x]y",
    r"(a)?(?(1)b|c)d",
    r"(?i:q)rs",
    r"《(?:中华人民共和国)?(?:合同法|物权法)》",
]


def _texts(pattern: str, rng: random.Random, n: int = 2000):
    """Random texts made of fragments of the pattern itself, so that some of them match."""
    plain = re.sub(r"[\\()\[\]{}?*+|^$.<>=!:]", "", pattern)
    pieces = [plain[i:i + k] for i in range(len(plain)) for k in (1, 2, 3, 4)] + list("年月日 　xa1中，。")
    for _ in range(n):
        yield "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))


@pytest.mark.parametrize("pattern", PATTERNS)
def test_never_rules_out_a_matching_text(pattern):
    rx = re.compile(pattern)
    needs = needed(rx)
    index = NeedsIndex([needs, needed(re.compile("十九大|年"))])
    rng = random.Random(pattern)
    matched = 0
    for text in _texts(pattern, rng):
        assert index.tester(text)(needs) == needs.possible(text), (pattern, text)
        if rx.search(text):
            matched += 1
            assert needs.possible(text), (pattern, text, needs)
    assert matched  # the random texts did exercise the pattern


def test_shipped_regex_entries_keep_their_examples():
    from pubgate import Gate, GateConfig

    gate = Gate(GateConfig(load_entrypoints=False, disabled_plugins=["typo"]))
    for entry in gate.dictionaries.matcher.regex_entries:
        needs = needed(entry.pattern)
        for example in entry.flag:
            text = example if isinstance(example, str) else example.get("text", "")
            if entry.pattern.search(text):
                assert needs.possible(text), (entry.id, text)


def test_rules_out_texts_without_the_pieces():
    assert not needed(re.compile(r"(?:党的)?十九大")).possible("党的二十大精神")
    assert not needed(re.compile(r"年[ 　]+月")).possible("2024年3月")
    assert needed(re.compile(r"年[ 　]+月")).possible("2024年 月")


def test_case_insensitive_patterns_are_always_possible():
    assert needed(re.compile("abc", re.I)).possible("")
    assert needed(re.compile("a(?i:b)c")).possible("")
