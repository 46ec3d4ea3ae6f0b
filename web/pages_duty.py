"""Duty pages: the console (值班台), the board for superiors (值班总览), the roster, the duty rules,
notices, and the printable duty log. Page scripts load over the API and stay live over /ws."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from command.categories import grading, instruments
from command.categories.tree import CATEGORIES, in_prefix
from command.reports import service as reports
from core.auth.principal import Principal
from core.orm import utcnow
from core.problems import Problem
from core.units import service as units
from duty.common import duty_date, subordinate_duty_units
from duty.log import service as dutylog
from duty.log.models import LOG_KINDS
from duty.notices.models import URGENCY
from duty.rosters import service as rosters
from duty.rosters.resolver import holders_at, posts_held_by
from duty.rosters.shifts import instance
from duty.rules import service as rules
from web.i18n import unit_name
from web.messages_command import RULE_TEXT_EN
from web.pages import _lang, _render, _runtime, signed_in_page


def _kinds(lang: str) -> dict[str, str]:
    i = 0 if lang == "zh" else 1
    return {k: v[i] for k, v in LOG_KINDS.items()}


@signed_in_page
async def console(request: Request, principal: Principal) -> Response:
    runtime = _runtime(request)
    async with runtime.db.read() as session:
        unit = await units.get_visible(session, principal, principal.unit_code)
        tz = await units.timezone_of(session, unit.code, runtime.settings.default_tz)
        posts = [p.as_doc() for p in await rosters.list_posts(session, unit.code)]
        held = [p for u, p in await posts_held_by(session, user_id=principal.user_id, at=utcnow()) if u == unit.code]
        subs = [u.as_doc() for u in await subordinate_duty_units(session, principal)]
        parent = await session.get(units.Unit, unit.parent_code) if unit.parent_code else None
    lang = request.cookies.get("yingji_lang") or principal.lang
    return _render(request, "duty_console.html", principal, unit=unit,
                   page={"tz": tz, "unit": unit.as_doc(), "posts": posts, "held": held, "subunits": subs,
                         "parent": parent.as_doc() if parent else None,
                         "kinds": _kinds(lang),
                         "urgency": {k: v[0 if lang == "zh" else 1] for k, v in URGENCY.items()}})


@signed_in_page
async def board(request: Request, principal: Principal) -> Response:
    runtime = _runtime(request)
    async with runtime.db.read() as session:
        unit = await units.get_visible(session, principal, principal.unit_code)
        tz = await units.timezone_of(session, unit.code, runtime.settings.default_tz)
        subs = [u.as_doc() for u in await subordinate_duty_units(session, principal)]
    return _render(request, "duty_board.html", principal, unit=unit,
                   page={"tz": tz, "unit": unit.as_doc(), "subunits": subs,
                         "can_rollcall": principal.can("duty.rollcall.start")})


@signed_in_page
async def roster(request: Request, principal: Principal) -> Response:
    runtime = _runtime(request)
    code = request.query_params.get("unit") or principal.unit_code
    async with runtime.db.read() as session:
        unit = await units.get_visible(session, principal, code)
        tz = await units.timezone_of(session, unit.code, runtime.settings.default_tz)
        month = request.query_params.get("month") or utcnow().astimezone(ZoneInfo(tz)).strftime("%Y-%m")
        posts = [p.as_doc() for p in await rosters.list_posts(session, unit.code)]
        subs = [u.as_doc() for u in await subordinate_duty_units(session, principal, unit.code)]
    return _render(request, "duty_roster.html", principal, unit=unit, month=month,
                   page={"tz": tz, "unit": unit.as_doc(), "month": month, "posts": posts, "subunits": subs})


def _instrument_rows(grade_rules: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The category → instrument table, each top category saying when nothing grades it."""
    graded = {r["category_prefix"] for r in grade_rules}
    rows = instruments.mapping()
    for row in rows:
        cat = str(row["category"])
        whole = any(in_prefix(cat, p) for p in graded)  # a rule for the category itself or above it
        why = grading.no_rule_reason(cat)
        row["no_grading"] = "" if whole else (RULE_TEXT_EN.get(why, why) if lang == "en" else why)
    return rows


@signed_in_page
async def rules_page(request: Request, principal: Principal) -> Response:
    runtime = _runtime(request)
    code = request.query_params.get("unit") or principal.unit_code
    async with runtime.db.read() as session:
        unit = await units.get_visible(session, principal, code)
        view = await rules.view(session, unit.code)
        setters = {r["from"] for r in view["rules"]} - {"default"}
        lang = _lang(request, principal)
        from_names = {c: unit_name(u, lang) for c in setters if (u := await session.get(units.Unit, c)) is not None}
        # The reporting deadlines and grading rules that bind this unit, with their clocks and sources.
        report_rules = [r.as_doc() for r in await reports.rules_for(session, unit.code)]
        grade_rules = [r.as_doc() for r in await grading.rules_in_force(session, unit=unit.code)]
    return _render(request, "duty_rules.html", principal, unit=unit, rules=view["rules"], from_names=from_names,
                   report_rules=report_rules, grade_rules=grade_rules,
                   categories={k: v[0 if lang == "zh" else 1] for k, v in CATEGORIES.items()},
                   instruments=_instrument_rows(grade_rules, lang),
                   rule_text=RULE_TEXT_EN if lang == "en" else {},
                   can_edit=principal.can("duty.rules.manage"), page={"unit": unit.as_doc()})


@signed_in_page
async def notices_page(request: Request, principal: Principal) -> Response:
    runtime = _runtime(request)
    async with runtime.db.read() as session:
        unit = await units.get_visible(session, principal, principal.unit_code)
        tz = await units.timezone_of(session, unit.code, runtime.settings.default_tz)
        subs = [u.as_doc() for u in await subordinate_duty_units(session, principal)]
        parent = await session.get(units.Unit, unit.parent_code) if unit.parent_code else None
    lang = request.cookies.get("yingji_lang") or principal.lang
    return _render(request, "duty_notices.html", principal, unit=unit,
                   page={"tz": tz, "unit": unit.as_doc(), "subunits": subs,
                         "parent": parent.as_doc() if parent else None,
                         "can_send": principal.can("duty.notice.send"),
                         "urgency": {k: v[0 if lang == "zh" else 1] for k, v in URGENCY.items()}})


@signed_in_page
async def log_print(request: Request, principal: Principal) -> Response:
    runtime = _runtime(request)
    code = request.query_params.get("unit") or principal.unit_code
    async with runtime.db.read() as session:
        unit = await units.get_visible(session, principal, code)
        try:
            day = (date.fromisoformat(request.query_params["date"]) if "date" in request.query_params
                   else await duty_date(session, unit.code, utcnow()))
        except ValueError:
            raise Problem(404, "no such date") from None
        tz = ZoneInfo(await units.timezone_of(session, unit.code, runtime.settings.default_tz))
        entries = await dutylog.entries(session, principal, unit=unit.code, day=day)
        # Who held each post, for the paper file: at the start of each shift of the duty date.
        shifts = [instance(sh, day, tz) for sh in await rules.value(session, unit.code, "shifts")]
        on_duty: list[dict[str, Any]] = []
        for sh in shifts:
            for p in await holders_at(session, unit=unit.code, at=sh.starts_at + timedelta(minutes=1)):
                on_duty.append({**p, "shift": f"{sh.starts_at.astimezone(tz):%H:%M}–{sh.ends_at.astimezone(tz):%H:%M}"
                                if len(shifts) > 1 else ""})
    lang = request.cookies.get("yingji_lang") or principal.lang
    index = {e.id: i + 1 for i, e in enumerate(entries)}
    # A 24-hour shift crosses midnight: a time on another calendar day than the duty date says which.
    def when(at: Any) -> str:
        local = at.astimezone(tz)
        return local.strftime("%H:%M") if local.date() == day else local.strftime("%Y-%m-%d %H:%M")

    rows: list[dict[str, Any]] = [{"n": index[e.id], "time": when(e.at),
                                   "kind": _kinds(lang).get(e.kind, e.kind), "counterpart": e.counterpart,
                                   "summary": e.summary, "author": e.author_name,
                                   "corrects": index.get(e.corrects_id or "")} for e in entries]
    return _render(request, "duty_print.html", principal, unit=unit, day=day.isoformat(), rows=rows,
                   on_duty=on_duty, printed=utcnow().astimezone(tz).strftime("%Y-%m-%d %H:%M"))


def routes() -> list[BaseRoute]:
    return [
        Route("/duty", console),
        Route("/duty/board", board),
        Route("/duty/roster", roster),
        Route("/duty/rules", rules_page),
        Route("/duty/notices", notices_page),
        Route("/duty/log/print", log_print),
    ]
