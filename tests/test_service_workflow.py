"""The review workflow through the API: who may act, stale versions, overrides, the publish gate."""

from __future__ import annotations

import pytest

from pubgate.service.testing import BLOCK_WORD, WARN_WORD, fixture_gate, make_app
from pubgate.workflow import DEFAULT_WORKFLOWS, Invalid, validate_workflow

DRAFT = {"id": "cms-88", "title": "关于做好2026年春季森林防火工作的通知", "unit": "某某县应急管理局",
         "body": f"<p>各乡镇人民政府：</p><p>今年以来全县森林防火形势{WARN_WORD}，请各单位认真落实责任。</p>",
         "publish_at": "2026-03-05T10:00:00+08:00"}


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    return fixture_gate(tmp_path_factory.mktemp("dicts"))


@pytest.fixture
def api(tmp_path, gate):
    app, tokens = make_app(tmp_path / "wf.db", gate)
    client = app.test_client()

    def call(method, path, user=None, body=None, **headers):
        if user:
            headers["Authorization"] = f"Bearer {tokens[user]}"
        return client.open(f"/api/v1{path}", method=method, json=body, headers=headers)

    return call


def submit(api, draft=DRAFT, user="editor", **extra):
    return api("POST", "/submissions", user, {"draft": draft, **extra})


def decide(api, sub, user, stage, decision="approve", opinion="同意", sha=None):
    return api("POST", f"/submissions/{sub['id']}/decisions", user,
               {"stage": stage, "decision": decision, "opinion": opinion, "content_sha256": sha or sub["content_sha256"]})


def approve_all(api, sub, users=("first", "second", "final")):
    for user, stage in zip(users, ("first", "second", "final")):
        resp = decide(api, sub, user, stage)
        assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_happy_path_three_stages_then_the_publish_gate_allows(api):
    resp = submit(api)
    assert resp.status_code == 201
    sub = resp.get_json()
    assert sub["status"] == "in_review" and sub["current_stage"]["name"] == "初审"
    assert [s["name"] for s in sub["workflow"]["stages"]] == ["初审", "复审", "终审"]
    done = approve_all(api, sub)
    assert done["status"] == "approved" and done["approved_sha256"] == sub["content_sha256"]
    pub = api("POST", f"/submissions/{sub['id']}/publish", "editor", {"draft": DRAFT, "url": "https://x.gov.cn/a.html"})
    assert pub.status_code == 200 and pub.get_json()["allowed"] is True
    trail = api("GET", f"/submissions/{sub['id']}/audit", "inspector").get_json()["items"]
    assert [e["action"] for e in trail] == ["submission.create", "submission.submit", "review.approve",
                                            "review.approve", "review.approve", "publish.allow"]
    assert trail[3]["actor_title"] == "科室负责人" and trail[3]["stage"] == "复审"
    assert trail[2]["payload"]["findings_shown"][0]["text"] == WARN_WORD
    assert api("GET", "/audit/verify", "inspector").get_json()["ok"] is True


def test_editor_cannot_approve(api):
    sub = submit(api).get_json()
    resp = decide(api, sub, "editor2", "first")
    assert resp.status_code == 403
    assert decide(api, sub, "admin", "first").status_code == 403


def test_author_cannot_review_own_submission(tmp_path, gate):
    # A reviewer who drafts (role changed later) still cannot review their own text.
    app, tokens = make_app(tmp_path / "own.db", gate)
    c = app.test_client()
    h = lambda u: {"Authorization": f"Bearer {tokens[u]}"}
    sub = c.post("/api/v1/submissions", json={"draft": DRAFT}, headers=h("editor")).get_json()
    c.post("/api/v1/users", json={"name": "x", "role": "editor", "password": "12345678"}, headers=h("admin"))
    from pubgate.accounts import update_user
    from pubgate.migrations import open_db

    db = open_db(tmp_path / "own.db")
    update_user(db, "editor", by=None, role="reviewer")
    db.close()
    resp = c.post(f"/api/v1/submissions/{sub['id']}/decisions", headers=h("editor"),
                  json={"stage": "first", "decision": "approve", "content_sha256": sub["content_sha256"]})
    assert resp.status_code == 403 and "自己" in resp.get_json()["detail"]


def test_a_reviewer_cannot_act_twice(api):
    sub = submit(api).get_json()
    assert decide(api, sub, "first", "first").status_code == 201
    again = decide(api, sub, "first", "first")          # same stage again: it has moved on
    assert again.status_code == 409
    other = decide(api, sub, "first", "second")         # the next stage: one person, one stage
    assert other.status_code == 403 and "两个环节" in other.get_json()["detail"]
    decisions = api("GET", f"/submissions/{sub['id']}", "admin").get_json()["decisions"]
    assert len(decisions) == 1


def test_a_decision_on_a_stale_version_is_409(api):
    sub = submit(api).get_json()
    changed = dict(DRAFT, body=DRAFT["body"].replace("认真", "切实"))
    assert api("POST", f"/submissions/{sub['id']}/versions", "editor", {"draft": changed}).status_code == 201
    resp = decide(api, sub, "first", "first")
    assert resp.status_code == 409 and resp.get_json()["current_sha256"] != sub["content_sha256"]


def test_reject_needs_an_opinion_and_resubmission_restarts_review(api):
    sub = submit(api).get_json()
    decide(api, sub, "first", "first")
    assert decide(api, sub, "second", "second", "reject", opinion="  ").status_code == 422
    rejected = decide(api, sub, "second", "second", "reject", opinion="第二段表述不规范，请修改").get_json()
    assert rejected["status"] == "rejected"
    fixed = dict(DRAFT, body=DRAFT["body"].replace(WARN_WORD, "严峻"))
    again = api("POST", f"/submissions/{sub['id']}/versions", "editor", {"draft": fixed, "note": "已修改"})
    assert again.status_code == 201
    new = again.get_json()
    assert new["status"] == "in_review" and new["round"] == 2 and new["current_stage"]["key"] == "first"
    assert new["report"]["verdict"] == "pass"
    # Same people, same stages, second round: allowed; the approval is for the new hash.
    done = approve_all(api, new)
    assert done["approved_sha256"] == new["content_sha256"] != sub["content_sha256"]


def test_changed_content_after_final_approval_is_refused_by_the_publish_gate(api):
    sub = submit(api).get_json()
    approve_all(api, sub)
    changed = dict(DRAFT, body=DRAFT["body"] + "<p>终审后追加的一段。</p>")
    resp = api("POST", f"/submissions/{sub['id']}/publish", "editor", {"draft": changed})
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["approved_sha256"] == sub["content_sha256"] and body["content_sha256"] != sub["content_sha256"]
    trail = api("GET", f"/submissions/{sub['id']}/audit", "admin").get_json()["items"]
    assert trail[-1]["action"] == "publish.refuse"
    assert api("GET", f"/submissions/{sub['id']}", "admin").get_json()["status"] == "approved"


def test_publish_before_every_stage_is_refused(api):
    sub = submit(api).get_json()
    decide(api, sub, "first", "first")
    resp = api("POST", f"/submissions/{sub['id']}/publish", "editor", {"content_sha256": sub["content_sha256"]})
    assert resp.status_code == 422
    assert api("POST", f"/submissions/{sub['id']}/publish", "editor", {}).status_code == 400


def test_a_blocked_draft_goes_to_review_only_after_a_reviewer_override(api):
    draft = dict(DRAFT, body=f"<p>县{BLOCK_WORD}办公室：{WARN_WORD}</p>")
    resp = submit(api, draft)
    assert resp.status_code == 422
    sid = resp.get_json()["submission_id"]
    sub = api("GET", f"/submissions/{sid}", "editor").get_json()
    assert sub["status"] == "blocked"
    block = sub["missing_overrides"][0]
    key = f"{block['rule']}|{block['field']}|{block['start']}|{block['end']}"
    warn = next(f for f in sub["report"]["findings"] if f["severity"] == "warn")
    warn_key = f"{warn['rule']}|{warn['field']}|{warn['start']}|{warn['end']}"
    # The drafter can acknowledge the warning, never the block.
    assert api("POST", f"/submissions/{sid}/acknowledgements", "editor", {"findings": [key]}).status_code == 422
    assert api("POST", f"/submissions/{sid}/acknowledgements", "editor", {"findings": [warn_key]}).status_code == 200
    assert api("POST", f"/submissions/{sid}/overrides", "editor",
               {"content_sha256": sub["content_sha256"], "overrides": [{"finding": key, "reason": "我确认"}]}
               ).status_code == 403
    assert api("POST", f"/submissions/{sid}/submit", "editor").status_code == 422
    # A reviewer overrides with a reason; the draft then goes to review without the drafter.
    no_reason = api("POST", f"/submissions/{sid}/overrides", "second",
                    {"content_sha256": sub["content_sha256"], "overrides": [{"finding": key, "reason": " "}]})
    assert no_reason.status_code == 422
    ok = api("POST", f"/submissions/{sid}/overrides", "second",
             {"content_sha256": sub["content_sha256"],
              "overrides": [{"finding": key, "reason": "引用的是原文件标题，照录"}]})
    assert ok.status_code == 201
    # Once every block is 放行 the draft goes back into review by itself (issue 21).
    assert api("GET", f"/submissions/{sid}", "editor").get_json()["status"] == "in_review"
    assert api("POST", f"/submissions/{sid}/submit", "editor").status_code == 409
    trail = api("GET", f"/submissions/{sid}/audit", "admin").get_json()["items"]
    override = next(e for e in trail if e["action"] == "finding.override")
    assert override["opinion"] == "引用的是原文件标题，照录" and override["actor_name"] == "second"
    assert any(e["action"] == "warning.acknowledge" for e in trail)


def test_policy_documents_get_a_secrecy_stage_with_its_own_group(api):
    sub = submit(api, dict(DRAFT, doc_type="policy")).get_json()
    assert [s["name"] for s in sub["workflow"]["stages"]] == ["初审", "复审", "保密审查", "终审"]
    decide(api, sub, "first", "first")
    decide(api, sub, "second", "second")
    assert decide(api, sub, "final", "secrecy").status_code == 403  # not in the 保密审查 group
    assert decide(api, sub, "secrecy", "secrecy").status_code == 201


def test_new_media_has_a_different_final_signer(api):
    sub = submit(api, dict(DRAFT, channel="wechat")).get_json()
    decide(api, sub, "first", "first")
    decide(api, sub, "second", "second")
    queue = api("GET", "/queue", "secrecy").get_json()
    assert queue["stages"] == {}
    assert decide(api, sub, "secrecy", "final").status_code == 403
    assert decide(api, sub, "final", "final").status_code == 201


def test_queue_lists_submissions_per_stage_for_eligible_reviewers(api):
    sub = submit(api).get_json()
    assert sub["id"] in [s["id"] for s in api("GET", "/queue", "first").get_json()["stages"]["初审"]]
    decide(api, sub, "first", "first")
    assert api("GET", "/queue", "first").get_json()["stages"] == {}
    assert list(api("GET", "/queue", "second").get_json()["stages"]) == ["复审"]


def test_editors_see_only_their_own_submissions(api):
    sub = submit(api).get_json()
    assert api("GET", f"/submissions/{sub['id']}", "editor2").status_code == 403
    assert api("GET", "/submissions", "editor2").get_json()["items"] == []
    assert api("GET", f"/submissions/{sub['id']}", "inspector").status_code == 200


def test_wrong_types_in_workflow_requests_are_400(api):
    sub = submit(api).get_json()
    resp = api("POST", f"/submissions/{sub['id']}/decisions", "first",
               {"stage": "first", "decision": "yes", "content_sha256": sub["content_sha256"]})
    assert resp.status_code == 400
    resp = api("POST", f"/submissions/{sub['id']}/decisions", "first",
               {"stage": 1, "decision": "approve", "content_sha256": sub["content_sha256"]})
    assert resp.status_code == 400
    assert api("POST", "/submissions", "editor", {"draft": "正文"}).status_code == 400
    assert api("POST", "/submissions", "editor", {"draft": {"body": "x"}, "acknowledge": "all"}).status_code == 400
    assert len(api("GET", "/submissions", "admin").get_json()["items"]) == 1


def test_workflow_configuration_is_data_and_changes_are_audited(api):
    config = {"name": "两审（简报）", "priority": 20, "match": {"doc_type": ["news"], "channel": ["weibo"]},
              "stages": [{"key": "first", "name": "初审"}, {"key": "final", "name": "终审"}]}
    assert api("PUT", "/workflows/brief", "editor", config).status_code == 403
    assert api("PUT", "/workflows/brief", "admin", config).status_code == 200
    sub = submit(api, dict(DRAFT, channel="weibo")).get_json()
    assert [s["name"] for s in sub["workflow"]["stages"]] == ["初审", "终审"]
    bad = api("PUT", "/workflows/bad", "admin", {"name": "x", "stages": [{"key": "a", "name": "甲", "roles": ["editor"]}]})
    assert bad.status_code == 400
    trail = api("GET", "/audit", "admin").get_json()["items"]
    assert any(e["action"] == "workflow.update" and e["actor_name"] == "admin" for e in trail)


def test_presets_validate():
    for config in DEFAULT_WORKFLOWS:
        assert validate_workflow(config) == config
    with pytest.raises(Invalid):
        validate_workflow({"key": "default", "name": "x", "match": {"channel": ["wechat"]},
                           "stages": [{"key": "a", "name": "甲"}]})
