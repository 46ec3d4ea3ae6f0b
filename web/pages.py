"""Pages: sign-in, home, the live journal, the command-hall wall. Each renders the shell; page
scripts load their data over the JSON API and stay live over /ws."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from core.auth import service as auth
from core.auth.principal import Principal
from core.auth.sessions import COOKIE
from core.problems import Problem
from core.runtime import Runtime
from core.units import service as units
from web.i18n import LANGS, client_labels, translator, tz_label, unit_name
from web.sources import marked

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["marked"] = marked  # a rule's source with its [L]/[Q]/[P] mark as a word
LANG_COOKIE = "yingji_lang"


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _lang(request: Request, principal: Principal | None = None) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGS:
        return chosen
    return principal.lang if principal and principal.lang in LANGS else "zh"


async def _principal(request: Request) -> Principal | None:
    runtime = _runtime(request)
    data = runtime.signer.load(request.cookies.get(COOKIE))
    if data is None:
        return None
    async with runtime.db.read() as session:
        return await auth.principal_from_session(session, data)


def _safe_next(target: str | None) -> str:
    # Only local paths: never bounce a signed-in user to another site.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _render(request: Request, name: str, principal: Principal | None, status: int = 200,
            **context: Any) -> Response:
    lang = _lang(request, principal)
    page = {"lang": lang, "user": principal.as_doc() if principal else None,
            "labels": client_labels(lang), **context.pop("page", {})}
    return templates.TemplateResponse(request, name, {
        "t": translator(lang), "lang": lang, "principal": principal,
        "uname": lambda unit: unit_name(unit, lang), "tz_label": lambda tz: tz_label(tz, lang),
        "csrf": principal.csrf if principal else "",
        "page_json": orjson.dumps(page).decode().replace("</", "<\\/"), **context}, status_code=status)


def _login_redirect(request: Request) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(here)}", status_code=303)


async def login_form(request: Request) -> Response:
    return _render(request, "login.html", None, next=_safe_next(request.query_params.get("next")), error=None)


async def login_submit(request: Request) -> Response:
    runtime = _runtime(request)
    form = await request.form()
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    asked = str(form.get("next", "") or "")
    target = _safe_next(asked or "/")
    ip = request.client.host if request.client else "?"
    try:
        async with runtime.db.write() as uow:
            user = await auth.sign_in(uow, username=username, password=password, ip=ip,
                                      max_failures=runtime.settings.login_max_failures,
                                      window_s=runtime.settings.login_window_s)
            signed = await auth.principal_for(uow.session, user)
            uow.actor = signed.actor
            user_id, epoch = user.id, user.session_epoch
    except Problem as problem:
        if problem.status == 401:
            await auth.record_login_failure(runtime.db, username=username, ip=ip)
        key = "login.limited" if problem.status == 429 else "login.bad"
        return _render(request, "login.html", None, status=problem.status, next=target, error=key,
                       username=username)
    if target == "/":  # no page asked for: the one this role needs first
        target = runtime.settings.landing_for(signed.roles)
    cookie, _csrf = runtime.signer.sign(user_id, epoch)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, cookie, max_age=runtime.settings.session_max_age_s, httponly=True,
                        samesite="lax", secure=runtime.settings.cookie_secure)
    return response


async def logout(request: Request) -> Response:
    principal = await _principal(request)
    form = await request.form()
    if principal is not None and form.get("csrf") != principal.csrf:
        raise_forbidden = Response("CSRF token missing", status_code=403)
        return raise_forbidden
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


async def set_lang(request: Request) -> Response:
    lang = request.path_params["lang"]
    response = RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


async def home(request: Request) -> Response:
    principal = await _principal(request)
    if principal is None:
        return _login_redirect(request)
    runtime = _runtime(request)
    async with runtime.db.read() as session:
        unit = await units.get_visible(session, principal, principal.unit_code)
        tz = await units.timezone_of(session, unit.code, runtime.settings.default_tz)
        children = [u for u in await units.list_visible(session, principal) if u.parent_code == unit.code]
    return _render(request, "home.html", principal, unit=unit, tz=tz, children=children,
                   page={"tz": tz, "unit": unit.as_doc()})


async def journal_page(request: Request) -> Response:
    principal = await _principal(request)
    if principal is None:
        return _login_redirect(request)
    runtime = _runtime(request)
    exercise = request.query_params.get("exercise") in ("1", "true")
    async with runtime.db.read() as session:
        tz = await units.timezone_of(session, principal.unit_code, runtime.settings.default_tz)
    return _render(request, "journal.html", principal, exercise=exercise,
                   page={"tz": tz, "exercise": exercise})


async def hall(request: Request) -> Response:
    runtime = _runtime(request)
    token = request.query_params.get("token")
    principal: Principal | None
    if token:
        async with runtime.db.read() as session:
            principal = await auth.principal_from_token(session, token)
    else:
        principal = await _principal(request)
    if principal is None:
        return _login_redirect(request)
    exercise = request.query_params.get("exercise") in ("1", "true")
    async with runtime.db.read() as session:
        unit = await units.get_visible(session, principal, principal.unit_code)
        tz = await units.timezone_of(session, unit.code, runtime.settings.default_tz)
        subunits = [u.as_doc() for u in await units.list_visible(session, principal)
                    if u.parent_code == unit.code]
    return _render(request, "hall.html", principal, unit=unit, exercise=exercise,
                   page={"tz": tz, "exercise": exercise, "unit": unit.as_doc(), "subunits": subunits,
                         "token": token})


async def error_page(request: Request, status: int) -> Response:
    key = {404: "error.404", 403: "error.403"}.get(status, "error.other")
    return _render(request, "error.html", None, status=status, message_key=key)


PageHandler = Callable[[Request, Principal], Awaitable[Response]]


def signed_in_page(fn: PageHandler) -> Callable[[Request], Awaitable[Response]]:
    """A page for signed-in users: others go to sign-in; a unit or thing the user may not see (or a
    malformed parameter) is the 404 page, as the API would answer."""
    async def endpoint(request: Request) -> Response:
        principal = await _principal(request)
        if principal is None:
            return _login_redirect(request)
        try:
            return await fn(request, principal)
        except Problem as problem:
            return await error_page(request, problem.status if problem.status in (403, 404) else 404)

    endpoint.__name__ = fn.__name__
    return endpoint


def routes() -> list[BaseRoute]:
    return [
        Route("/", home),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/lang/{lang}", set_lang),
        Route("/journal", journal_page),
        Route("/hall", hall),
    ]
