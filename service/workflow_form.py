"""The 审核流程 admin form: workflow definitions as form fields instead of raw JSON (issue 21).

``from_form`` turns the posted fields into the definition ``workflow.validate_workflow`` checks
(it stays the one place with the rules); ``split_names`` reads the comma lists people type
(「保密审查，办公室」 or 「保密审查、办公室」).
"""

from __future__ import annotations

import re

__all__ = ["from_form", "split_names", "STAGE_ROLES"]

# Who can be bound to a stage (drafters never review; validate_workflow refuses "editor").
STAGE_ROLES = ("reviewer", "admin")


def split_names(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,，、;；\s]+", text or "") if part.strip()]


def _stage_indexes(form) -> list[int]:
    found = set()
    for name in form.keys():
        m = re.match(r"^stage-(\d+)-", name)
        if m:
            found.add(int(m.group(1)))
    return sorted(found)


def from_form(form) -> dict:
    """The workflow definition the form describes (not yet validated)."""
    stages = []
    for i in _stage_indexes(form):
        field = lambda suffix: form.get(f"stage-{i}-{suffix}", "").strip()  # noqa: E731
        if form.get(f"stage-{i}-delete"):
            continue
        key, name = field("key"), field("name")
        if not key and not name:
            continue  # the empty row for a new stage, left empty
        try:
            order = float(field("order") or i)
        except ValueError:
            order = float(i)
        stages.append((order, i, {
            "key": key or f"stage{i + 1}",
            "name": name,
            "roles": form.getlist(f"stage-{i}-roles") or ["reviewer"],
            "groups": split_names(field("groups")),
            "users": split_names(field("users")),
            "can_override": bool(form.get(f"stage-{i}-can_override")),
            "opinion_on_approve": bool(form.get(f"stage-{i}-opinion_on_approve")),
        }))
    try:
        priority = int(form.get("priority", "0").strip() or 0)
    except ValueError:
        priority = form.get("priority")  # validate_workflow names the problem
    match = {k: form.getlist(f"match-{k}") for k in ("channel", "doc_type") if form.getlist(f"match-{k}")}
    return {"key": form.get("key", "").strip(), "name": form.get("name", "").strip(), "priority": priority,
            "match": match, "stages": [s for _, _, s in sorted(stages, key=lambda t: (t[0], t[1]))]}
