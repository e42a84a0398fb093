"""个人信息泄露: unmasked IDs, mobiles, bank cards, passports, private e-mail and home addresses.

Design (handbook §1.8): ASCII-bounded candidates on the mapped text, strict validators, a negative
list (统一社会信用代码, masks, hotlines and office numbers, organisation accounts, URLs), character
windows for context, severity raised near names, sensitive categories and minors, and a masking
adequacy rule. Every finding suggests the masked form.

Site settings (``doc.settings``):
- ``personal_data_allowed_numbers``: numbers published on purpose (网格员 work mobiles) → ``warn``;
- ``personal_data_address_doc_types``: doc types whose addresses are checked (default 公示、留言答复).

Addresses in those doc types: detail after a context word (住址：…), and a flat or a village house
written without one (…滨河路34号2单元301室, …村3组12号), never the premises of an agency, a service
point, a business or a venue (县人民政府大院3号楼, 经营场所：…, 活动地点：…). Other doc types (news)
only report a private home told in the story down to the flat (家住…4栋1单元602室).
"""

from __future__ import annotations

from pubgate import BaseCheck, Category, Severity, hookimpl

from ._links_urls import url_spans
from ._pd_detect import PdContext, detect, parse_context

KIND = "personal-context"

RULES = {
    "id-card": "身份证号",
    "id-card-15": "身份证号",
    "mobile": "手机号码",
    "bank-card": "银行卡号",
    "landline": "私人电话",
    "passport": "护照号码",
    "permit": "通行证号码",
    "email": "个人邮箱",
    "address": "详细住址",
    "weak-mask": "脱敏不足",
    "mask-union": "脱敏不一致",
}


class PersonalData(BaseCheck):
    id = "personal-data"
    category = Category.PERSONAL_DATA
    severity = Severity.BLOCK
    description = "个人信息泄露：身份证号、手机号、银行卡号、护照/通行证号、私人邮箱、详细住址未脱敏"
    version = "1"
    dictionary_kinds = (KIND,)

    def __init__(self, context: PdContext):
        self.context = context

    def run(self, doc):
        settings = doc.settings or {}
        allowed = frozenset(str(n) for n in settings.get("personal_data_allowed_numbers", ()) or ())
        address_types = tuple(settings.get("personal_data_address_doc_types") or ("disclosure", "reply"))
        today = doc.publish_date.date()
        for field in ("title", "body"):
            original = doc.text(field)
            if not original:
                continue
            view = doc.view(field)
            blocked = [(s, e) for s, e, _ in url_spans(doc, field)]
            hits = detect(view.mapped, original, self.context, doc_type=doc.draft.doc_type, blocked=blocked,
                          allowed_numbers=allowed, today=max(today, doc.now.date()),
                          address_doc_types=address_types)
            for hit in hits:
                label = RULES[hit.kind]
                message = hit.message
                if hit.escalated:
                    message += f"，且{hit.escalated}"
                if hit.kind == "address":
                    message += "。公开时地址只保留到乡镇（街道）一级。"
                elif hit.kind == "weak-mask":
                    message += "。身份证号应隐藏出生日期（保留前6位、后4位），手机号隐藏中间4位，银行卡最多显示前6后4位。"
                else:
                    message += f"，公开前须去标识化处理（{label}脱敏）。"
                yield self.finding(doc, field, hit.start, hit.end, message, hit.suggestion,
                                   rule=f"{self.id}.{hit.kind}", severity=hit.severity)


@hookimpl
def pubgate_register_checks(register, dictionaries):
    from pubgate.dictionary_loader import DictionaryError

    context = None
    for f in dictionaries.of_kind(KIND):
        try:
            parsed = parse_context(f.data, f.path)
        except DictionaryError as err:
            dictionaries.errors.append(err)
            continue
        if context is None:
            context = parsed
        else:  # site files extend the shipped lists
            for name, words in parsed.lists.items():
                context.lists[name] = tuple(dict.fromkeys(context.lists.get(name, ()) + words))
    if context is None:
        # Shipped dictionaries switched off (or the site file broken): fall back to the shipped
        # context lists, so personal data is never silently unchecked.
        import yaml
        from pubgate.dictionary_loader import shipped_dictionary_dir

        shipped = shipped_dictionary_dir() / "personal" / "context.yml"
        try:
            context = parse_context(yaml.safe_load(shipped.read_text(encoding="utf-8")), str(shipped))
        except (OSError, DictionaryError, yaml.YAMLError) as err:  # pragma: no cover - broken install
            dictionaries.errors.append(err if isinstance(err, DictionaryError)
                                       else DictionaryError(str(shipped), None, f"无法读取：{err}", "重新安装 pubgate"))
            return
    register(PersonalData(context))
