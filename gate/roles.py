"""Roles and token scopes of the service's accounts: plain constants, so the command line can name
them without importing the database layer."""

from __future__ import annotations

__all__ = ["ROLES", "ROLE_LABELS", "TOKEN_SCOPES", "DEFAULT_TOKEN_DAYS"]

ROLES = ("editor", "reviewer", "admin", "inspector")
ROLE_LABELS = {"editor": "拟稿人", "reviewer": "审核人", "admin": "管理员", "inspector": "检查人员"}
TOKEN_SCOPES = {"publish": "发布已通过审核的稿件（CMS 服务账号）"}
DEFAULT_TOKEN_DAYS = 365
