"""``pubgate serve | users add | tokens create|list|revoke | audit verify|checkpoint`` (contracts.md §5).

Import-light: argparse wiring only; Flask, the HTTP server (``server.py``) and the database code load
inside the command functions, so ``pubgate check`` never imports Flask.
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

    from ..security_schema import ensure_schema as ensure_security_schema

    db = open_db(_db_path(args))
    migrate(db)
    seed_workflows(db)
    ensure_security_schema(db)
    return db


def cmd_serve(args) -> int:
    from . import create_app
    from .server import prepare, serve

    path = _db_path(args)
    os.environ["PUBGATE_DATABASE"] = path  # read by create_app through from_prefixed_env
    existed = os.path.exists(path)
    workers = args.workers or os.cpu_count() or 1
    if workers < 1:
        print("pubgate: --workers 至少为 1", file=sys.stderr)
        return 2
    app = create_app()
    facts = app.extensions["pubgate"]["database_facts"]
    facts["created"] = not existed
    gate, seconds = prepare(app)  # everything loaded before the socket listens
    print(f"已加载规则与模型（{seconds:.1f} 秒，规则集 {gate.ruleset}）  "
          f"数据库：{os.path.abspath(path)}{'（新建）' if facts['created'] else ''}")
    for notice in gate.notices:
        print(f"提示：{notice}")
    if facts["users"] == 0:
        print(f"尚无用户。创建第一个管理员：pubgate users add admin --role admin --db {path}")

    def announce(address: str, server_name: str) -> None:  # the last line: requests are answered from here on
        print(f"pubgate 服务已在 http://{address}/ 监听（{server_name}）", flush=True)

    serve(app, host=args.host, port=args.port, workers=workers, threads=args.threads, announce=announce)
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

    if args.expires_days < 0:
        print("pubgate: --expires-days 不能为负数（0 表示永不过期）", file=sys.stderr)
        return 2
    db = _open(args)
    try:
        token = create_token(db, args.name, label=args.label or "", days=args.expires_days,
                             scopes=args.scope or ())
    except AccountError as exc:
        print(f"pubgate: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(token)
    expiry = f"{args.expires_days} 天后过期" if args.expires_days else "永不过期"
    print(f"以上为用户 {args.name} 的 API 令牌（{expiry}），只显示这一次，请妥善保存。", file=sys.stderr)
    return 0


TOKEN_STATUS = {"active": "有效", "expired": "已过期", "revoked": "已吊销"}


def cmd_tokens_list(args) -> int:
    from ..accounts import list_tokens

    db = _open(args)
    try:
        items = list_tokens(db, include_revoked=args.all)
    finally:
        db.close()
    if args.json:
        import json

        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    if not items:
        print("没有令牌。")
        return 0
    print("编号\t用户\t状态\t前缀\t创建时间\t到期时间\t权限\t备注")
    for t in items:
        print("\t".join(str(v) for v in (t["id"], t["user"], TOKEN_STATUS[t["status"]], t["prefix"] or "-",
                                          t["created_at"], t["expires_at"] or "永不过期",
                                          ",".join(t["scopes"]) or "-", t["label"] or "")))
    return 0


def cmd_tokens_revoke(args) -> int:
    from ..accounts import AccountError, revoke_tokens

    db = _open(args)
    try:
        revoked = revoke_tokens(db, args.which)
    except AccountError as exc:
        print(f"pubgate: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    if revoked:
        print(f"已吊销令牌 {', '.join(str(i) for i in revoked)}（立即生效）")
    else:
        print("没有需要吊销的有效令牌")
    return 0


def _open_existing(args):
    """The database for the audit commands, or None (message printed) when it does not exist."""
    from ..migrations import migrate, open_db

    path = _db_path(args)
    if not os.path.exists(path):
        print(f"pubgate: 数据库不存在：{path}", file=sys.stderr)
        return None
    if getattr(args, "key_file", None):
        os.environ["PUBGATE_AUDIT_KEY_FILE"] = args.key_file
    db = open_db(path)
    migrate(db)  # an old database gets the binding columns and triggers before it is checked
    return db


def cmd_audit_verify(args) -> int:
    from .. import audit
    from ..audit_checkpoint import CheckpointError

    db = _open_existing(args)
    if db is None:
        return 2
    try:
        result = audit.verify(db, checkpoints=args.checkpoint or ())
    except CheckpointError as exc:
        print(f"pubgate: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    if args.json:
        import json

        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(result.message)
    if result.ok:
        return 0
    return 2 if result.kind == "key" else 1


def cmd_audit_checkpoint(args) -> int:
    from .. import audit
    from ..audit_key import AuditKeyError

    db = _open_existing(args)
    if db is None:
        return 2
    try:
        cp = audit.checkpoint(db, write=not args.no_write)
    except AuditKeyError as exc:
        print(f"pubgate: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(cp.to_line())
    print(f"以上为审计链第 {cp.seq} 条记录时的检查点（{cp.ts}）。请抄存或打印，保存在本机以外；"
          "日后用 pubgate audit verify --checkpoint '<这一行>' 校验，可发现截断、伪造和整链重算。",
          file=sys.stderr)
    return 0


def add_commands(subparsers) -> None:
    from ..roles import DEFAULT_TOKEN_DAYS, ROLES, TOKEN_SCOPES

    serve = subparsers.add_parser("serve", help="启动审核服务和页面（内置 SQLite 数据库，首次启动时创建）")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--db", help=f"数据库文件（默认 PUBGATE_DATABASE 或 {DEFAULT_DB}）")
    serve.add_argument("--workers", type=int, default=None,
                       help="工作进程数（默认为 CPU 核数；1 则单进程多线程）")
    serve.add_argument("--threads", type=int, default=8, help="单进程时的工作线程数（默认 8）")
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
    create.add_argument("--expires-days", type=int, default=DEFAULT_TOKEN_DAYS,
                        help=f"有效天数（默认 {DEFAULT_TOKEN_DAYS}；0 表示永不过期）")
    create.add_argument("--scope", action="append", choices=sorted(TOKEN_SCOPES),
                        help="令牌权限，可重复；publish：CMS 服务账号，可发布任何已通过审核的稿件")
    create.add_argument("--db")
    create.set_defaults(func=cmd_tokens_create)
    listing = tokens_sub.add_parser("list", help="列出令牌（不显示令牌本身）")
    listing.add_argument("--all", action="store_true", help="包括已吊销的令牌")
    listing.add_argument("--json", action="store_true", help="以 JSON 输出")
    listing.add_argument("--db")
    listing.set_defaults(func=cmd_tokens_list)
    revoke = tokens_sub.add_parser("revoke", help="吊销令牌：令牌编号、令牌本身，或用户名（吊销该用户全部令牌）")
    revoke.add_argument("which", metavar="NAME|TOKEN-ID")
    revoke.add_argument("--db")
    revoke.set_defaults(func=cmd_tokens_revoke)

    audit = subparsers.add_parser("audit", help="审计记录")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    verify = audit_sub.add_parser(
        "verify", help="校验审计链、审核数据和检查点，报告第一处断裂或不符")
    verify.add_argument("--db")
    verify.add_argument("--checkpoint", action="append", metavar="LINE|FILE",
                        help="另行保存的检查点（pubgate audit checkpoint 输出的一行，或存有检查点的文件），可重复")
    verify.add_argument("--key-file", help="审计密钥文件（默认 PUBGATE_AUDIT_KEY_FILE，或数据库旁的 pubgate-audit.key）")
    verify.add_argument("--json", action="store_true", help="以 JSON 输出")
    verify.set_defaults(func=cmd_audit_verify)
    checkpoint = audit_sub.add_parser(
        "checkpoint", help="输出当前链头的检查点（带密钥签名），供另行保存；同时记入检查点文件")
    checkpoint.add_argument("--db")
    checkpoint.add_argument("--key-file", help="审计密钥文件")
    checkpoint.add_argument("--no-write", action="store_true", help="只输出，不记入检查点文件")
    checkpoint.set_defaults(func=cmd_audit_checkpoint)
