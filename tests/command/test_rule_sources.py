"""Every category's deadlines and grades cite an instrument that governs that category (RULES.md), or say
plainly that they are a local default; citations use the official form of document numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from command.categories import grading, instruments
from command.categories.tree import CATEGORIES, GRADE_ORDER, in_prefix
from command.reports import service as reports
from command.reports.models import ReportRule
from plans_registry import rules as plan_rules

T0 = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
KINDS = ("initial", "follow_up", "final")


def _report_rules() -> list[ReportRule]:
    return [ReportRule(id=str(i), unit_code="360700", name=name, kind=kind, grades=grades, category_prefix=prefix,
                       clock=clock, minutes=minutes, channel=channel, source=source, active=True)
            for i, (name, kind, grades, prefix, clock, minutes, channel, source) in enumerate(reports.DEFAULT_RULES)]


def _incident(category: str, grade: str | None) -> Any:
    return SimpleNamespace(category=category, grade=grade, grade_suggested=None, unit_code="360702",
                           occurred_at=T0, received_at=T0 + timedelta(minutes=5),
                           reported_at=T0 + timedelta(minutes=40),
                           closed_at=T0 + timedelta(days=2), status="closed")


def _seeded_grading(category: str) -> tuple[str, list[tuple[str, dict[str, Any], str]]] | None:
    """What `grading.applicable_rules` picks from the seeded rules: the longest matching prefix."""
    matching = [(prefix, source, rules) for prefix, source, rules in grading.SEEDED if in_prefix(category, prefix)]
    if not matching:
        return None
    _prefix, source, rules = max(matching, key=lambda m: len(m[0]))
    return source, rules


def test_the_checker_refuses_a_production_safety_rule_for_a_flood() -> None:
    src_493 = "[L] 《生产安全事故报告和调查处理条例》(国务院令第493号) 第十一条"
    assert instruments.cited_in(src_493) == ["decree_493"]
    assert not instruments.covers(src_493, "natural.flood")
    assert instruments.covers(src_493, "accident.hazchem")
    assert not instruments.covers("[Q] 某个未登记的文件", "accident.fire")  # citing nothing known is not enough
    assert instruments.covers("[P] 本地默认", "social_security.mass")  # a local default says so plainly


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_every_deadline_of_every_category_cites_what_governs_it(category: str) -> None:
    rules = _report_rules()
    for grade in [*GRADE_ORDER, None]:
        incident = _incident(category, grade)
        for kind in KINDS:
            for rule in rules:
                if reports._applies(rule, incident, kind):  # the service's own matching
                    assert instruments.covers(rule.source, category), (category, grade, kind, rule.name)
            due, rule = reports.pick(rules, incident, kind, None)
            assert rule is not None and due is not None, (category, grade, kind)  # every category has a deadline
            assert instruments.covers(rule.source, category), (category, grade, kind, rule.name)


def test_a_flood_first_report_cites_the_disaster_statistics_rules_not_decree_493() -> None:
    _due, rule = reports.pick(_report_rules(), _incident("natural.flood", "general"), "initial", None)
    assert rule is not None and "自然灾害情况统计调查制度" in rule.source and "493" not in rule.source
    _due, rule = reports.pick(_report_rules(), _incident("accident.fire", "general"), "initial", None)
    assert rule is not None and "国务院令第493号" in rule.source
    # a tie between the production-safety follow-up rule and the local default goes to the cited rule
    _due, rule = reports.pick(list(reversed(_report_rules())), _incident("accident.fire", "general"), "follow_up", None)
    assert rule is not None and "第21号" in rule.source


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_every_category_is_graded_by_a_rule_of_its_instrument_or_says_why_not(category: str) -> None:
    seeded = _seeded_grading(category)
    if seeded is None:
        reason = grading.no_rule_reason(category)
        assert reason and instruments.top(category) in ("social_security", "public_health"), category
        return
    source, rules = seeded
    assert instruments.covers(source, category), category
    assert [g for g, _t, _d in rules] == [g for g in GRADE_ORDER if g in {r[0] for r in rules}]  # severe first


def test_natural_disaster_and_poisoning_grades() -> None:
    from core.validation import satisfies

    def grade(category: str, facts: dict[str, float]) -> str | None:
        seeded = _seeded_grading(category)
        assert seeded is not None
        return next((g for g, trigger, _d in seeded[1] if satisfies(trigger, facts)), None)

    assert grade("natural.flood", {"evacuated": 120}) == "general"  # a county flood is graded, not 未定级
    assert grade("natural.flood", {"evacuated": 600000}) == "relatively_major"
    assert grade("natural.earthquake", {"missing": 120}) == "major"
    assert grade("public_health.poisoning", {"sick": 40}) == "general"
    assert grade("public_health.poisoning", {"sick": 150, "deaths": 1}) == "major"
    assert grade("public_health.poisoning", {"sick": 150}) == "relatively_major"
    assert grade("public_health.poisoning", {"sick": 10}) is None  # below every threshold: left to the lead


def test_each_category_names_instruments_that_cover_it() -> None:
    tops = {k for k in CATEGORIES if "." not in k}
    assert set(instruments.CATEGORY_INSTRUMENTS) == tops
    for cat, keys in instruments.CATEGORY_INSTRUMENTS.items():
        for key in keys:
            assert any(in_prefix(cat, p) for p in instruments.INSTRUMENTS[key].covers), (cat, key)


OLD_NUMBER = re.compile(r"[（(]\s*\d{4}\s*[）)]\s*\d+\s*号")


def _all_sources() -> list[str]:
    out = [r[-1] for r in reports.DEFAULT_RULES] + [s for _p, s, _r in grading.SEEDED]
    out += [v[2] for v in plan_rules.DEFAULT_CYCLES.values()] + [plan_rules.FILING_SOURCE]
    return out


def test_document_numbers_use_the_official_brackets() -> None:
    assert OLD_NUMBER.search("国办（2024）5号")  # the pattern catches the wrong form
    for source in _all_sources():
        assert not OLD_NUMBER.search(source), source
        assert instruments.mark_of(source) in instruments.MARK_WORDS, source
    assert any("〔2024〕" in s for s in _all_sources())
