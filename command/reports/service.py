"""Information reports: drafted (pre-filled from the incident), signed off (签发) by a duty leader
and submitted to the superior in one step; deadlines from the jurisdiction's rule table, each
rule naming its clock; timers warn before and flag after; timeliness per unit and period."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.categories.tree import FACTS, in_prefix
from command.incidents import service as incidents
from command.incidents.models import Incident
from command.reports.models import REPORT_TRANSITIONS, InfoReport, ReportRule
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import iso, new_id, utcnow
from core.problems import conflict, forbidden, invalid, not_found
from core.states import next_state
from core.timers import service as timers
from core.units import service as units
from core.units.models import Unit
from core.units.paths import ancestors_from_path, path_of

WARN_TIMER = "command.report.warn"
OVERDUE_TIMER = "command.report.overdue"
WARN_BEFORE = timedelta(minutes=15)

# (name, kind, grades, category prefix, clock, minutes, channel, source) — RULES.md. Each rule cites only an
# instrument that covers its categories (command.categories.instruments) or says it is a local default.
# Among rules that apply the earliest deadline wins (ties: see `pick`).
DEFAULT_RULES: list[tuple[str, str, list[str], str, str, int, str, str]] = [
    ("生产安全事故逐级上报不超过 2 小时", "initial", [], "accident", "received", 120, "written",
     "[L] 《生产安全事故报告和调查处理条例》(国务院令第493号) 第十一条"),
    ("自然灾害县级 2 小时内初报", "initial", [], "natural", "received", 120, "written",
     "[Q] 《自然灾害情况统计调查制度》 县级初报"),
    ("突发公共卫生事件 2 小时内报告", "initial", [], "public_health", "received", 120, "written",
     "[Q] 《突发公共卫生事件应急条例》(国务院令第376号) 第十九条、第二十条"),
    ("社会安全事件 2 小时内上报", "initial", [], "social_security", "received", 120, "written",
     "[P] 本地默认：未查到国家层面公开的报送时限，参照其他类别的 2 小时"),
    ("重大、特别重大突发事件 30 分钟内电话报告", "initial", ["major", "particularly_major"], "", "received", 30,
     "phone", "[Q] 国务院应急办 2015 年通知"),
    ("重大、特别重大突发事件 1 小时内书面报告", "initial", ["major", "particularly_major"], "", "received", 60,
     "written", "[Q] 国务院应急办 2015 年通知"),
    ("江西：较大以上事件县级 2 小时内报市", "initial", ["relatively_major", "major", "particularly_major"], "",
     "occurred", 120, "written", "[Q] 《江西省突发事件应对条例》"),
    ("一般、较大事故每日至少续报一次", "follow_up", ["general", "relatively_major"], "accident", "previous", 1440,
     "written", "[Q] 《生产安全事故信息报告和处置办法》(原国家安全监管总局令第21号) 第十条"),
    ("重大、特别重大事故每日至少续报两次", "follow_up", ["major", "particularly_major"], "accident", "previous", 720,
     "written", "[Q] 《生产安全事故信息报告和处置办法》(原国家安全监管总局令第21号) 第十条"),
    ("每日至少续报一次", "follow_up", [], "", "previous", 1440, "written",
     "[P] 本地默认：未定级事件和生产安全事故以外的类别，参照每日续报"),
    ("处置结束后 24 小时内终报", "final", [], "", "previous", 1440, "written",
     "[P] 「处置结束时终报」，时限为本地默认"),
]

CONTENT_FIELDS = ("unit", "time", "place", "scene", "course", "deaths", "injured", "missing", "economic_loss",
                  "measures", "category", "cause", "trend", "leaders_on_site", "requests", "contact", "other")


async def seed_rules(uow: UnitOfWork, *, unit: str) -> int:
    if (await uow.session.execute(select(ReportRule.id).where(ReportRule.unit_code == unit))).first():
        return 0
    for name, kind, grades, prefix, clock, minutes, channel, source in DEFAULT_RULES:
        uow.session.add(ReportRule(id=new_id(), unit_code=unit, name=name, kind=kind, grades=grades,
                                   category_prefix=prefix, clock=clock, minutes=minutes, channel=channel,
                                   source=source))
    await uow.session.flush()
    uow.emit("report.rules_seeded", subject=("unit", unit), scope=[unit], data={"rules": len(DEFAULT_RULES)})
    return len(DEFAULT_RULES)


async def rules_for(session: AsyncSession, unit: str) -> list[ReportRule]:
    """The nearest jurisdiction's rules (a unit with its own rule table replaces its ancestors')."""
    chain = ancestors_from_path(await path_of(session, unit))
    rows = list((await session.execute(select(ReportRule).where(ReportRule.unit_code.in_(chain),
                                                                ReportRule.active.is_(True)))).scalars())
    for code in reversed(chain):
        mine = [r for r in rows if r.unit_code == code]
        if mine:
            return mine
    return []


def _applies(rule: ReportRule, incident: Incident, kind: str) -> bool:
    grade = incident.grade or incident.grade_suggested or "ungraded"
    return (rule.kind == kind and (not rule.grades or grade in rule.grades)
            and in_prefix(incident.category, rule.category_prefix))


def _clock(rule: ReportRule, incident: Incident, previous: InfoReport | None) -> datetime | None:
    if rule.clock == "occurred":
        return incident.occurred_at or incident.received_at
    if rule.clock == "received":
        return incident.received_at
    if rule.clock == "reported":
        return incident.reported_at
    if rule.clock == "previous":
        if rule.kind == "final":
            return incident.closed_at
        return previous.submitted_at if previous else incident.reported_at
    return None


async def deadline_for(session: AsyncSession, incident: Incident, kind: str,
                       previous: InfoReport | None) -> tuple[datetime | None, ReportRule | None]:
    """The earliest deadline among the rules that apply, and the rule that sets it."""
    return pick(await rules_for(session, incident.unit_code), incident, kind, previous)


def pick(rules: list[ReportRule], incident: Incident, kind: str,
         previous: InfoReport | None) -> tuple[datetime | None, ReportRule | None]:
    """Of these rules, the earliest deadline and its rule; on a tie the rule for the narrower category,
    then one citing an instrument over a local default ([P]), so the deadline shows the law that binds."""
    best: tuple[datetime | None, ReportRule | None] = (None, None)
    best_key: tuple[datetime, int, int] | None = None
    for rule in rules:
        if not _applies(rule, incident, kind):
            continue
        start = _clock(rule, incident, previous)
        if start is None:
            continue
        due = start + timedelta(minutes=rule.minutes)
        key = (due, -len(rule.category_prefix), 1 if rule.source.startswith("[P]") else 0)
        if best_key is None or key < best_key:
            best, best_key = (due, rule), key
    return best


async def reports_of(session: AsyncSession, incident_id: str) -> list[InfoReport]:
    stmt = (select(InfoReport).where(InfoReport.incident_id == incident_id, InfoReport.status != "discarded")
            .order_by(InfoReport.created_at))
    return list((await session.execute(stmt)).scalars())


async def next_due(session: AsyncSession, incident: Incident) -> dict[str, Any] | None:
    """What report is owed next, by when, under which rule (None when nothing is owed)."""
    submitted = [r for r in await reports_of(session, incident.id) if r.status == "submitted"]
    kinds = {r.kind for r in submitted}
    last = max(submitted, key=lambda r: r.submitted_at or r.created_at) if submitted else None
    if "initial" not in kinds:
        kind, number = "initial", 0
    elif incident.status == "closed":
        if "final" in kinds:
            return None
        kind, number = "final", 0
    else:
        kind = "follow_up"
        number = 1 + sum(1 for r in submitted if r.kind == "follow_up")
    due, rule = await deadline_for(session, incident, kind, last)
    if due is None:
        return None
    return {"kind": kind, "number": number, "deadline": due, "rule": rule.name if rule else None,
            "source": rule.source if rule else None, "clock": rule.clock if rule else None}


async def plan_timers(uow: UnitOfWork, incident: Incident) -> None:
    """Point this incident's warn and overdue timers at its next owed report."""
    owed = await next_due(uow.session, incident)
    ref = incident.id
    if owed is None:
        await timers.cancel(uow, kind=WARN_TIMER, ref=ref)
        await timers.cancel(uow, kind=OVERDUE_TIMER, ref=ref)
        return
    # The draft of the report owed is judged (on_time) by the deadline now in force, not the one it
    # was drafted under: the grade, the facts or a merged intake's clocks may have moved it.
    for report in await reports_of(uow.session, incident.id):
        if report.status == "draft" and report.kind == owed["kind"]:
            report.deadline, report.deadline_rule = owed["deadline"], owed["rule"]
    payload = {"kind": owed["kind"], "number": owed["number"], "deadline": iso(owed["deadline"])}
    await timers.schedule(uow, kind=WARN_TIMER, ref=ref, due_at=owed["deadline"] - WARN_BEFORE, payload=payload)
    await timers.schedule(uow, kind=OVERDUE_TIMER, ref=ref, due_at=owed["deadline"], payload=payload)


async def on_timer(uow: UnitOfWork, *, incident_id: str, payload: dict[str, Any], overdue: bool) -> None:
    incident = await uow.session.get(Incident, incident_id)
    if incident is None:
        return
    owed = await next_due(uow.session, incident)
    if owed is None or owed["kind"] != payload.get("kind") or owed["number"] != payload.get("number"):
        return  # filed meanwhile
    await incidents.emit(uow, incident, "report.overdue" if overdue else "report.due_soon",
                         {"kind": owed["kind"], "number": owed["number"], "deadline": iso(owed["deadline"]),
                          "rule": owed["rule"], "to": "duty_leader" if overdue else "duty_officer"})


def prefill(incident: Incident, unit: Unit | None, previous: InfoReport | None,
            tz: str = "Asia/Shanghai") -> dict[str, Any]:
    """The report's fields from the incident (times as people write them: local, 24-hour)."""
    facts = incident.facts
    base = dict(previous.content) if previous else {}
    base.update({
        "unit": unit.name if unit else incident.unit_code,
        "time": (incident.occurred_at or incident.received_at).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M"),
        "place": incident.address,
        "category": incident.category,
        "deaths": facts.get("deaths", 0), "injured": facts.get("injured", 0), "missing": facts.get("missing", 0),
        "economic_loss": facts.get("economic_loss", 0),
    })
    base.setdefault("course", incident.description)
    base.setdefault("measures", "")
    return base


def _changes(previous: InfoReport | None, content: dict[str, Any]) -> str:
    if previous is None:
        return ""
    parts = []
    for key in ("deaths", "injured", "missing", "economic_loss"):
        a, b = previous.content.get(key), content.get(key)
        if a != b:
            label, _en, unit = FACTS[key]
            parts.append(f"{label} {a if a is not None else '—'}→{b}{unit}")
    return "；".join(parts)


async def draft(uow: UnitOfWork, *, by: Principal, incident_id: str, kind: str,
                content: dict[str, Any] | None = None, changes: str | None = None) -> InfoReport:
    session = uow.session
    if not by.can("report.draft"):
        raise forbidden("drafting reports needs duty rights")
    incident = await incidents.get_visible(session, by, incident_id)
    existing = await reports_of(session, incident.id)
    if any(r.status in ("draft", "signed") for r in existing):
        raise conflict("a report of this incident is already being drafted; finish or discard it first")
    submitted = [r for r in existing if r.status == "submitted"]
    kinds = {r.kind for r in submitted}
    if kind == "initial" and "initial" in kinds:
        raise invalid("/kind", "the initial report (首报) has been submitted; write a follow-up (续报)")
    if kind in ("follow_up", "final") and "initial" not in kinds:
        raise invalid("/kind", "submit the initial report (首报) first")
    if kind == "final" and "final" in kinds:
        raise invalid("/kind", "the final report (终报) has been submitted")
    previous = max(submitted, key=lambda r: r.submitted_at or r.created_at) if submitted else None
    number = 1 + sum(1 for r in submitted if r.kind == "follow_up") if kind == "follow_up" else 0
    unit = await session.get(Unit, by.unit_code)
    tz = await units.timezone_of(session, incident.unit_code, "Asia/Shanghai")
    body = {**prefill(incident, unit, previous, tz), **(content or {})}
    due, rule = await deadline_for(session, incident, kind, previous)
    report = InfoReport(id=new_id(), incident_id=incident.id, unit_code=by.unit_code, kind=kind, number=number,
                        previous_id=previous.id if previous else None, content=body,
                        changes=changes if changes is not None else _changes(previous, body), deadline=due,
                        deadline_rule=rule.name if rule else None, exercise=incident.exercise,
                        drafted_by=by.user_id, drafted_by_name=by.name)
    session.add(report)
    await session.flush()
    await incidents.emit(uow, incident, "report.drafted", {"report": report.as_doc()})
    return report


async def get_visible(session: AsyncSession, by: Principal, report_id: str) -> tuple[InfoReport, Incident]:
    report = await session.get(InfoReport, report_id)
    if report is None:
        raise not_found("report", report_id)
    if report.to_unit == by.unit_code and report.status == "submitted":
        incident = await session.get(Incident, report.incident_id)
        assert incident is not None
        return report, incident
    incident = await incidents.get_visible(session, by, report.incident_id)
    return report, incident


def _own(report: InfoReport, by: Principal) -> None:
    """Only the reporting unit edits, signs or discards its report; a superior reads it."""
    if report.unit_code != by.unit_code:
        raise forbidden("only the reporting unit's duty room edits and signs off its report")


async def edit(uow: UnitOfWork, *, by: Principal, report_id: str, content: dict[str, Any],
               changes: str | None = None) -> InfoReport:
    report, incident = await get_visible(uow.session, by, report_id)
    _own(report, by)
    report.status = next_state(REPORT_TRANSITIONS, report.status, "edit", what="report")
    report.content = {**report.content, **content}
    if changes is not None:
        report.changes = changes
    await incidents.emit(uow, incident, "report.edited", {"report": report.as_doc()})
    return report


async def sign(uow: UnitOfWork, *, by: Principal, report_id: str) -> InfoReport:
    """签发: a duty leader signs off, and the report goes to the superior unit at once."""
    session = uow.session
    if not by.can("report.sign"):
        raise forbidden("signing off reports (签发) is for duty leaders")
    report, incident = await get_visible(session, by, report_id)
    _own(report, by)
    report.status = next_state(REPORT_TRANSITIONS, report.status, "sign", what="report")
    now = utcnow()
    report.signed_by, report.signed_by_name, report.signed_at = by.user_id, by.name, now
    await incidents.emit(uow, incident, "report.signed", {"report": report.as_doc()})
    unit = await session.get(Unit, report.unit_code)
    report.to_unit = unit.parent_code if unit else None
    report.status = next_state(REPORT_TRANSITIONS, report.status, "submit", what="report")
    report.submitted_at = now
    report.on_time = report.deadline is None or now <= report.deadline
    if report.kind == "initial" and incident.reported_at is None:
        incident.reported_at = now  # the 报出 clock
    scope = await incidents.scope(session, incident)
    uow.emit("report.submitted", subject=("incident", incident.id), exercise=incident.exercise,
             scope=sorted({*scope, *([report.to_unit] if report.to_unit else [])}),
             data={"number": incident.number, "title": incident.title, "grade": incident.grade,
                   "report": report.as_doc()})
    await plan_timers(uow, incident)
    return report


async def return_to_draft(uow: UnitOfWork, *, by: Principal, report_id: str) -> InfoReport:
    report, incident = await get_visible(uow.session, by, report_id)
    report.status = next_state(REPORT_TRANSITIONS, report.status, "return", what="report")
    await incidents.emit(uow, incident, "report.returned", {"report": report.as_doc()})
    return report


async def discard(uow: UnitOfWork, *, by: Principal, report_id: str) -> InfoReport:
    report, incident = await get_visible(uow.session, by, report_id)
    _own(report, by)
    report.status = next_state(REPORT_TRANSITIONS, report.status, "discard", what="report")
    await incidents.emit(uow, incident, "report.discarded", {"report": report.as_doc()})
    return report


async def mark_received(uow: UnitOfWork, *, by: Principal, report_id: str) -> InfoReport:
    report = await uow.session.get(InfoReport, report_id)
    if report is None or report.to_unit != by.unit_code or report.status != "submitted":
        raise not_found("report in your inbox", report_id)
    if report.received_at is None:
        report.received_at = utcnow()
        incident = await uow.session.get(Incident, report.incident_id)
        assert incident is not None
        uow.emit("report.received", subject=("incident", incident.id), exercise=incident.exercise,
                 scope=sorted({report.unit_code, by.unit_code}), data={"report": report.as_doc(),
                                                                         "number": incident.number})
    return report


async def inbox(session: AsyncSession, by: Principal, *, exercise: bool = False, limit: int = 100
                ) -> list[dict[str, Any]]:
    stmt = (select(InfoReport, Incident).join(Incident, Incident.id == InfoReport.incident_id)
            .where(InfoReport.to_unit == by.unit_code, InfoReport.status == "submitted",
                   InfoReport.exercise == exercise)
            .order_by(InfoReport.received_at.is_not(None), InfoReport.submitted_at.desc()).limit(limit))
    return [{**r.as_doc(), "incident": i.as_doc()} for r, i in (await session.execute(stmt)).all()]


async def timeliness(session: AsyncSession, by: Principal, *, start: datetime, end: datetime
                     ) -> list[dict[str, Any]]:
    """Per reporting unit in the caller's subtree: reports submitted in the period, on time, late, rate."""
    stmt = (select(InfoReport.unit_code, Unit.name, func.count(),
                   func.sum(case((InfoReport.on_time.is_(True), 1), else_=0)))
            .join(Unit, Unit.code == InfoReport.unit_code)
            .where(InfoReport.status == "submitted", InfoReport.exercise.is_(False),
                   InfoReport.submitted_at >= start, InfoReport.submitted_at < end, by.path_filter(Unit.path))
            .group_by(InfoReport.unit_code, Unit.name).order_by(InfoReport.unit_code))
    out = []
    for code, name, total, on_time in (await session.execute(stmt)).all():
        on_time = int(on_time or 0)
        out.append({"unit": code, "name": name, "submitted": int(total), "on_time": on_time,
                    "late": int(total) - on_time, "rate": round(on_time / total, 4) if total else None})
    return out


async def owed_by(session: AsyncSession, by: Principal, *, unit: str) -> list[dict[str, Any]]:
    """The reports `unit` owes now, one per open incident of its own, soonest first."""
    rows = (await session.execute(select(Incident).where(
        Incident.unit_code == unit, Incident.exercise.is_(False),
        (Incident.status != "closed") | (Incident.closed_at.is_not(None))))).scalars()
    out = []
    for incident in rows:
        owed = await next_due(session, incident)
        if owed is not None:
            out.append({"incident": {"id": incident.id, "number": incident.number, "title": incident.title,
                                     "grade": incident.grade},
                        **owed, "deadline": iso(owed["deadline"])})
    return sorted(out, key=lambda o: o["deadline"])
