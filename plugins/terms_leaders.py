"""Leader names, titles and rank order against a dated roster (handbook §3.2).

(a) a near-miss of a roster name (one confusable character, or a listed misspelling) written next
    to a leader title → block;
(b) a roster name next to a title the person did not hold on the publish date → block, unless the
    sentence is historical (时任, 原, 曾任, a year in the person's term…) or quoted;
(c) Politburo Standing Committee members enumerated out of rank order → warn.

Only national titles count (国务院总理, 国家副主席 …; bare 总理/委员长 only when no other Han
character precedes them, so 英国总理 and 市人大常委会主任 never pair with a roster name), and
common names (李强, 韩正) are only judged next to such a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from pubgate import BaseCheck, Category, Severity, hookimpl
from pubgate.confusables import MissingDataError, similar_chars
from pubgate.dictionary_loader import DictionaryError, DictionaryFile
from pubgate.normalize import is_han

from ._terms_common import as_date, historical_before, load_kind, publish_day

KIND = "roster"


@dataclass
class Title:
    key: str
    label: str
    before: list[str]
    after: list[str]
    any_of: list[str] = field(default_factory=list)


@dataclass
class Post:
    title: str
    start: date | None
    end: date | None

    def holds(self, on: date) -> bool:
        return (self.start is None or on >= self.start) and (self.end is None or on < self.end)

    def years(self, today: date) -> range:
        first = self.start.year if self.start else 1949
        last = (self.end or today).year
        return range(first, last + 1)


@dataclass
class Person:
    name: str
    posts: list[Post]
    misspellings: list[str]
    anywhere: bool
    common: bool


@dataclass
class Roster:
    path: str
    source: str
    titles: dict[str, Title]
    people: dict[str, Person]
    committees: list[tuple[date, date | None, list[str]]]

    def holds(self, person: Person, title: str, on: date) -> bool:
        t = self.titles[title]
        keys = t.any_of or [title]
        if title == "psc-member":
            return any(s <= on and (e is None or on < e) and person.name in m for s, e, m in self.committees)
        return any(p.title in keys and p.holds(on) for p in person.posts)

    def ever_years(self, person: Person, title: str, today: date) -> list[int]:
        t = self.titles[title]
        keys = t.any_of or [title]
        if title == "psc-member":
            return [y for s, e, m in self.committees if person.name in m
                    for y in range(s.year, (e or today).year + 1)]
        return [y for p in person.posts if p.title in keys for y in p.years(today)]

    def holder(self, title: str, on: date) -> str | None:
        for person in self.people.values():
            if title != "psc-member" and self.holds(person, title, on):
                return person.name
        return None

    def committee(self, on: date) -> list[str]:
        for s, e, members in self.committees:
            if s <= on and (e is None or on < e):
                return members
        return []


def parse(f: DictionaryFile) -> Roster:
    d = f.data
    titles = {}
    for key, t in (d.get("titles") or {}).items():
        if not t.get("label"):
            raise DictionaryError(f.path, key, "职务缺少 label", "写上职务的规范名称")
        titles[key] = Title(key, t["label"], list(t.get("before") or []), list(t.get("after") or []),
                            list(t.get("any_of") or []))
    people = {}
    for p in d.get("people") or []:
        name = p.get("name")
        if not name:
            raise DictionaryError(f.path, None, "人员缺少 name", "补全姓名")
        posts = []
        for post in p.get("posts") or []:
            if post.get("title") not in titles:
                raise DictionaryError(f.path, name, f"未知职务 {post.get('title')!r}", "在 titles 中定义该职务")
            posts.append(Post(post["title"], as_date(post.get("from")), as_date(post.get("to"))))
        people[name] = Person(name, posts, list(p.get("misspellings") or []), bool(p.get("misspellings_anywhere")),
                              bool(p.get("common_name")))
    committees = []
    for c in d.get("standing_committees") or []:
        committees.append((as_date(c["from"]), as_date(c.get("to")), list(c["members"])))
    return Roster(f.path, str(d.get("source") or ""), titles, people, committees)


class _Index:
    def __init__(self, roster: Roster):
        from pubgate.automata import overlapping_automaton

        keys: dict[str, tuple[str, str]] = {}   # form → (kind, person name)
        for person in roster.people.values():
            keys[person.name] = ("exact", person.name)
        for person in roster.people.values():
            for i, ch in enumerate(person.name):
                try:
                    similar = similar_chars(ch)
                except MissingDataError:
                    similar = frozenset()
                for alt in similar:
                    variant = person.name[:i] + alt + person.name[i + 1:]
                    if is_han(alt) and variant not in keys:
                        keys[variant] = ("near", person.name)
            for wrong in person.misspellings:
                keys[wrong] = ("known", person.name)
        self.values = list(keys.values())
        self.names = overlapping_automaton(list(keys))  # a DFA at the roster's size: a faster scan
        before = sorted({(form, key) for key, t in roster.titles.items() for form in t.before},
                        key=lambda x: -len(x[0]))
        self.before = before
        self.before_re = re.compile("(?:" + "|".join(re.escape(f) for f, _ in before) + ")$") if before else None
        self.before_key = {f: k for f, k in before}
        after = sorted({(form, key) for key, t in roster.titles.items() for form in t.after}, key=lambda x: -len(x[0]))
        self.after_re = re.compile("(?:" + "|".join(re.escape(f) for f, _ in after) + ")") if after else None
        self.after_key = {f: k for f, k in after}
        self.bare = {f for f, _ in before if f in ("总理", "副总理", "委员长", "常务副总理")}


_BEFORE_OK = re.compile(r"(?:^|[^\u4e00-\u9fff]|同志|和|与|及|的)$")


class LeaderRosterCheck(BaseCheck):
    id = "terms.leaders"
    category = Category.SEVERE_MISSTATEMENT
    severity = Severity.BLOCK
    dictionary_kinds = ("roster",)
    description = "国家领导人姓名、职务与排序（按发布日期核对名录）"

    def __init__(self, roster: Roster):
        self.roster = roster
        self._index: _Index | None = None
        self.version = roster.path

    @property
    def index(self) -> _Index:
        if self._index is None:
            self._index = _Index(self.roster)
        return self._index

    # -- title context -------------------------------------------------------------------------
    def _titles_before(self, text: str, pos: int) -> list[tuple[str, int]]:
        """Title keys written right before ``pos`` (a chain joined by 、 counts), with their start."""
        idx = self.index
        out = []
        while idx.before_re is not None:
            m = idx.before_re.search(text, max(0, pos - 24), pos)
            if not m:
                break
            form = m.group(0)
            start = m.start()
            if form in idx.bare and not _BEFORE_OK.search(text[max(0, start - 2):start]):
                break
            if form in ("总理",) and text[start - 1:start] == "副":
                break
            out.append((idx.before_key[form], start))
            if start > 0 and text[start - 1] == "、":
                pos = start - 1
                continue
            break
        return out

    def _title_after(self, text: str, end: int) -> tuple[str, int] | None:
        idx = self.index
        if idx.after_re is None:
            return None
        m = idx.after_re.match(text, end, min(len(text), end + 6))
        if not m:
            return None
        return idx.after_key[m.group(0)], m.end()

    def run(self, doc):
        roster = self.roster
        on = publish_day(doc)
        for field_name in ("title", "body"):
            view = doc.view(field_name)
            text = view.norm
            if not text:
                continue
            hits = []
            index = self.index
            for key_no, start, end in index.names.find_matches_as_indexes(text, overlapping=True):
                kind, name = index.values[key_no]
                hits.append((start, end, kind, name))
            if not hits:
                continue
            # A longer roster name wins over a shorter overlapping one (李克强 over 李强 variants).
            hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
            chosen = []
            for h in hits:
                if chosen and h[0] < chosen[-1][1]:
                    if h[2] == "exact" and chosen[-1][2] != "exact" and h[1] - h[0] >= chosen[-1][1] - chosen[-1][0]:
                        chosen[-1] = h
                    continue
                chosen.append(h)
            for start, end, kind, name in chosen:
                yield from self._judge(doc, field_name, view, text, start, end, kind, name, on)
            yield from self._rank_order(doc, field_name, view, text,
                                        [(s, e, n) for s, e, k, n in chosen if k == "exact"], on)

    def _judge(self, doc, field_name, view, text, start, end, kind, name, on):
        roster = self.roster
        person = roster.people[name]
        titles = [(key, ts, start) for key, ts in self._titles_before(text, start)]
        after = self._title_after(text, end)
        if after:
            titles.append((after[0], start, after[1]))
        span_lo = min([ts for _, ts, _ in titles] + [start])
        span_hi = max([te for _, _, te in titles] + [end])
        o_start, o_end = view.to_original(start, end)
        written = view.original[o_start:o_end]
        if kind != "exact":
            if not titles and not (kind == "known" and person.anywhere):
                return
            yield self.finding(doc, field_name, o_start, o_end,
                               f"国家领导人姓名「{written}」书写错误，应为「{name}」。", name,
                               rule="terms.leaders.name", source=roster.source or None)
            return
        if not titles:
            return
        t_start, t_end = view.to_original(span_lo, span_hi)
        if doc.quoted(field_name, t_start, t_end):
            return
        for key, ts, te in titles:
            if roster.holds(person, key, on):
                continue
            label = roster.titles[key].label
            ever = roster.ever_years(person, key, on)
            if ever and historical_before(text, span_lo, span_hi, valid_years=ever):
                continue
            if ever and historical_before(text, span_lo, span_hi):
                continue
            holder = roster.holder(key, on) if key not in ("vice-premier", "psc-member", "chairman") else None
            suggestion = f"{label}{holder}" if holder else None
            why = (f"{name}此前曾任{label}，现已不再担任" if ever else f"{name}未担任过{label}")
            s, e = view.to_original(min(ts, start), max(te, end))
            yield self.finding(doc, field_name, s, e,
                               f"领导人职务与姓名不符：{why}（按发布日期 {on.isoformat()} 核对）。"
                               "如为回顾历史，请写明「时任」或「原」。",
                               suggestion, rule="terms.leaders.title", source=roster.source or None)
            return

    def _rank_order(self, doc, field_name, view, text, names, on):
        """Enumerations of Standing Committee members (joined by 、 or ，) follow the rank order."""
        members = self.roster.committee(on)
        if not members or len(names) < 2:
            return
        runs, current = [], [names[0]]
        for prev, cur in zip(names, names[1:]):
            if text[prev[1]:cur[0]] in ("、", "，", ","):
                current.append(cur)
            else:
                runs.append(current)
                current = [cur]
        runs.append(current)
        for run in runs:
            ranked = [(s, e, n) for s, e, n in run if n in members]
            if len(ranked) < 2:
                continue
            order = [members.index(n) for _, _, n in ranked]
            if order == sorted(order):
                continue
            lo, hi = run[0][0], run[-1][1]
            if historical_before(text, lo, hi):
                continue
            o_lo, o_hi = view.to_original(lo, hi)
            if doc.quoted(field_name, o_lo, o_hi):
                continue
            right = "、".join(n for _, _, n in sorted(ranked, key=lambda r: members.index(r[2])))
            yield self.finding(doc, field_name, o_lo, o_hi,
                               f"中央政治局常委排序有误，应按「{right}」的顺序排列。", right,
                               rule="terms.leaders.order", severity=Severity.WARN,
                               source=self.roster.source or None)


@hookimpl
def pubgate_register_checks(register, dictionaries):
    rosters = load_kind(dictionaries, KIND, parse)
    if rosters:
        # Several roster files (a site may add provincial leaders) merge into one roster.
        base = rosters[0]
        for extra in rosters[1:]:
            base.titles.update(extra.titles)
            base.people.update(extra.people)
            base.committees.extend(extra.committees)
        register(LeaderRosterCheck(base))
