"""The OpenAPI 3.1 description of ``/api/v1`` (served at ``/api/v1/openapi.json``).

Written by hand next to the routes it documents; ``tests/test_service_api.py`` validates it with
openapi-spec-validator and checks that every route of the blueprint is described.
"""

from __future__ import annotations

__all__ = ["document"]

_JSON = "application/json"
_PROBLEM = "application/problem+json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str) -> dict:
    return {"description": description, "content": {_PROBLEM: {"schema": _ref("Problem")}}}


def _ok(description: str, schema: dict, media: str = _JSON) -> dict:
    return {"description": description, "content": {media: {"schema": schema}}}


def _body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {_JSON: {"schema": schema}}}


_ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "404": {"$ref": "#/components/responses/NotFound"},
    "413": {"$ref": "#/components/responses/TooLarge"},
    "429": {"$ref": "#/components/responses/TooManyRequests"},
}
_SID = {"name": "sid", "in": "path", "required": True, "schema": {"type": "string"}, "description": "稿件编号"}
_IDEM = {"$ref": "#/components/parameters/IdempotencyKey"}
_AUTH = [{"bearerAuth": []}, {"session": []}]


def _op(summary: str, responses: dict, *, body: dict | None = None, params: list | None = None,
        security: list | None = None, tags: list | None = None, description: str | None = None,
        errors: tuple = ("400", "401", "403", "404", "413")) -> dict:
    op = {"summary": summary, "responses": {**responses, **{k: _ERRORS[k] for k in errors}}}
    if description:
        op["description"] = description
    if body is not None:
        op["requestBody"] = body
    if params:
        op["parameters"] = params
    op["security"] = _AUTH if security is None else security
    if tags:
        op["tags"] = tags
    return op


def document(extra: dict | None = None) -> dict:
    """The document; ``extra`` = {"paths": {...}, "schemas": {...}} contributed by other blueprints."""
    doc = _document()
    if extra:
        doc["paths"].update(extra.get("paths", {}))
        doc["components"]["schemas"].update(extra.get("schemas", {}))
    return doc


def _document() -> dict:
    submission_answer = {
        "201": _ok("已保存并送审", _ref("Submission")),
        "409": _problem("状态冲突"),
        "422": _problem("含阻断问题：已保存为 blocked，未送审（problem 中含 submission_id、report、blocking）"),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pubgate",
            "version": "0.1.0",
            "summary": "政府网站与政务新媒体发布前内容检查与三审流程",
            "description": (
                "错误一律为 RFC 9457 application/problem+json，title/detail 为中文。\n\n"
                "**签名**（可选，或由 REQUIRE_SIGNATURE 强制）：Standard Webhooks 风格，"
                "`webhook-signature: v2,<base64(HMAC-SHA256(secret, \"v2\\n{webhook-id}\\n{webhook-timestamp}\\n"
                "{请求方法}\\n{路径}[?{查询串}]\\n{原始请求体}\"))>`（路径按解码后的路由路径，查询串按原样）；"
                "旧的 `v1`（只签 `{webhook-id}.{webhook-timestamp}.{原始请求体}`）已弃用，在 SIGNATURE_V1_UNTIL"
                "（默认 2027-06-30）前仍接受，应答带 `Deprecation`、`Sunset` 头。"
                "时间戳允许 ±5 分钟，同一 webhook-id 只能使用一次（重放返回 401）。\n\n"
                "**幂等**：POST/PUT 可带 `Idempotency-Key`；同一调用方用同一键重试时返回首次保存的应答"
                "（响应头 `Idempotent-Replayed: true`），不会重复写入审计记录；同一键用于不同请求体返回 422。"
                "保存的应答不过期（随审计记录长期保存）。"),
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": "检查"}, {"name": "审核流程"}, {"name": "审计"}, {"name": "管理"}],
        "paths": {
            "/api/v1/health": {"get": _op("服务状态、规则集与提示（如统计纠错层未启用）", {
                "200": _ok("服务状态", _ref("Health"))}, security=[], errors=())},
            "/api/v1/openapi.json": {"get": _op("本 OpenAPI 文档", {
                "200": _ok("OpenAPI 3.1 文档", {"type": "object"})}, security=[], errors=())},
            "/api/v1/check": {"post": _op(
                "检查一篇稿件（无状态；凭令牌或登录的检查写一条审计记录，匿名检查只按日计数）",
                {"200": _ok("检查报告", _ref("CheckReport"))},
                body=_body(_ref("Draft")), tags=["检查"],
                params=[_IDEM, {"name": "stage", "in": "query", "schema": {"enum": ["submit", "publish"]},
                                "description": "检查环节，默认 submit"}],
                security=[{}, {"bearerAuth": []}], errors=("400", "401", "413", "429"),
                description="默认无需令牌（CHECK_REQUIRES_TOKEN 可改为必须）；按调用方限流"
                            "（CHECK_RATE_LIMIT、CHECK_RATE_LIMIT_AUTHENTICATED）。")},
            "/api/v1/submissions": {
                "get": _op("稿件列表（拟稿人只见自己的）", {"200": _ok("稿件摘要", {
                    "type": "object", "properties": {"items": {"type": "array", "items": _ref("SubmissionSummary")}}})},
                    params=[{"name": "status", "in": "query", "schema": _ref("Status")},
                            {"name": "mine", "in": "query", "schema": {"type": "string"}}],
                    tags=["审核流程"], errors=("401",)),
                "post": _op("提交稿件并送审", submission_answer, body=_body(_ref("SubmitRequest")),
                            params=[_IDEM], tags=["审核流程"])},
            "/api/v1/submissions/{sid}": {"get": _op("稿件详情（版本、检查报告、审核意见、放行、发布）", {
                "200": _ok("稿件", _ref("Submission"))}, params=[_SID], tags=["审核流程"])},
            "/api/v1/submissions/{sid}/versions": {"post": _op(
                "提交修改后的新版本（重新从第一个环节审核）", submission_answer, body=_body(_ref("SubmitRequest")),
                params=[_SID, _IDEM], tags=["审核流程"])},
            "/api/v1/submissions/{sid}/submit": {"post": _op(
                "送审当前版本（阻断问题均已放行，或被退回后不修改再送审）",
                {"200": _ok("已送审", _ref("Submission")), "409": _problem("状态不允许送审"),
                 "422": _problem("仍有未放行的阻断问题")}, params=[_SID, _IDEM], tags=["审核流程"])},
            "/api/v1/submissions/{sid}/acknowledgements": {"post": _op(
                "拟稿人确认警告（不能用于阻断问题）", {"200": _ok("已确认", {"type": "object"}),
                                          "422": _problem("问题不存在或为阻断级")},
                body=_body({"type": "object", "required": ["findings"],
                            "properties": {"findings": {"type": "array", "items": _ref("FindingKey")}}}),
                params=[_SID, _IDEM], tags=["审核流程"])},
            "/api/v1/submissions/{sid}/overrides": {"post": _op(
                "审核人放行阻断问题（理由必填，记入审计）", {
                    "201": _ok("已放行", {"type": "object"}), "409": _problem("版本已过期或重复放行"),
                    "422": _problem("问题不存在或缺少理由")},
                body=_body({"type": "object", "required": ["content_sha256", "overrides"], "properties": {
                    "content_sha256": {"type": "string"},
                    "overrides": {"type": "array", "items": _ref("Override")}}}),
                params=[_SID, _IDEM], tags=["审核流程"])},
            "/api/v1/submissions/{sid}/decisions": {"post": _op(
                "审核意见：同意或退回修改（须写明所审版本的 content_sha256）", {
                    "201": _ok("已记录", _ref("Submission")),
                    "409": _problem("环节或版本已变化（过期）、稿件不在审核中"),
                    "422": _problem("退回未填意见，或含未放行的阻断问题")},
                body=_body(_ref("DecisionRequest")), params=[_SID, _IDEM], tags=["审核流程"],
                description="拟稿人不能审核自己的稿件；同一人不能在同一稿件的两个环节审核（403）。")},
            "/api/v1/submissions/{sid}/publish": {"post": _op(
                "发布闸门：只放行各环节均已同意、内容摘要一致的稿件，并记录发布", {
                    "200": _ok("允许发布（重复调用返回首次发布记录，already_published 为 true，不新增记录）",
                               _ref("Publication")),
                    "403": _problem("只有提交人、该稿件的终审人或带 publish 权限的 CMS 令牌可以发布"),
                    "409": _problem("待发布内容与终审版本不一致"),
                    "422": _problem("未完成审核，或发布前检查有未放行的阻断问题")},
                body=_body(_ref("PublishRequest")), params=[_SID, _IDEM], tags=["审核流程"])},
            "/api/v1/queue": {"get": _op("待我审核（按环节分组）", {"200": _ok("队列", {"type": "object"})},
                                         tags=["审核流程"], errors=("401",))},
            "/api/v1/submissions/{sid}/audit": {"get": _op("稿件的审计记录", {
                "200": _ok("审计记录", {"type": "object", "properties": {
                    "items": {"type": "array", "items": _ref("AuditEvent")}}})}, params=[_SID], tags=["审计"])},
            "/api/v1/audit": {"get": _op("审计记录（全部：管理员、检查人员）", {
                "200": _ok("审计记录", {"type": "object", "properties": {
                    "items": {"type": "array", "items": _ref("AuditEvent")}}})},
                params=[{"name": "submission", "in": "query", "schema": {"type": "string"}}], tags=["审计"])},
            "/api/v1/audit/verify": {"get": _op("校验审计链", {"200": _ok("校验结果", _ref("VerifyResult"))},
                                                tags=["审计"], errors=("401", "403"))},
            "/api/v1/audit/export": {"get": _op("导出审计记录", {
                "200": {"description": "CSV（UTF-8 带 BOM）或 JSONL",
                        "content": {"text/csv": {"schema": {"type": "string"}},
                                    "application/x-ndjson": {"schema": {"type": "string"}}}}},
                params=[{"name": "format", "in": "query", "schema": {"enum": ["csv", "jsonl"]}},
                        {"name": "submission", "in": "query", "schema": {"type": "string"}}], tags=["审计"])},
            "/api/v1/workflows": {"get": _op("审核流程配置", {"200": _ok("流程", {"type": "object", "properties": {
                "items": {"type": "array", "items": _ref("Workflow")}}})}, tags=["管理"], errors=("401",))},
            "/api/v1/workflows/{key}": {"put": _op("新增或修改审核流程（管理员）", {
                "200": _ok("已保存", _ref("Workflow"))}, body=_body(_ref("Workflow")),
                params=[{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}, _IDEM],
                tags=["管理"])},
            "/api/v1/users": {
                "get": _op("用户列表（管理员）", {"200": _ok("用户", {"type": "object", "properties": {
                    "items": {"type": "array", "items": _ref("User")}}})}, tags=["管理"], errors=("401", "403")),
                "post": _op("新建用户（管理员）", {"201": _ok("已创建", _ref("User"))},
                            body=_body({"type": "object", "required": ["name", "role", "password"], "properties": {
                                "name": {"type": "string"}, "role": _ref("Role"), "password": {"type": "string"},
                                "display_name": {"type": "string"}, "title": {"type": "string"},
                                "unit": {"type": "string"}, "groups": {"type": "array", "items": {"type": "string"}}}}),
                            params=[_IDEM], tags=["管理"])},
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "pubgate tokens create NAME 生成的 API 令牌，代表该用户操作"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "页面登录会话；以会话调用写操作时须带 X-CSRF-Token 头"},
                "webhookSignature": {"type": "apiKey", "in": "header", "name": "webhook-signature",
                                     "description": "Standard Webhooks 签名，见 info.description"},
            },
            "parameters": {"IdempotencyKey": {
                "name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 200},
                "description": "重试时使用同一键，得到首次的应答且不重复记录"}},
            "responses": {
                "BadRequest": _problem("JSON 格式错误或字段类型错误"),
                "Unauthorized": _problem("未认证、令牌无效、签名无效或重放"),
                "Forbidden": _problem("没有权限"),
                "NotFound": _problem("资源不存在"),
                "TooLarge": _problem("请求体超过上限"),
                "TooManyRequests": _problem("请求过于频繁：超出每分钟检查次数上限（响应头 Retry-After 为秒数）"),
            },
            "schemas": _schemas(),
        },
    }


def _schemas() -> dict:
    nullable_str = {"type": ["string", "null"]}
    nullable_int = {"type": ["integer", "null"]}
    finding = {"type": "object", "required": ["rule", "category", "severity", "field", "start", "end", "text", "message"],
               "properties": {"rule": {"type": "string"}, "category": {"type": "string"},
                              "severity": {"enum": ["info", "warn", "block"]},
                              "field": {"enum": ["title", "body", "meta"]}, "start": nullable_int, "end": nullable_int,
                              "text": {"type": "string"}, "message": {"type": "string"}, "suggestion": nullable_str}}
    report = {"type": "object", "required": ["verdict", "findings", "content_sha256", "ruleset", "elapsed_ms"],
              "properties": {"id": nullable_str, "verdict": {"enum": ["pass", "warn", "block"]},
                             "findings": {"type": "array", "items": _ref("Finding")},
                             "content_sha256": {"type": "string"}, "ruleset": {"type": "string"},
                             "elapsed_ms": {"type": "number"}, "notices": {"type": "array", "items": {"type": "string"}}}}
    return {
        "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"}, "instance": {"type": "string"}}, "additionalProperties": True},
        "Draft": {"type": "object", "required": ["body"], "additionalProperties": True, "properties": {
            "id": {"type": ["string", "integer"]}, "title": {"type": "string"}, "body": {"type": "string"},
            "format": {"enum": ["html", "text", "markdown"]},
            "channel": {"enum": ["website", "wechat", "weibo", "app", "other"]},
            "doc_type": {"enum": ["policy", "interpretation", "news", "notice", "guide", "reply", "disclosure", "other"]},
            "unit": {"type": "string"}, "created_at": {"type": "string"}, "publish_at": {"type": "string"},
            "related": {"type": "array", "items": {"type": "object"}},
            "attachments": {"type": "array", "items": {"type": "object"}}}},
        "Finding": finding,
        "FindingKey": {"type": "string", "description": "rule|field|start|end，标识某一版本中的一处问题"},
        "Report": report,
        "CheckReport": {"allOf": [_ref("Report"), {"type": "object", "properties": {"audit": {
            "type": "object", "properties": {"event_id": {"type": "string"}, "seq": {"type": "integer"},
                                             "entry_hash": {"type": "string"}}}}}]},
        "Status": {"enum": ["blocked", "in_review", "rejected", "approved", "published"]},
        "Role": {"enum": ["editor", "reviewer", "admin", "inspector"]},
        "SubmitRequest": {"type": "object", "required": ["draft"], "properties": {
            "draft": _ref("Draft"), "note": {"type": "string", "description": "送审说明"},
            "acknowledge": {"type": "array", "items": _ref("FindingKey"), "description": "拟稿人确认的警告"}}},
        "Override": {"type": "object", "required": ["finding", "reason"], "properties": {
            "finding": _ref("FindingKey"), "reason": {"type": "string", "minLength": 1}}},
        "DecisionRequest": {"type": "object", "required": ["stage", "decision", "content_sha256"], "properties": {
            "stage": {"type": "string", "description": "当前环节的 key"},
            "decision": {"enum": ["approve", "reject"]}, "opinion": {"type": "string"},
            "content_sha256": {"type": "string"}, "overrides": {"type": "array", "items": _ref("Override")}}},
        "PublishRequest": {"type": "object", "properties": {
            "draft": _ref("Draft"), "content_sha256": {"type": "string"}, "url": {"type": "string"}},
            "description": "提供待发布的稿件 draft（推荐，由服务计算摘要）或其 content_sha256"},
        "Publication": {"type": "object", "properties": {
            "allowed": {"type": "boolean"}, "submission_id": {"type": "string"}, "content_sha256": {"type": "string"},
            "url": nullable_str, "published_at": {"type": "string"}, "audit_seq": {"type": "integer"}}},
        "SubmissionSummary": {"type": "object", "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "status": _ref("Status"),
            "status_label": {"type": "string"}, "stage": {"type": ["object", "null"]},
            "current_version": {"type": "integer"}, "updated_at": {"type": "string"}}},
        "Submission": {"type": "object", "required": ["id", "status", "content_sha256"], "properties": {
            "id": {"type": "string"}, "external_id": nullable_str, "title": {"type": "string"},
            "status": _ref("Status"), "status_label": {"type": "string"}, "round": {"type": "integer"},
            "workflow": {"type": "object"}, "current_stage": {"type": ["object", "null"]},
            "current_version": {"type": "integer"}, "content_sha256": {"type": "string"},
            "approved_sha256": nullable_str, "report": _ref("Report"),
            "versions": {"type": "array", "items": {"type": "object"}},
            "decisions": {"type": "array", "items": {"type": "object"}},
            "overrides": {"type": "array", "items": {"type": "object"}},
            "acknowledgements": {"type": "array", "items": {"type": "object"}},
            "publications": {"type": "array", "items": {"type": "object"}},
            "missing_overrides": {"type": "array", "items": _ref("Finding")}}},
        "AuditEvent": {"type": "object", "properties": {
            "seq": {"type": "integer"}, "event_id": {"type": "string"}, "ts": {"type": "string"},
            "action": {"type": "string"}, "stage": nullable_str, "actor_name": nullable_str,
            "actor_role": nullable_str, "actor_title": nullable_str, "submission_id": nullable_str,
            "version": nullable_int, "content_sha256": nullable_str, "decision": nullable_str,
            "opinion": nullable_str, "payload": {"type": "object"}, "prev_hash": {"type": "string"},
            "entry_hash": {"type": "string"}, "hash_alg": {"type": "string"}}},
        "VerifyResult": {"type": "object", "properties": {
            "ok": {"type": "boolean"}, "count": {"type": "integer"}, "head": {"type": "string"},
            "broken_seq": nullable_int, "problem": nullable_str, "checked_at": {"type": "string"}}},
        "Workflow": {"type": "object", "required": ["name", "stages"], "properties": {
            "key": {"type": "string"}, "name": {"type": "string"}, "priority": {"type": "integer"},
            "match": {"type": "object", "properties": {"channel": {"type": "array", "items": {"type": "string"}},
                                                       "doc_type": {"type": "array", "items": {"type": "string"}}}},
            "stages": {"type": "array", "items": {"type": "object", "required": ["key", "name"], "properties": {
                "key": {"type": "string"}, "name": {"type": "string"},
                "roles": {"type": "array", "items": _ref("Role")},
                "groups": {"type": "array", "items": {"type": "string"}},
                "users": {"type": "array", "items": {"type": "string"}},
                "can_override": {"type": "boolean"}, "opinion_on_approve": {"type": "boolean"}}}}}},
        "User": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "display_name": {"type": "string"},
            "role": _ref("Role"), "title": {"type": "string"}, "unit": {"type": "string"},
            "groups": {"type": "array", "items": {"type": "string"}}, "active": {"type": "boolean"}}},
        "Health": {"type": "object", "properties": {
            "status": {"type": "string"}, "ruleset": {"type": "string"}, "checks": {"type": "integer"},
            "notices": {"type": "array", "items": {"type": "string"}}, "audit": {"type": "object"}}},
    }
