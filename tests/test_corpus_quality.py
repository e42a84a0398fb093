"""The labelled draft corpora: every category at precision 1.0 and recall ≥ 0.9 (issues 3 and 5)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_eval():
    spec = importlib.util.spec_from_file_location("eval_corpus", ROOT / "benchmarks" / "eval_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("area, minimum", [("terms_severe", 40), ("terms_other", 40), ("pdld", 60)])
def test_corpus_precision_and_recall(gate, area, minimum):
    ev = load_eval()
    items = ev.load_corpus([ROOT / "tests" / "corpus" / area])
    assert len(items) >= minimum
    planted = sum(1 for _, d in items if d.get("expect"))
    assert planted >= minimum // 2 and len(items) - planted >= minimum // 2
    stats, errors = ev.evaluate(gate, items)
    for category, precision, recall, counts in ev.summarize(stats):
        assert precision == 1.0, (category, errors)
        assert recall >= 0.9, (category, errors)
