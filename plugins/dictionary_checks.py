"""Checks driven by phrase dictionaries: one check per rule id, one matching pass for all of them."""

from __future__ import annotations

from pubgate import BaseCheck, hookimpl
from pubgate.dictionary_loader import DictionarySet, DictionaryFile


class PhraseDictionaryCheck(BaseCheck):
    """Reports the hits of the entries of one rule id (one file, or a site rule in the overlay)."""

    def __init__(self, rule_id: str, files: list[DictionaryFile], dictionaries: DictionarySet):
        first = files[0]
        self.id = rule_id
        self.category = first.entries[0].category if first.entries else first.data.get("category", "format")
        self.severity = first.entries[0].severity if first.entries else "warn"
        self.description = str(first.data.get("description") or first.data.get("source") or rule_id)
        self.version = ",".join(f.digest for f in files)
        self.dictionaries = dictionaries

    def run(self, doc):
        for hit in self.dictionaries.matcher.hits(doc):
            entry = hit.entry
            if entry.rule != self.id:
                continue
            yield doc.finding(
                rule=self.id, category=entry.category, severity=entry.severity, field=hit.field,
                start=hit.start, end=hit.end, message=entry.render_message(hit.text),
                suggestion=entry.suggestions[0] if entry.suggestions else None,
                entry=entry.id, source=entry.source or None,
            )


@hookimpl
def pubgate_register_checks(register, dictionaries):
    by_rule: dict[str, list[DictionaryFile]] = {}
    for f in dictionaries.of_kind("phrases"):
        if f.entries:
            by_rule.setdefault(f.rule_id, []).append(f)
    for rule_id, files in sorted(by_rule.items()):
        register(PhraseDictionaryCheck(rule_id, files, dictionaries))
