"""The detector's candidate index: fillers and homophones, from a small vocabulary (no model needed)."""

from __future__ import annotations

from pubgate.plugins._typo_candidates import CandidateIndex

WORDS = ["资源", "自愿", "志愿", "人力", "实施", "时事", "方案", "联席会议", "竣工", "验收", "社会保障"]


def test_fillers_are_the_characters_that_complete_a_word():
    index = CandidateIndex.build(WORDS)
    assert set(index.fillers("峻工验收", 0)) == {"竣"}          # ?工 → 竣工
    assert set(index.fillers("人力自源", 2)) >= {"资"}           # ?源 → 资源
    assert index.fillers("天地", 0) == ""                        # nothing completes ?地


def test_homophone_words_share_toneless_readings_and_exclude_the_word_itself():
    index = CandidateIndex.build(WORDS)
    assert index.homophone_words("自愿") == {"资源"}  # 志愿 is zhi yuan: not a homophone
    assert index.homophone_words("时事") == {"实施"}
    assert index.homophone_words("方案") == set()


def test_homophone_characters_are_common_characters_of_the_same_reading():
    index = CandidateIndex.build(WORDS)
    chars = index.homophone_chars("资")
    assert "自" in chars and "子" in chars and "资" in chars
    assert "源" not in chars


def test_the_index_survives_a_round_trip_through_its_file(tmp_path):
    index = CandidateIndex.build(WORDS)
    index.save(tmp_path / "candidates.json")
    loaded = CandidateIndex.load(tmp_path / "candidates.json")
    assert loaded.homophone_words("自愿") == index.homophone_words("自愿")
    assert loaded.fillers("人力自源", 2) == index.fillers("人力自源", 2)
