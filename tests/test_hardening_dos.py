"""Issue 18, no anonymous denial of service: every check linear in its input, a CPU-time budget for
the whole check (``gate.timeout``, fail closed), ``/api/v1/check`` rate-limited per client and
optionally token-only, anonymous checks counted instead of audited row by row, and Idempotency-Key
rows and reservations that expire.

No assertion here is about wall time: linearity is asserted on the work the detector does (tokens
the language models score), the budget on the finding it produces.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import time
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pubgate import BaseCheck, Category, GateConfig, Severity, audit
from pubgate.budget import DEFAULT_SECONDS
from pubgate.config import ConfigError
from pubgate.engine import TIMEOUT_RULE, Gate
from pubgate.service.testing import WARN_WORD, fixture_gate, make_app

# Frequent characters: random runs of them are what made the typo layer quadratic (each makes words
# with its neighbours, so nearly every position is a candidate edit).
COMMON = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你说年而能下过子得后自家面方多经么去法学之民同"


def random_run(n: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(COMMON) for _ in range(n))


# -- 1. the statistical typo layer is linear in the length of a run ---------------------------------

class CountingKenlm:
    """A kenlm model that counts what it is asked to score."""

    def __init__(self, inner):
        self.inner, self.order = inner, inner.order
        self.calls = self.tokens = self.longest = 0

    def score(self, sentence: str, bos: bool = True, eos: bool = True) -> float:
        n = len(sentence.split())
        self.calls += 1
        self.tokens += n
        self.longest = max(self.longest, n)
        return self.inner.score(sentence, bos=bos, eos=eos)


@pytest.fixture(scope="module")
def counting_detector():
    pytest.importorskip("kenlm")
    from pubgate.plugins import _typo_lm
    from pubgate.plugins._typo_detector import Detector
    from pubgate.plugins.typo import _similar, bars_for, char_confusions

    if _typo_lm.model_status() is None:
        pytest.skip("language model not built (run: pubgate lm build)")
    models = [dataclasses.replace(m, kenlm_model=CountingKenlm(m.kenlm_model)) for m in _typo_lm.load_models()]
    words = sum(m.granularity == "word" for m in models)
    detector = Detector(models, _similar, candidates=_typo_lm.load_candidates(),
                        bars=bars_for(words, len(models) - words), confusions=char_confusions())
    return detector, [m.kenlm_model for m in models]


# Per call: the changed words, a re-segmented neighbourhood and n−1 words of context either side
# (at most 8 tokens seen); per character: a few dozen tokens, a few hundred for a character with many
# look-alikes (自: 217). Before the fix every call scored the whole run, so both grew with its length.
MAX_TOKENS_PER_CALL = 32
MAX_TOKENS_PER_CHAR = 1000

long_runs = st.one_of(
    st.text(alphabet=st.sampled_from(COMMON), min_size=300, max_size=1200),           # random
    st.builds(lambda ch, n: ch * n, st.sampled_from(COMMON + "我政"), st.integers(300, 1500)),  # one character
    st.builds(lambda word, n: word * n, st.sampled_from(["政府工作", "我们", "人民群众的"]), st.integers(100, 400)),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=long_runs)
def test_typo_detector_work_is_bounded_per_character(counting_detector, text):
    detector, counters = counting_detector
    for c in counters:
        c.calls = c.tokens = c.longest = 0
    detector.detect(text)
    for c in counters:
        assert c.longest <= MAX_TOKENS_PER_CALL, f"one score call saw {c.longest} tokens of a {len(text)}-character run"
        assert c.tokens <= MAX_TOKENS_PER_CHAR * len(text)


def test_typo_detector_work_grows_linearly(counting_detector):
    detector, counters = counting_detector

    def tokens(text):
        for c in counters:
            c.tokens = 0
        detector.detect(text)
        return sum(c.tokens for c in counters)

    short, long = tokens(random_run(500)), tokens(random_run(500) * 4)
    assert long <= 6 * short  # four times the text: about four times the work, never sixteen


def test_typo_detector_results_on_normal_text_are_unchanged(counting_detector):
    detector, _ = counting_detector
    flags = detector.detect("会议要求各单位加强组织零导，确保各项工作落到实处。")
    assert [(f.text, f.suggestion) for f in flags] == [("零", "领")]


# -- 2. a CPU-time budget for the whole check -------------------------------------------------------

def _burn(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


class CooperativeCheck(BaseCheck):
    """Computes for a long time, asking the document between units of work."""

    id = "zz.cooperative"
    category = Category.TYPO
    description = "test"

    def run(self, doc):
        for _ in range(400):  # 20 s of CPU without a budget
            _burn(0.05)
            doc.check_time()
        return ()


class ChattyCheck(BaseCheck):
    """Yields a finding after each unit of work."""

    id = "zz.chatty"
    category = Category.FORMAT
    description = "test"

    def run(self, doc):
        for i in range(400):
            _burn(0.05)
            yield self.finding(doc, "meta", None, None, f"第 {i} 处")


class LateCheck(BaseCheck):
    id = "zz.zlate"
    category = Category.FORMAT
    description = "test"
    ran = False

    def run(self, doc):
        LateCheck.ran = True
        return ()


def gate_with(tmp_path, *checks, budget: float):
    gate = fixture_gate(tmp_path)
    gate.config.check_cpu_budget = budget
    gate.checks.extend(checks)
    return gate


@pytest.mark.parametrize("slow", [CooperativeCheck(), ChattyCheck()], ids=["cooperative", "yielding"])
def test_a_check_over_the_budget_stops_with_a_blocking_timeout(tmp_path, slow):
    LateCheck.ran = False
    gate = gate_with(tmp_path, slow, LateCheck(), budget=0.3)
    report = gate.check({"body": f"全县{WARN_WORD}的服务"})
    timeouts = [f for f in report.findings if f.rule == TIMEOUT_RULE]
    assert len(timeouts) == 1 and timeouts[0].severity == Severity.BLOCK and report.verdict == "block"
    assert timeouts[0].field == "meta" and timeouts[0].start is None
    assert slow.id in timeouts[0].message and "zz.zlate" in timeouts[0].message
    assert "人工审核" in timeouts[0].message and "重新提交" in timeouts[0].message
    assert not LateCheck.ran  # the rest did not start
    assert any(f.text == WARN_WORD for f in report.findings)  # what ran before is kept
    if isinstance(slow, ChattyCheck):
        assert 0 < sum(f.rule == slow.id for f in report.findings) < 400


def test_the_timeout_cannot_be_switched_off_by_rule_settings(tmp_path):
    gate = gate_with(tmp_path, CooperativeCheck(), budget=0.2)
    gate.config.rules = {"gate": "off", "zz": "off"}
    assert [f.rule for f in gate.check({"body": "正文"}).findings] == [TIMEOUT_RULE]


def test_within_the_budget_nothing_changes(tmp_path):
    gate = gate_with(tmp_path, budget=DEFAULT_SECONDS)
    report = gate.check({"body": f"全县{WARN_WORD}的服务"})
    assert report.verdict == "warn" and not any(f.rule == TIMEOUT_RULE for f in report.findings)


def test_the_budget_is_configured_by_file_and_environment(tmp_path, monkeypatch):
    assert GateConfig().check_cpu_budget == DEFAULT_SECONDS == 10.0
    path = tmp_path / "site.toml"
    path.write_text("check_cpu_budget = 2.5\n", encoding="utf-8")
    assert GateConfig.from_file(path).check_cpu_budget == 2.5
    monkeypatch.setenv("PUBGATE_CHECK_CPU_BUDGET", "4")
    assert GateConfig.from_env().check_cpu_budget == 4.0
    monkeypatch.setenv("PUBGATE_CHECK_CPU_BUDGET", "soon")
    with pytest.raises(ConfigError, match="PUBGATE_CHECK_CPU_BUDGET"):
        GateConfig.from_env()
    with pytest.raises(ConfigError, match="check_cpu_budget"):
        GateConfig(check_cpu_budget=-1)
    # A budget is no rule: hosts with different budgets share one ruleset digest.
    assert "check_cpu_budget" not in GateConfig(check_cpu_budget=3).digest_input()


@pytest.fixture(scope="module")
def shipped_gate():
    return Gate(GateConfig(load_entrypoints=False))


def test_the_typo_layer_stops_at_the_budget(shipped_gate):
    pytest.importorskip("kenlm")
    typo = next(c for c in shipped_gate.checks if c.id == "typo.statistical")
    if typo.notice:
        pytest.skip(typo.notice)
    shipped_gate.config.check_cpu_budget = 0.2
    try:
        report = shipped_gate.check({"body": random_run(12000)})
    finally:
        shipped_gate.config.check_cpu_budget = DEFAULT_SECONDS
    timeouts = [f for f in report.findings if f.rule == TIMEOUT_RULE]
    assert len(timeouts) == 1 and report.verdict == "block"


def test_a_repeated_fix_costs_linear_work_in_the_engine():
    from pubgate.engine import _drop_restated_fixes
    from pubgate.model import Finding

    def fix(rule, start, severity=Severity.WARN):
        return Finding(rule=rule, category=Category.TYPO, severity=severity, field="body", start=start,
                       end=start + 4, text="再接再励", message="", suggestion="再接再厉")

    calls = 0
    import pubgate.engine as engine

    original = engine._same_fix

    def counting(outer, inner):
        nonlocal calls
        calls += 1
        return original(outer, inner)

    findings = [f for s in range(0, 4000, 4) for f in (fix("typo.a", s), fix("typo.b", s, Severity.INFO))]
    engine._same_fix = counting
    try:
        kept = _drop_restated_fixes(findings)
    finally:
        engine._same_fix = original
    assert [f.rule for f in kept] == ["typo.a"] * 1000  # the graver of each pair stays
    assert calls <= 4 * len(findings)  # neighbours only, not every pair (4 × 10⁶)


# -- through HTTP -----------------------------------------------------------------------------------

def test_a_long_unpunctuated_body_is_answered_within_the_budget(tmp_path, shipped_gate):
    app, _ = make_app(tmp_path / "svc.db", shipped_gate)
    resp = app.test_client().post("/api/v1/check", json={"body": "我" * 100000})
    assert resp.status_code == 200
    report = resp.get_json()
    if any(f["rule"] == TIMEOUT_RULE for f in report["findings"]):  # a slow machine: cut short, fail closed
        assert report["verdict"] == "block"


def test_a_body_over_the_budget_gets_a_blocking_timeout_over_http(tmp_path):
    pytest.importorskip("kenlm")
    gate = Gate(GateConfig(load_entrypoints=False, check_cpu_budget=0.2))
    typo = next(c for c in gate.checks if c.id == "typo.statistical")
    if typo.notice:
        pytest.skip(typo.notice)
    app, _ = make_app(tmp_path / "svc.db", gate)
    resp = app.test_client().post("/api/v1/check", json={"body": random_run(8000)})
    assert resp.status_code == 200
    report = resp.get_json()
    assert report["verdict"] == "block"
    timeout = next(f for f in report["findings"] if f["rule"] == TIMEOUT_RULE)
    assert timeout["severity"] == "block" and "未在限定时间内完成" in timeout["message"]


# -- 3. /check rate-limited per client, optionally token-only ---------------------------------------

@pytest.fixture(scope="module")
def small_gate(tmp_path_factory):
    return fixture_gate(tmp_path_factory.mktemp("dicts"))


def assert_problem(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.content_type.startswith("application/problem+json")
    body = resp.get_json()
    assert body["status"] == status and any("\u4e00" <= ch <= "\u9fff" for ch in body["title"] + body["detail"])
    return body


def test_check_is_rate_limited_per_client_with_retry_after(tmp_path, small_gate):
    app, tokens = make_app(tmp_path / "svc.db", small_gate, CHECK_RATE_LIMIT="3 per minute",
                           CHECK_RATE_LIMIT_AUTHENTICATED="5 per minute")
    c = app.test_client()
    for _ in range(3):
        assert c.post("/api/v1/check", json={"body": "正文"}).status_code == 200
    refused = c.post("/api/v1/check", json={"body": "正文"})
    body = assert_problem(refused, 429)
    assert "频繁" in body["detail"] and "3 次" in body["detail"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Another address, and a token, each have their own count.
    other = {"REMOTE_ADDR": "192.0.2.7"}
    assert c.post("/api/v1/check", json={"body": "正文"}, environ_base=other).status_code == 200
    auth = {"Authorization": f"Bearer {tokens['editor']}"}
    assert [c.post("/api/v1/check", json={"body": "正文"}, headers=auth).status_code for _ in range(6)] == \
        [200] * 5 + [429]
    # Other routes are not limited.
    assert c.get("/api/v1/health").status_code == 200


def test_the_rate_limit_is_on_by_default_and_can_be_switched_off(tmp_path, small_gate):
    app, _ = make_app(tmp_path / "on.db", small_gate)
    assert app.config["CHECK_RATE_LIMIT"]
    c = app.test_client()
    statuses = [c.post("/api/v1/check", json={"body": "正文"}).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    app, _ = make_app(tmp_path / "off.db", small_gate, CHECK_RATE_LIMIT="")
    c = app.test_client()
    assert {c.post("/api/v1/check", json={"body": "正文"}).status_code for _ in range(40)} == {200}


def test_a_token_only_check_refuses_anonymous_callers_before_anything_is_stored(tmp_path, small_gate):
    from pubgate.migrations import open_db

    app, tokens = make_app(tmp_path / "svc.db", small_gate, CHECK_REQUIRES_TOKEN=True)
    c = app.test_client()
    body = assert_problem(c.post("/api/v1/check", json={"body": "正文"}, headers={"Idempotency-Key": "k"}), 401)
    assert "令牌" in body["detail"]
    db = open_db(app.config["DATABASE"])
    assert db.conn.execute("SELECT count(*) FROM idempotency").fetchone()[0] == 0
    db.close()
    auth = {"Authorization": f"Bearer {tokens['editor']}"}
    assert c.post("/api/v1/check", json={"body": "正文"}, headers=auth).status_code == 200


# -- 4. anonymous checks counted, not audited; idempotency rows expire ------------------------------

def _events(client, tokens, action):
    items = client.get("/api/v1/audit", headers={"Authorization": f"Bearer {tokens['admin']}"}).get_json()["items"]
    return [e for e in items if e["action"] == action]


def test_anonymous_checks_are_counted_per_day_not_audited(tmp_path, small_gate):
    from pubgate.migrations import open_db
    from pubgate.service.housekeeping import anonymous_check_counts

    app, tokens = make_app(tmp_path / "svc.db", small_gate)
    c = app.test_client()
    for body in ("正文", "正文二", f"全县{WARN_WORD}的服务"):
        report = c.post("/api/v1/check", json={"body": body}).get_json()
        assert "audit" not in report
    assert _events(c, tokens, "check.run") == []
    db = open_db(app.config["DATABASE"])
    today = datetime.now(audit.CST).date().isoformat()
    assert anonymous_check_counts(db) == {today: {"pass": 2, "warn": 1}}
    db.close()
    # A check by a token is still audited, and answers with its event.
    auth = {"Authorization": f"Bearer {tokens['editor']}"}
    report = c.post("/api/v1/check", json={"body": "正文"}, headers=auth).get_json()
    runs = _events(c, tokens, "check.run")
    assert len(runs) == 1 and runs[0]["seq"] == report["audit"]["seq"]


def _ts(seconds_ago: float) -> str:
    return (datetime.now(audit.CST) - timedelta(seconds=seconds_ago)).isoformat(timespec="milliseconds")


def _fingerprint(body: dict) -> str:
    return hashlib.sha256(b"POST /api/v1/check?\n" + json.dumps(body).encode()).hexdigest()


def _insert(app, key, fingerprint, status, created_at):
    from pubgate.migrations import open_db

    db = open_db(app.config["DATABASE"])
    db.conn.execute("INSERT INTO idempotency (key, fingerprint, status, body, content_type, created_at) "
                    "VALUES (?, ?, ?, '{}', 'application/json', ?)", [key, fingerprint, status, created_at])
    db.conn.commit()
    db.close()


def _post(client, body, key):
    return client.post("/api/v1/check", data=json.dumps(body), content_type="application/json",
                       headers={"Idempotency-Key": key})


def test_a_reservation_left_by_a_crash_expires(tmp_path, small_gate):
    app, _ = make_app(tmp_path / "svc.db", small_gate, IDEMPOTENCY_RESERVATION_SECONDS=60)
    c, body = app.test_client(), {"body": "正文"}
    _insert(app, "anon:crashed", _fingerprint(body), 0, _ts(120))   # the process died two minutes ago
    _insert(app, "anon:running", _fingerprint(body), 0, _ts(5))     # still running
    assert _post(c, body, "crashed").status_code == 200
    assert_problem(_post(c, body, "running"), 409)
    replay = _post(c, body, "crashed")  # the new answer is stored and replayed as usual
    assert replay.status_code == 200 and replay.headers.get("Idempotent-Replayed") == "true"


def test_stored_answers_expire(tmp_path, small_gate):
    from pubgate.migrations import open_db

    app, _ = make_app(tmp_path / "svc.db", small_gate, IDEMPOTENCY_TTL_SECONDS=3600)
    c = app.test_client()
    _insert(app, "anon:old", _fingerprint({"body": "旧"}), 200, _ts(7200))
    _insert(app, "anon:recent", _fingerprint({"body": "新"}), 200, _ts(60))
    # The old key may be used again (no 422 for another payload); the recent one is still replayed.
    assert _post(c, {"body": "正文"}, "old").status_code == 200
    assert _post(c, {"body": "新"}, "recent").headers.get("Idempotent-Replayed") == "true"
    db = open_db(app.config["DATABASE"])
    created = dict(db.conn.execute("SELECT key, created_at FROM idempotency").fetchall())
    db.close()
    assert set(created) == {"anon:old", "anon:recent"} and created["anon:old"] > _ts(60)
