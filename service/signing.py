"""Standard-Webhooks-style request signatures: ``webhook-id``, ``webhook-timestamp``,
``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{raw body}">``.

Secrets are either ``whsec_<base64>`` (the Standard Webhooks form, the key is the decoded bytes)
or any other string (its UTF-8 bytes). Several secrets may be configured during a rotation; a
request passes when any ``v1`` signature matches any secret. Pure functions, no Flask.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

__all__ = ["sign", "signature_headers", "verify", "SignatureError", "TOLERANCE_SECONDS"]

TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """A missing, stale or wrong signature; the message is Chinese."""


def _key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):])
    return secret.encode("utf-8")


def sign(secret: str, webhook_id: str, timestamp: int | str, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one request."""
    message = f"{webhook_id}.{timestamp}.".encode("utf-8") + body
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_headers(secret: str, webhook_id: str, body: bytes, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": webhook_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, webhook_id, timestamp, body)}


def verify(secrets: list[str], headers, body: bytes, *, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> str:
    """Check the signature of a request against its raw bytes; return its ``webhook-id``."""
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
    offered = [value for version, _, value in (part.partition(",") for part in signature.split())
               if version == "v1" and value]
    for secret in secrets:
        expected = sign(secret, webhook_id, ts, body).partition(",")[2]
        if any(hmac.compare_digest(expected.encode(), value.encode()) for value in offered):
            return webhook_id
    raise SignatureError("签名无效：请用共享密钥对“webhook-id.webhook-timestamp.原始请求体”计算 HMAC-SHA256")
