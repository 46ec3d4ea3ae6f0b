"""Every label a person sees, Chinese first, English complete. Templates call `t(key)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from command.labels import EVENT_LABELS as COMMAND_EVENT_LABELS
from command.labels import SUBJECT_LABELS as COMMAND_SUBJECT_LABELS
from core.auth.permissions import ROLES
from core.journal import catalogue
from duty.labels import EVENT_LABELS as DUTY_EVENT_LABELS
from duty.labels import SUBJECT_LABELS as DUTY_SUBJECT_LABELS
from plans_registry.labels import EVENT_LABELS as PLAN_EVENT_LABELS
from plans_registry.labels import SUBJECT_LABELS as PLAN_SUBJECT_LABELS
from web.messages_cap import CAP_MESSAGES
from web.messages_command import COMMAND_MESSAGES
from web.messages_duty import DUTY_MESSAGES
from web.messages_plans import PLAN_MESSAGES
from web.messages_resources import RESOURCE_MESSAGES
from web.messages_tasks import TASK_MESSAGES
from web.messages_warnings import WARNING_MESSAGES

LANGS = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "app.name": "应急指挥与值班值守平台",
        "app.short": "应急",
        "nav.home": "首页",
        "nav.journal": "事件流水",
        "nav.hall": "指挥大厅",
        "nav.api": "接口文档",
        "nav.signout": "退出",
        "nav.more": "更多",
        "nav.tabbar": "主要功能",
        "lang.switch": "English",
        "login.title": "登录",
        "login.username": "用户名",
        "login.password": "密码",
        "login.submit": "登录",
        "login.bad": "用户名或密码错误",
        "login.limited": "失败次数过多，请稍后再试",
        "live.connected": "实时已连接",
        "live.connecting": "正在连接…",
        "live.reconnecting": "正在重连…",
        "live.offline": "离线，自 {since} 起",
        "live.reset": "数据已重新加载",
        "journal.title": "事件流水",
        "journal.hint": "本单位及下级单位的所有变更，实时到达；最新在上。",
        "journal.empty": "暂无事件",
        "journal.seq": "序号",
        "journal.time": "时间",
        "journal.type": "事件",
        "journal.subject": "对象",
        "journal.actor": "操作人",
        "journal.units": "可见单位",
        "journal.system": "系统",
        "journal.more": "加载更早的事件",
        "journal.drill": "演练",
        "journal.live": "实战",
        "home.title": "工作台",
        "home.welcome": "{name}，您好",
        "home.unit": "所属单位",
        "home.roles": "角色",
        "home.tz": "时区",
        "home.subunits": "下级单位",
        "home.recent": "最近事件",
        "home.none": "无",
        "hall.title": "指挥大厅",
        "hall.incidents": "进行中事件",
        "hall.no_incidents": "无进行中事件",
        "hall.tasks": "任务态势",
        "hall.no_tasks": "无进行中任务",
        "hall.tasks_unsigned": "待签收", "hall.tasks_working": "执行中", "hall.tasks_verify": "待核验",
        "hall.tasks_overdue": "逾期",
        "hall.duty": "各单位值班",
        "hall.warnings": "预警信息",
        "hall.no_warnings": "无生效预警",
        "hall.ticker": "动态",
        "hall.counters": "统计",
        "hall.events_today": "今日事件流水",
        "hall.units": "下级单位",
        "hall.map": "态势图",
        "login.hint": "请使用本单位分配的账号登录",
        "live.label": "实时连接状态",
        "journal.to_drill": "查看演练流水",
        "journal.to_live": "返回实战流水",
        "journal.loading": "正在加载…",
        "journal.load_failed": "加载失败，正在重试…",
        "home.jurisdictions": "下辖行政区",
        "home.agencies": "部门与队伍",
        "hall.live": "实战",
        "hall.more": "另有 {n} 项",
        "hall.no_units": "无下级单位",
        "hall.no_coords": "下级单位均无坐标，无法绘制态势图",
        "hall.no_events": "暂无动态",
        "account.title": "账号与安全",
        "account.sessions": "我的登录会话",
        "account.sessions_hint": "每个浏览器的登录都列在这里；结束一个会话，该浏览器即刻退出，其实时连接同时断开。",
        "account.device": "设备",
        "account.ip": "地址",
        "account.signed_in": "登录时间",
        "account.last_seen": "最近使用",
        "account.current": "当前会话",
        "account.end": "结束",
        "account.end_all": "全部退出登录",
        "account.end_all_confirm": "结束本账号的全部会话（包括当前这个）？",
        "account.displays": "指挥大厅大屏凭据",
        "account.displays_hint": ("大屏凭据只读、绑定一个单位的大厅；接入地址只显示一次，"
                                  "大屏打开后即换成 Cookie，地址随即作废。"),
        "account.display_unit": "大厅单位",
        "account.display_label": "名称",
        "account.display_create": "新建凭据",
        "account.display_state": "状态",
        "account.display_url": "在大屏浏览器中打开（仅此一次）：",
        "account.waiting": "待接入",
        "account.connected": "已接入",
        "account.revoked": "已吊销",
        "account.revoke": "吊销",
        "nav.account": "账号与安全",
        "hall.connect_title": "大屏接入",
        "hall.connecting": "正在接入指挥大厅大屏……",
        "hall.connect_failed": "接入失败：凭据无效、已使用或已注销。请向系统管理员申请新的大屏凭据。",
        "hall.map_legend_county": "下辖行政区",
        "hall.map_legend_other": "部门与队伍",
        "hall.map_legend_self": "本级",
        "hall.map_note": "按坐标示意，无底图",
        "drill.banner": "演练",
        "error.title": "出错了",
        "error.404": "页面不存在",
        "error.403": "无权访问",
        "error.other": "服务暂时不可用",
        "error.back": "返回首页",
    },
    "en": {
        "app.name": "Emergency Command & Duty Watch",
        "app.short": "Yingji",
        "nav.home": "Home",
        "nav.journal": "Event log",
        "nav.hall": "Command hall",
        "nav.api": "API",
        "nav.signout": "Sign out",
        "nav.more": "More",
        "nav.tabbar": "Main sections",
        "lang.switch": "中文",
        "login.title": "Sign in",
        "login.username": "Username",
        "login.password": "Password",
        "login.submit": "Sign in",
        "login.bad": "Wrong username or password",
        "login.limited": "Too many failed attempts; try again in a few minutes",
        "live.connected": "Live",
        "live.connecting": "Connecting…",
        "live.reconnecting": "Reconnecting…",
        "live.offline": "Offline since {since}",
        "live.reset": "Data reloaded",
        "journal.title": "Event log",
        "journal.hint": "Every change in your unit and below, as it happens; newest first.",
        "journal.empty": "No events yet",
        "journal.seq": "Seq",
        "journal.time": "Time",
        "journal.type": "Event",
        "journal.subject": "Subject",
        "journal.actor": "By",
        "journal.units": "Visible to",
        "journal.system": "System",
        "journal.more": "Load earlier events",
        "journal.drill": "Drill",
        "journal.live": "Live",
        "home.title": "Workspace",
        "home.welcome": "Hello, {name}",
        "home.unit": "Unit",
        "home.roles": "Roles",
        "home.tz": "Time zone",
        "home.subunits": "Subordinate units",
        "home.recent": "Recent events",
        "home.none": "None",
        "hall.title": "Command hall",
        "hall.incidents": "Active incidents",
        "hall.no_incidents": "No active incidents",
        "hall.tasks": "Tasks",
        "hall.no_tasks": "No open tasks",
        "hall.tasks_unsigned": "Not signed for", "hall.tasks_working": "In progress", "hall.tasks_verify": "To verify",
        "hall.tasks_overdue": "Overdue",
        "hall.duty": "Duty by unit",
        "hall.warnings": "Warnings",
        "hall.no_warnings": "No warnings in force",
        "hall.ticker": "Feed",
        "hall.counters": "Counters",
        "hall.events_today": "Events today",
        "hall.units": "Subordinate units",
        "hall.map": "Map",
        "login.hint": "Sign in with the account your unit issued to you",
        "live.label": "Live connection",
        "journal.to_drill": "View drill log",
        "journal.to_live": "Back to live log",
        "journal.loading": "Loading…",
        "journal.load_failed": "Could not load; retrying…",
        "home.jurisdictions": "Jurisdictions",
        "home.agencies": "Agencies and teams",
        "hall.live": "REAL",
        "hall.more": "{n} more",
        "hall.no_units": "No subordinate units",
        "hall.no_coords": "No subordinate unit has coordinates; nothing to draw",
        "hall.no_events": "Nothing yet",
        "account.title": "Account and security",
        "account.sessions": "My sessions",
        "account.sessions_hint": ("Every browser signed in as you; ending a session signs that browser out at"
                                 " once and closes its live connection."),
        "account.device": "Device",
        "account.ip": "Address",
        "account.signed_in": "Signed in",
        "account.last_seen": "Last used",
        "account.current": "This session", "account.end": "End", "account.end_all": "Sign out everywhere",
        "account.end_all_confirm": "End every session of this account, this one included?",
        "account.displays": "Hall display credentials",
        "account.displays_hint": ("Read-only, bound to one unit's hall; the connect address is shown once and void"
                                 " once the wall has traded it for a cookie."),
        "account.display_unit": "Hall unit",
        "account.display_label": "Name",
        "account.display_create": "New credential",
        "account.display_state": "State", "account.display_url": "Open on the wall's browser (once):",
        "account.waiting": "Waiting",
        "account.connected": "Connected",
        "account.revoked": "Revoked",
        "account.revoke": "Revoke",
        "nav.account": "Account",
        "hall.connect_title": "Connect a display",
        "hall.connecting": "Connecting this wall display…",
        "hall.connect_failed": ("Could not connect: the key is unknown, already used or revoked. "
                                "Ask an administrator for a new display credential."),
        "hall.map_legend_county": "Jurisdictions",
        "hall.map_legend_other": "Agencies and teams",
        "hall.map_legend_self": "This unit",
        "hall.map_note": "Schematic from coordinates; no base map",
        "drill.banner": "DRILL",
        "error.title": "Something went wrong",
        "error.404": "No such page",
        "error.403": "Not allowed",
        "error.other": "Service unavailable",
        "error.back": "Back to home",
    },
}

# Event types as people read them: from the event catalogues (core's here, each domain's below).
EVENT_LABELS: dict[str, tuple[str, str]] = catalogue.labels(catalogue.EVENTS)

SUBJECT_LABELS: dict[str, tuple[str, str]] = {
    "unit": ("单位", "Unit"),
    "user": ("用户", "User"),
    "facility": ("场所", "Facility"),
}


TZ_LABELS: dict[str, tuple[str, str]] = {
    "Asia/Shanghai": ("北京时间", "China Standard Time"),
    "Asia/Urumqi": ("新疆时间", "Xinjiang Time"),
}


def tz_label(tz: str, lang: str) -> str:
    """"北京时间（Asia/Shanghai）": the zone as people say it, with its name for the technical."""
    names = TZ_LABELS.get(tz)
    if names is None:
        return tz
    return f"{names[0]}（{tz}）" if lang == "zh" else f"{names[1]} ({tz})"


def unit_name(unit: Any, lang: str) -> str:
    """A unit's name in the page's language: its English name when there is one, else its own."""
    get = unit.get if isinstance(unit, dict) else lambda k: getattr(unit, k, None)
    if lang == "en" and get("name_en"):
        return str(get("name_en"))
    return str(get("name"))


# Domains' labels and pages' messages, merged here so there is one table to read.
EVENT_LABELS.update(DUTY_EVENT_LABELS)
SUBJECT_LABELS.update(DUTY_SUBJECT_LABELS)
EVENT_LABELS.update(COMMAND_EVENT_LABELS)
SUBJECT_LABELS.update(COMMAND_SUBJECT_LABELS)
EVENT_LABELS.update(PLAN_EVENT_LABELS)
SUBJECT_LABELS.update(PLAN_SUBJECT_LABELS)
for _messages in (DUTY_MESSAGES, COMMAND_MESSAGES, PLAN_MESSAGES, TASK_MESSAGES, RESOURCE_MESSAGES,
                  WARNING_MESSAGES, CAP_MESSAGES):
    for _lang, _table in _messages.items():
        MESSAGES[_lang].update(_table)


def translator(lang: str) -> Callable[..., str]:
    table = MESSAGES.get(lang, MESSAGES["zh"])

    def t(key: str, **kw: str) -> str:
        text = table.get(key) or MESSAGES["zh"].get(key) or key
        return text.format(**kw) if kw else text

    return t


# Message families page scripts need (the rest are rendered on the server).
CLIENT_PREFIXES = ("live.", "journal.", "hall.", "duty.", "urgency.", "cmd.", "status.", "rk.", "rs.", "rf.", "role.",
                   "task.", "plan.", "res.", "warn.", "account.")


def client_labels(lang: str) -> dict[str, object]:
    """What page scripts need to label events and the connection, in the page's language."""
    i = 0 if lang == "zh" else 1
    table = MESSAGES.get(lang, MESSAGES["zh"])
    return {
        "events": {k: v[i] for k, v in EVENT_LABELS.items()},
        "subjects": {k: v[i] for k, v in SUBJECT_LABELS.items()},
        "roles": {k: v[i] for k, v in ROLES.items()},
        "ui": {k: v for k, v in table.items() if k.startswith(CLIENT_PREFIXES)},
    }
