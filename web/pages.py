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
from core.auth import throttle
from core.auth.credentials import read_credential, resolve
from core.auth.principal import Principal
from core.auth.sessions import COOKIE, DEVICE_COOKIE, DEVICE_MAX_AGE_S, DISPLAY_COOKIE
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


async def _principal(request: Request, *, display: bool = False) -> Principal | None:
    """The signed-in person (or, where `display`, a hall wall). Pages' own policy: cookies only,
    and a display's credential opens the hall and nothing else."""
    runtime = _runtime(request)
    try:
        cred = read_credential({}, request.cookies)
    except Problem:
        return None
    if cred is None or (cred.kind == "display" and not display):
        return None
    async with runtime.db.read() as session:
        return await resolve(session, runtime.signer, cred)


def client_ip(request: Request) -> str:
    """The real client address: the peer, or behind a configured proxy its right-most untrusted hop."""
    runtime = _runtime(request)
    proxies = runtime.extras.get("trusted_proxies")
    if proxies is None:
        proxies = runtime.extras["trusted_proxies"] = throttle.parse_networks(runtime.settings.trusted_proxies)
    return throttle.client_address(request.client.host if request.client else None,
                                   request.headers.get("x-forwarded-for"), proxies)


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
    ip = client_ip(request)
    device = runtime.signer.load_device(request.cookies.get(DEVICE_COOKIE))
    trusted = device is not None and device[0] == username
    # A browser this account signed in with before is counted on its own, not with its address.
    client = f"device:{device[1]}" if trusted and device else ip
    now = runtime.clock()
    limits = throttle.Limits.of(runtime.settings)
    try:
        async with runtime.db.write() as uow:
            user = await auth.sign_in(uow, username=username, password=password, client=client, address=ip,
                                      trusted_device=trusted, now=now, limits=limits)
            signed = await auth.principal_for(uow.session, user)
            uow.actor = signed.actor
            row, secret = await auth.start_session(uow, user=user, ip=ip,
                                                   user_agent=request.headers.get("user-agent", ""),
                                                   max_age_s=runtime.settings.session_max_age_s)
            session_id = row.id
    except Problem as problem:
        if problem.status == 401:
            await throttle.record_failure(runtime.db, username=username, client=client, address=ip, now=now,
                                          limits=limits)
        key = "login.limited" if problem.status == 429 else "login.bad"
        response = _render(request, "login.html", None, status=problem.status, next=target, error=key,
                           username=username)
        if "retry_after" in problem.extra:
            response.headers["Retry-After"] = str(problem.extra["retry_after"])
        return response
    if target == "/":  # no page asked for: the one this role needs first
        target = runtime.settings.landing_for(signed.roles)
    cookie = runtime.signer.sign(session_id, secret)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, cookie, max_age=runtime.settings.session_max_age_s, httponly=True,
                        samesite="lax", secure=runtime.settings.cookie_secure)
    response.set_cookie(DEVICE_COOKIE, runtime.signer.sign_device(username), max_age=DEVICE_MAX_AGE_S,
                        httponly=True, samesite="strict", secure=runtime.settings.cookie_secure)
    return response


async def logout(request: Request) -> Response:
    principal = await _principal(request)
    form = await request.form()
    if principal is not None and form.get("csrf") != principal.csrf:
        raise_forbidden = Response("CSRF token missing", status_code=403)
        return raise_forbidden
    if principal is not None and principal.session_id:
        # Ends the session on the server: a copy of the cookie is worthless from now on.
        async with _runtime(request).db.write(principal.actor) as uow:
            user = await auth.get_visible_user(uow.session, principal, principal.user_id)
            await auth.end_sessions(uow, user=user, reason="signed_out", session_ids=[principal.session_id])
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
    # A person's session first; else a wall's display cookie. A token in the URL is never accepted.
    principal = await _principal(request) or await _principal(request, display=True)
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
                         "display": principal.via == "display"})


async def hall_connect_form(request: Request) -> Response:
    """The page a wall opens as /hall/connect#KEY: its script posts the key (a fragment never
    reaches the server, its log or a Referer) and the answer sets the display cookie."""
    return _render(request, "hall_connect.html", None)


async def hall_connect(request: Request) -> Response:
    runtime = _runtime(request)
    origin = request.headers.get("origin")
    if origin is None or origin.split("://", 1)[-1] != request.headers.get("host"):
        return Response(status_code=403)  # only our own page may trade a key
    try:
        key = str(orjson.loads(await request.body())["key"])[:200]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return Response(status_code=400)
    async with runtime.db.write() as uow:
        cookie = await auth.exchange_display(uow, key=key)
    if cookie is None:
        return Response(status_code=401)
    response = Response(status_code=204)
    response.set_cookie(DISPLAY_COOKIE, cookie, max_age=400 * 86400, httponly=True, samesite="lax",
                        secure=runtime.settings.cookie_secure)
    return response


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


@signed_in_page
async def account(request: Request, principal: Principal) -> Response:
    """账号与安全: my sessions; for user administrators, the hall display credentials."""
    runtime = _runtime(request)
    async with runtime.db.read() as session:
        sessions = [s.as_doc(principal.session_id) for s in await auth.list_sessions(session,
                                                                                     user_id=principal.user_id)]
        displays = units_list = None
        if principal.can("users.manage"):
            displays = [d.as_doc() for d in await auth.list_displays(session, principal)]
            units_list = [u for u in await units.list_visible(session, principal)]
        tz = await units.timezone_of(session, principal.unit_code, runtime.settings.default_tz)
    return _render(request, "account.html", principal, sessions=sessions, displays=displays, units=units_list,
                   page={"tz": tz})


def routes() -> list[BaseRoute]:
    return [
        Route("/", home),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/lang/{lang}", set_lang),
        Route("/journal", journal_page),
        Route("/account", account),
        Route("/hall", hall),
        Route("/hall/connect", hall_connect_form, methods=["GET"]),
        Route("/hall/connect", hall_connect, methods=["POST"]),
    ]
