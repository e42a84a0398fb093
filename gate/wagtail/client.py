"""The call to pubgate's ``POST /api/v1/check``: v2 HMAC signature and an Idempotency-Key.

The key is derived from the task state, so a retry of the same check replays the stored answer
instead of creating a second audit event.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

from pubgate.service.signing import signature_headers

from .conf import setting

__all__ = ["check", "GateUnavailable"]


class GateUnavailable(RuntimeError):
    """pubgate did not answer with a report; the message is Chinese."""


def check(draft: dict, idempotency_key: str, stage: str = "submit") -> dict:
    url = setting("API_URL").rstrip("/") + f"/api/v1/check?stage={stage}"
    body = json.dumps(draft, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": idempotency_key}
    if setting("SIGNING_SECRET"):
        headers.update(signature_headers(setting("SIGNING_SECRET"), f"msg_{uuid.uuid4().hex}", body,
                                         method="POST", url=url))
    if setting("API_TOKEN"):
        headers["Authorization"] = f"Bearer {setting('API_TOKEN')}"
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=float(setting("TIMEOUT"))) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")
        try:
            detail = json.loads(detail).get("detail") or detail
        except (ValueError, AttributeError):
            pass
        raise GateUnavailable(f"pubgate 拒绝了检查请求（HTTP {exc.code}）：{detail}") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise GateUnavailable(f"无法连接 pubgate 检查服务（{setting('API_URL')}）：{exc}") from None
