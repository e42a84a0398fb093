"""Standard-Webhooks-style request signatures: ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature: <version>,<base64 HMAC-SHA256>``.

- ``v2`` (current) signs the method and the request target as well as the body::

      "v2\\n{webhook-id}\\n{webhook-timestamp}\\n{METHOD}\\n{path}[?{query}]\\n" + raw body

  ``path`` is the URL path as the service routes it (percent-decoded, e.g. ``/api/v1/check``),
  ``query`` the query string exactly as sent (omitted with its ``?`` when empty). A signed request
  therefore cannot be replayed against another route or with other parameters.
- ``v1`` (deprecated) signs ``"{webhook-id}.{webhook-timestamp}." + raw body`` only. It is accepted
  until ``SIGNATURE_V1_UNTIL`` (default ``V1_ACCEPTED_UNTIL``); answers to v1-signed requests carry
  ``Deprecation`` and ``Sunset`` headers.

Secrets are either ``whsec_<base64>`` (the Standard Webhooks form, the key is the decoded bytes)
or any other string (its UTF-8 bytes). Several secrets may be configured during a rotation; a
request passes when any offered signature of an accepted version matches any secret. Pure
functions, no Flask.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import urlsplit

__all__ = ["sign", "sign_v2", "signature_headers", "verify", "verify_versioned", "request_target", "SignatureError",
           "TOLERANCE_SECONDS", "V1_ACCEPTED_UNTIL", "V1_DEPRECATED_AT"]

TOLERANCE_SECONDS = 300
V1_ACCEPTED_UNTIL = "2027-06-30"  # the deprecation window of the v1 form (README, 请求签名)
V1_DEPRECATED_AT = 1796342400     # 2026-12-04T00:00:00Z, when v2 shipped (Unix time)


class SignatureError(ValueError):
    """A missing, stale or wrong signature; the message is Chinese."""


def _key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):])
    return secret.encode("utf-8")


def request_target(path: str, query: bytes | str = b"") -> str:
    """``path`` plus ``?query`` when there is one: the target a v2 signature covers."""
    if isinstance(query, bytes):
        query = query.decode("latin-1")
    return path + (f"?{query}" if query else "")


def sign(secret: str, webhook_id: str, timestamp: int | str, body: bytes) -> str:
    """The deprecated ``v1,<base64>`` signature (body only)."""
    message = f"{webhook_id}.{timestamp}.".encode("utf-8") + body
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def sign_v2(secret: str, webhook_id: str, timestamp: int | str, method: str, target: str, body: bytes) -> str:
    """The ``v2,<base64>`` signature: method, target, timestamp and body."""
    message = f"v2\n{webhook_id}\n{timestamp}\n{method.upper()}\n{target}\n".encode("utf-8") + body
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return "v2," + base64.b64encode(digest).decode("ascii")


def signature_headers(secret: str, webhook_id: str, body: bytes, timestamp: int | None = None, *,
                      method: str | None = None, url: str | None = None) -> dict:
    """Headers for one request: v2 when ``method`` and ``url`` (path or full URL) are given, else v1."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    if method and url:
        parts = urlsplit(url)
        signature = sign_v2(secret, webhook_id, timestamp, method, request_target(parts.path, parts.query), body)
    else:
        signature = sign(secret, webhook_id, timestamp, body)
    return {"webhook-id": webhook_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}


def verify(secrets: list[str], headers, body: bytes, *, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS, method: str | None = None, target: str | None = None,
           accept_v1: bool = True) -> str:
    """Check the signature of a request against its raw bytes; return its ``webhook-id``."""
    return verify_versioned(secrets, headers, body, now=now, tolerance=tolerance, method=method, target=target,
                            accept_v1=accept_v1)[0]


def verify_versioned(secrets: list[str], headers, body: bytes, *, now: float | None = None,
                     tolerance: int = TOLERANCE_SECONDS, method: str | None = None, target: str | None = None,
                     accept_v1: bool = True) -> tuple[str, str]:
    """As ``verify``, returning ``(webhook-id, version)``. v2 needs ``method`` and ``target``;
    v1 passes only while ``accept_v1``."""
    webhook_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signature = headers.get("webhook-signature")
    if not (webhook_id and timestamp and signature):
        raise SignatureError("请求缺少签名头（webhook-id、webhook-timestamp、webhook-signature）")
    if not secrets:
        raise SignatureError("服务未配置签名密钥，无法验证签名")
    try:
        ts = int(timestamp)
    except ValueError:
        raise SignatureError("webhook-timestamp 应为 Unix 时间戳（秒）") from None
    now = time.time() if now is None else now
    if abs(now - ts) > tolerance:
        raise SignatureError(f"签名时间戳超出允许范围（±{tolerance // 60} 分钟），请检查时钟或重新签名")
    offered = [(version, value) for version, _, value in (part.partition(",") for part in signature.split())
               if value]

    def matches(version: str, expected: str) -> bool:
        expected_value = expected.partition(",")[2].encode()
        return any(v == version and hmac.compare_digest(expected_value, value.encode()) for v, value in offered)

    for secret in secrets:
        if method and target is not None and matches("v2", sign_v2(secret, webhook_id, ts, method, target, body)):
            return webhook_id, "v2"
        if accept_v1 and matches("v1", sign(secret, webhook_id, ts, body)):
            return webhook_id, "v1"
    if not accept_v1 and any(v == "v1" for v, _ in offered) and not any(v == "v2" for v, _ in offered):
        raise SignatureError("v1 签名已停用：请改用 v2 签名，对“v2\\n编号\\n时间戳\\n方法\\n路径\\n原始请求体”"
                             "计算 HMAC-SHA256")
    raise SignatureError("签名无效：请用共享密钥对“v2\\n webhook-id\\n webhook-timestamp\\n 请求方法\\n 路径"
                         "[?查询串]\\n 原始请求体”计算 HMAC-SHA256（旧的 v1 格式仍暂时接受）"
                         if accept_v1 else
                         "签名无效：请用共享密钥对“v2\\n webhook-id\\n webhook-timestamp\\n 请求方法\\n 路径"
                         "[?查询串]\\n 原始请求体”计算 HMAC-SHA256")
