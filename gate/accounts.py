"""Users, roles and API tokens of the service. No Flask: the CLI and the web layer both use this.

Passwords are stored as werkzeug password hashes; API tokens are shown once and stored only as
their SHA-256 (a token is a high-entropy random string, so a plain digest is enough). Tokens expire
(``expires_at``) and may carry scopes: ``publish`` marks a CMS service account that may publish
any approved submission. Token expiry and scope columns come from ``security_schema``.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from . import audit
from .roles import DEFAULT_TOKEN_DAYS, ROLE_LABELS, ROLES, TOKEN_SCOPES
from .security_schema import ensure_schema as ensure_security_schema

__all__ = [
    "ROLES", "ROLE_LABELS", "Actor", "AccountError", "create_user", "update_user", "get_user",
    "list_users", "authenticate", "create_token", "actor_for_token", "list_tokens",
    "revoke_tokens", "TOKEN_SCOPES", "DEFAULT_TOKEN_DAYS",
]

_NAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{1,40}$")
TOKEN_PREFIX = "pg_"


class AccountError(ValueError):
    """A user or token request that cannot be carried out; the message is Chinese."""


@dataclass(frozen=True)
class Actor:
    """Who acts, as recorded on every audit event (role and title as they are *now*)."""

    id: int
    name: str
    role: str
    display_name: str = ""
    title: str = ""
    unit: str = ""
    groups: tuple[str, ...] = field(default=())
    active: bool = True
    # Scopes of the API token this request came with (empty for a session); not part of to_dict,
    # so audit payloads keep their shape.
    scopes: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def label(self) -> str:
        return self.display_name or self.name

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "display_name": self.display_name, "role": self.role,
                "title": self.title, "unit": self.unit, "groups": list(self.groups), "active": self.active}


def _actor(row: dict, scopes: frozenset[str] = frozenset()) -> Actor:
    return Actor(id=row["id"], name=row["name"], role=row["role"], display_name=row["display_name"] or "",
                 title=row["title"] or "", unit=row["unit"] or "",
                 groups=tuple(json.loads(row["groups"] or "[]")), active=bool(row["active"]), scopes=scopes)


def _validate(name: str, role: str, groups) -> None:
    if not _NAME.match(name or ""):
        raise AccountError("用户名须为 1–40 个字母、数字、汉字或 _ . -")
    if role not in ROLES:
        raise AccountError(f"角色 {role!r} 无效，应为 {'、'.join(ROLES)} 之一")
    if not isinstance(groups, (list, tuple)) or not all(isinstance(g, str) for g in groups):
        raise AccountError("groups 应为字符串数组")


def get_user(db, *, name: str | None = None, user_id: int | None = None) -> Actor | None:
    if name is not None:
        rows = list(db.query("SELECT * FROM users WHERE name = ?", [name]))
    else:
        rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    return _actor(rows[0]) if rows else None


def list_users(db) -> list[Actor]:
    return [_actor(r) for r in db.query("SELECT * FROM users ORDER BY id")]


def create_user(db, name: str, role: str, password: str, *, display_name: str = "", title: str = "",
                unit: str = "", groups=(), by: Actor | None = None, hash_method: str | None = None) -> Actor:
    """Create a user; the event names who created it (None: the command line)."""
    groups = list(groups or [])
    _validate(name, role, groups)
    if not password or len(password) < 8:
        raise AccountError("密码至少 8 个字符")
    # Slow on purpose (scrypt), so computed outside the write lock; tests pass a cheap method.
    password_hash = generate_password_hash(password, **({"method": hash_method} if hash_method else {}))
    with audit.transaction(db):
        if get_user(db, name=name):
            raise AccountError(f"用户 {name} 已存在")
        user_id = db["users"].insert({
            "name": name, "display_name": display_name, "role": role, "title": title, "unit": unit,
            "groups": json.dumps(groups, ensure_ascii=False), "password_hash": password_hash,
            "active": 1, "created_at": audit.now_cst(),
        }).last_pk
        user = get_user(db, user_id=user_id)
        audit.append(db, "user.create", actor=by, payload={
            "user": user.to_dict(), "via": "web" if by else "cli"})
    return user


def update_user(db, name: str, *, by: Actor | None, role: str | None = None, title: str | None = None,
                unit: str | None = None, display_name: str | None = None, groups=None,
                active: bool | None = None, password: str | None = None) -> Actor:
    changes: dict = {}
    if role is not None:
        changes["role"] = role
    if title is not None:
        changes["title"] = title
    if unit is not None:
        changes["unit"] = unit
    if display_name is not None:
        changes["display_name"] = display_name
    if groups is not None:
        changes["groups"] = list(groups)
    if active is not None:
        changes["active"] = 1 if active else 0
    password_hash = None
    if password is not None:
        if len(password) < 8:
            raise AccountError("密码至少 8 个字符")
        password_hash = generate_password_hash(password)
    with audit.transaction(db):
        before = get_user(db, name=name)
        if before is None:
            raise AccountError(f"用户 {name} 不存在")
        _validate(name, changes.get("role", before.role), changes.get("groups", before.groups))
        stored = dict(changes)
        if "groups" in stored:
            stored["groups"] = json.dumps(stored["groups"], ensure_ascii=False)
        if password_hash:
            stored["password_hash"] = password_hash
        if stored:
            db["users"].update(before.id, stored)
        after = get_user(db, user_id=before.id)
        ended = 0
        if password_hash or not after.active:
            # A new password or a deactivation ends every session of that user at once.
            from .login_throttle import clear_user
            from .sessions import revoke_user_sessions

            ensure_security_schema(db)
            ended = revoke_user_sessions(db, before.id)
            if password_hash:
                clear_user(db, name)
        audit.append(db, "user.update", actor=by, payload={
            "user": name, "before": before.to_dict(), "after": after.to_dict(),
            "password_changed": bool(password_hash), **({"sessions_ended": ended} if ended else {})})
    return after


def authenticate(db, name: str, password: str) -> Actor | None:
    rows = list(db.query("SELECT * FROM users WHERE name = ?", [name or ""]))
    if not rows:
        # Same cost as a real check, so response time does not reveal which names exist.
        check_password_hash(_DUMMY_HASH(), password or "")
        return None
    row = rows[0]
    if not row["active"] or not check_password_hash(row["password_hash"], password or ""):
        return None
    return _actor(row)


_dummy: list[str] = []


def _DUMMY_HASH() -> str:
    if not _dummy:
        _dummy.append(generate_password_hash(secrets.token_hex(8)))
    return _dummy[0]


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _expiry(days: int | None) -> str | None:
    if days is None or days <= 0:
        return None
    return (datetime.now(audit.CST) + timedelta(days=days)).isoformat(timespec="seconds")


def create_token(db, user_name: str, *, label: str = "", by: Actor | None = None,
                 days: int | None = DEFAULT_TOKEN_DAYS, scopes=()) -> str:
    """A new API token acting as ``user_name``; the plain token is returned once, never stored.
    ``days`` None or 0: never expires. ``scopes``: names from ``TOKEN_SCOPES``."""
    scopes = sorted(set(scopes or ()))
    unknown = [s for s in scopes if s not in TOKEN_SCOPES]
    if unknown:
        raise AccountError(f"未知的令牌权限 {'、'.join(unknown)}，可用：{'、'.join(TOKEN_SCOPES)}")
    ensure_security_schema(db)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = _expiry(days)
    with audit.transaction(db):
        user = get_user(db, name=user_name)
        if user is None:
            raise AccountError(f"用户 {user_name} 不存在，请先用 pubgate users add 创建")
        token_id = db["api_tokens"].insert({
            "user_id": user.id, "label": label, "token_hash": _token_digest(token),
            "created_at": audit.now_cst(), "revoked": 0, "expires_at": expires_at,
            "scopes": " ".join(scopes), "prefix": token[:7]}).last_pk
        audit.append(db, "token.create", actor=by, payload={
            "token_id": token_id, "user": user.name, "label": label, "prefix": token[:7],
            "expires_at": expires_at, "scopes": scopes})
    return token


def actor_for_token(db, token: str) -> Actor | None:
    """The user a live token acts as (not revoked, not expired, user active), with its scopes."""
    rows = list(db.query(
        "SELECT users.*, api_tokens.scopes AS token_scopes FROM api_tokens "
        "JOIN users ON users.id = api_tokens.user_id "
        "WHERE api_tokens.token_hash = ? AND api_tokens.revoked = 0 "
        "AND (api_tokens.expires_at IS NULL OR api_tokens.expires_at > ?)",
        [_token_digest(token or ""), datetime.now(audit.CST).isoformat(timespec="seconds")]))
    if not rows or not rows[0]["active"]:
        return None
    return _actor(rows[0], frozenset((rows[0]["token_scopes"] or "").split()))


def list_tokens(db, *, include_revoked: bool = False) -> list[dict]:
    """Every token (never the token itself): id, user, label, prefix, dates, scopes, status."""
    ensure_security_schema(db)
    now = datetime.now(audit.CST).isoformat(timespec="seconds")
    out = []
    for row in db.query(
            "SELECT t.id, u.name AS user, t.label, t.prefix, t.created_at, t.expires_at, t.revoked, "
            "t.revoked_at, t.scopes FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id"):
        status = ("revoked" if row["revoked"] else
                  "expired" if row["expires_at"] and row["expires_at"] <= now else "active")
        if status == "revoked" and not include_revoked:
            continue
        out.append({**{k: row[k] for k in ("id", "user", "label", "prefix", "created_at", "expires_at",
                                             "revoked_at")},
                    "scopes": (row["scopes"] or "").split(), "status": status})
    return out


def revoke_tokens(db, which: str, *, by: Actor | None = None) -> list[int]:
    """Revoke one token by its id (digits) or by the token itself (``pg_…``), or every live token
    of a user (a user name). Returns the ids revoked; an unknown name or id is an AccountError."""
    ensure_security_schema(db)
    which = (which or "").strip()
    with audit.transaction(db):
        if which.isdigit():
            rows = db.conn.execute("SELECT id FROM api_tokens WHERE id = ?", [int(which)]).fetchall()
            if not rows:
                raise AccountError(f"令牌编号 {which} 不存在（用 pubgate tokens list 查看）")
        elif which.startswith(TOKEN_PREFIX):
            rows = db.conn.execute("SELECT id FROM api_tokens WHERE token_hash = ?",
                                   [_token_digest(which)]).fetchall()
            if not rows:
                raise AccountError("没有找到该令牌")
        else:
            user = get_user(db, name=which)
            if user is None:
                raise AccountError(f"用户 {which} 不存在，也不是令牌编号")
            rows = db.conn.execute("SELECT id FROM api_tokens WHERE user_id = ?", [user.id]).fetchall()
        ids = [r[0] for r in rows]
        marks = ",".join("?" * len(ids))
        revoked = [r[0] for r in db.conn.execute(
            f"SELECT id FROM api_tokens WHERE id IN ({marks}) AND revoked = 0", ids)] if ids else []
        if revoked:
            db.conn.execute(f"UPDATE api_tokens SET revoked = 1, revoked_at = ? "
                            f"WHERE id IN ({','.join('?' * len(revoked))})", [audit.now_cst(), *revoked])
            audit.append(db, "token.revoke", actor=by, payload={"token_ids": revoked, "target": which
                                                                if not which.startswith(TOKEN_PREFIX) else "token"})
    return revoked
