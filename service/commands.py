"""``pubgate serve | users add | tokens create | audit verify`` (contracts.md §5).

Import-light: argparse wiring only; Flask, waitress and the database code load inside the
command functions, so ``pubgate check`` never imports Flask.
"""

from __future__ import annotations

import os
import sys

__all__ = ["add_commands"]

DEFAULT_DB = "pubgate.db"


def _db_path(args) -> str:
    return args.db or os.environ.get("PUBGATE_DATABASE") or DEFAULT_DB


def _open(args):
    from ..migrations import migrate, open_db
    from ..workflow import seed_workflows

    db = open_db(_db_path(args))
    migrate(db)
    seed_workflows(db)
    return db


def cmd_serve(args) -> int:
    from waitress import serve

    from . import create_app
    from .extension import get_gate

    path = _db_path(args)
    os.environ["PUBGATE_DATABASE"] = path  # read by create_app through from_prefixed_env
    existed = os.path.exists(path)
    app = create_app()
    facts = app.extensions["pubgate"]["database_facts"]
    facts["created"] = not existed
    with app.app_context():
        gate = get_gate()  # build before the first request, not during it
        notices = gate.notices
    print(f"pubgate 服务：http://{args.host}:{args.port}/  数据库：{os.path.abspath(path)}"
          f"{'（新建）' if facts['created'] else ''}  规则集：{gate.ruleset}")
    for notice in notices:
        print(f"提示：{notice}")
    if facts["users"] == 0:
        print(f"尚无用户。创建第一个管理员：pubgate users add admin --role admin --db {path}")
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="pubgate")
    return 0


def cmd_users_add(args) -> int:
    from ..accounts import AccountError, create_user

    password = os.environ.get("PUBGATE_PASSWORD")
    if not password:
        import getpass

        password = getpass.getpass(f"用户 {args.name} 的密码：")
        if password != getpass.getpass("再次输入密码："):
            print("两次输入的密码不一致", file=sys.stderr)
            return 2
    db = _open(args)
    try:
        groups = [g for g in (args.groups or "").replace("，", ",").split(",") if g.strip()]
        user = create_user(db, args.name, args.role, password, display_name=args.display_name or "",
                           title=args.title or "", unit=args.unit or "", groups=groups)
    except AccountError as exc:
        print(f"pubgate: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"已创建用户 {user.name}（{user.role}）")
    return 0


def cmd_tokens_create(args) -> int:
    from ..accounts import AccountError, create_token

    db = _open(args)
    try:
        token = create_token(db, args.name, label=args.label or "")
    except AccountError as exc:
        print(f"pubgate: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(token)
    print(f"以上为用户 {args.name} 的 API 令牌，只显示这一次，请妥善保存。", file=sys.stderr)
    return 0


def cmd_audit_verify(args) -> int:
    from .. import audit
    from ..migrations import open_db

    path = _db_path(args)
    if not os.path.exists(path):
        print(f"pubgate: 数据库不存在：{path}", file=sys.stderr)
        return 2
    db = open_db(path)
    try:
        result = audit.verify(db)
    finally:
        db.close()
    print(result.message)
    return 0 if result.ok else 1


def add_commands(subparsers) -> None:
    from ..accounts import ROLES

    serve = subparsers.add_parser("serve", help="启动审核服务和页面（内置 SQLite 数据库，首次启动时创建）")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--db", help=f"数据库文件（默认 PUBGATE_DATABASE 或 {DEFAULT_DB}）")
    serve.add_argument("--threads", type=int, default=8, help="工作线程数（默认 8）")
    serve.set_defaults(func=cmd_serve)

    users = subparsers.add_parser("users", help="用户管理")
    users_sub = users.add_subparsers(dest="users_command", metavar="COMMAND", required=True)
    add = users_sub.add_parser("add", help="新建用户（密码从终端读取，或取 PUBGATE_PASSWORD）")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display-name")
    add.add_argument("--title", help="职务，如 科室负责人（记入每条审核记录）")
    add.add_argument("--unit")
    add.add_argument("--groups", help="分组，逗号分隔（审核环节可按分组限定）")
    add.add_argument("--db")
    add.set_defaults(func=cmd_users_add)

    tokens = subparsers.add_parser("tokens", help="API 令牌")
    tokens_sub = tokens.add_subparsers(dest="tokens_command", metavar="COMMAND", required=True)
    create = tokens_sub.add_parser("create", help="为用户创建新的 API 令牌（只显示一次）")
    create.add_argument("name", help="令牌代表的用户名")
    create.add_argument("--label", help="备注，如 CMS 名称")
    create.add_argument("--db")
    create.set_defaults(func=cmd_tokens_create)

    audit = subparsers.add_parser("audit", help="审计记录")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    verify = audit_sub.add_parser("verify", help="校验审计链，报告第一处断裂")
    verify.add_argument("--db")
    verify.set_defaults(func=cmd_audit_verify)
