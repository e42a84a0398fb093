"""E-mail for notifications over SMTP (issue 21), sent after the workflow transaction commits.

Site configuration (``config.py`` or ``PUBGATE_*``):

- ``MAIL_HOST`` — the SMTP server; empty means no e-mail (notifications still show in the pages);
- ``MAIL_PORT`` (587), ``MAIL_TLS`` (``starttls`` | ``ssl`` | ``none``), ``MAIL_SENDER``;
- ``MAIL_USERNAME`` / ``MAIL_PASSWORD`` when the server wants a login; ``MAIL_TIMEOUT`` (10 s);
- ``PUBLIC_URL`` — the pages' address, for the link in each mail.

Delivery runs in a background thread: a slow or failing mail server never delays or fails the
workflow action that caused the notification. The outcome is kept on the notification row
(``mail_status``) and failures are logged.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from .. import notifications
from ..migrations import open_db

__all__ = ["MailSettings", "notifier_for", "deliver", "compose"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 587
    tls: str = "starttls"
    sender: str = "pubgate@localhost"
    username: str = ""
    password: str = ""
    timeout: float = 10.0
    public_url: str = ""

    @classmethod
    def from_config(cls, config) -> "MailSettings | None":
        host = (config.get("MAIL_HOST") or "").strip()
        if not host:
            return None
        tls = str(config.get("MAIL_TLS") or "starttls").lower()
        if tls not in ("starttls", "ssl", "none"):
            raise ValueError(f"MAIL_TLS 应为 starttls、ssl 或 none，而不是 {tls!r}")
        return cls(host=host, port=int(config.get("MAIL_PORT") or (465 if tls == "ssl" else 587)), tls=tls,
                   sender=config.get("MAIL_SENDER") or "pubgate@localhost",
                   username=config.get("MAIL_USERNAME") or "", password=config.get("MAIL_PASSWORD") or "",
                   timeout=float(config.get("MAIL_TIMEOUT") or 10.0),
                   public_url=(config.get("PUBLIC_URL") or "").rstrip("/"))


def compose(settings: MailSettings, row: dict, to: str) -> EmailMessage:
    """One notification as a plain-text Chinese e-mail."""
    message = EmailMessage()
    label = notifications.KIND_LABELS.get(row["kind"], row["kind"])
    message["Subject"] = f"【发布审核】{label}：{row['title']}"
    message["From"] = formataddr(("发布审核", settings.sender))
    message["To"] = to
    message["Message-ID"] = make_msgid(domain="pubgate")
    lines = [row["body"]]
    if row.get("opinion"):
        lines += ["", f"审核意见：{row['opinion']}"]
    link = f"{settings.public_url}/submissions/{row['submission_id']}" if settings.public_url else ""
    lines += ["", f"稿件编号：{row['submission_id']}"] + ([f"查看稿件：{link}"] if link else [])
    lines += ["", "（本邮件由发布审核系统自动发送，请勿直接回复。）"]
    message.set_content("\n".join(lines))
    return message


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.tls == "ssl":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if settings.username:
        smtp.login(settings.username, settings.password)
    return smtp


def deliver(settings: MailSettings, database: str, rows: list[dict]) -> None:
    """Send each notification to its recipient's address (if any); record the outcome."""
    db = open_db(database)
    try:
        addresses = notifications.emails(db)
        outgoing = [(row, addresses[row["user_id"]]) for row in rows if row["user_id"] in addresses]
        notifications.set_mail_status(db, [r["id"] for r in rows if r["user_id"] not in addresses], "no address")
        if not outgoing:
            return
        sent, failed = [], {}
        try:
            with _connect(settings) as smtp:
                for row, to in outgoing:
                    try:
                        smtp.send_message(compose(settings, row, to))
                        sent.append(row["id"])
                    except smtplib.SMTPException as exc:
                        failed[row["id"]] = str(exc)
        except (OSError, smtplib.SMTPException) as exc:
            failed.update({row["id"]: str(exc) for row, _ in outgoing if row["id"] not in sent})
        if failed:
            log.warning("通知邮件发送失败（%s:%s）：%s", settings.host, settings.port, "; ".join(set(failed.values())))
        notifications.set_mail_status(db, sent, "sent")
        for nid, error in failed.items():
            notifications.set_mail_status(db, [nid], f"failed: {error}"[:500])
    finally:
        db.close()


def notifier_for(app):
    """The ``ReviewService`` notifier of this app: mail in a background thread, or None when
    no mail server is configured."""
    settings = MailSettings.from_config(app.config)
    if settings is None:
        return None
    database = app.config["DATABASE"]

    def send(rows: list[dict]) -> None:
        def run():
            try:
                deliver(settings, database, rows)
            except Exception:  # noqa: BLE001 - a background thread must not die silently
                log.exception("通知邮件发送失败")

        threading.Thread(target=run, name="pubgate-mail", daemon=True).start()

    return send
