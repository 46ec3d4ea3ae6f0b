"""The plan document itself: reading it from JSON or YAML text, checking it (the schema, then what a
schema cannot say: unique levels and keys, triggers that are valid schemas, group targets that
exist), a readable diff between two versions, and the date arithmetic of its cycles."""

from __future__ import annotations

import calendar
import hashlib
import json
from datetime import date, datetime, timedelta
from typing import Any

import orjson
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from command.categories.tree import FACTS
from core.problems import Problem
from core.validation import errors_of, satisfies
from plans_registry.schemas import PLAN_DOCUMENT

Errors = list[dict[str, str]]


def _plain(value: Any) -> Any:
    """YAML reads an unquoted 2026-04-01 as a date; the document holds it as text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def parse_text(fmt: str, text: str) -> tuple[Any, Errors]:
    """(document, []) or (None, [an error at "/" saying where the text stops making sense])."""
    try:
        if fmt == "json":
            return json.loads(text), []
        # Aliases could make a few lines expand into gigabytes when the document is written out.
        alias = next((ev for ev in yaml.parse(text) if isinstance(ev, yaml.AliasEvent)), None)
        if alias is not None:
            where = f" (line {alias.start_mark.line + 1})" if alias.start_mark is not None else ""
            return None, [{"pointer": "/", "message": f"YAML: aliases (*name) are not accepted{where}"}]
        return _plain(yaml.safe_load(text)), []
    except json.JSONDecodeError as e:
        return None, [{"pointer": "/", "message": f"JSON: {e.msg} (line {e.lineno}, column {e.colno})"}]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        return None, [{"pointer": "/", "message": f"YAML: {getattr(e, 'problem', None) or e}{where}"}]


def check(document: Any) -> Errors:
    """Every error in the document, each with the JSON pointer to where it is."""
    errors = errors_of(PLAN_DOCUMENT, document)
    if errors or not isinstance(document, dict):
        return errors
    seen_levels: set[int] = set()
    groups = {g["key"] for g in document["command"]["groups"]}
    if len(groups) != len(document["command"]["groups"]):
        errors.append({"pointer": "/command/groups", "message": "working group keys must be unique"})
    for i, level in enumerate(document["levels"]):
        if level["level"] in seen_levels:
            errors.append({"pointer": f"/levels/{i}/level", "message": f"level {level['level']} appears twice"})
        seen_levels.add(level["level"])
        try:
            Draft202012Validator.check_schema(level["trigger"])
            # A schema can be valid and still not evaluate (a $ref to nowhere, a remote $ref): try it
            # on an incident with nothing known, and on one with every fact, before it can be in force.
            for probe in ({"category": document["categories"][0], "grade": None},
                          {"category": document["categories"][0], "grade": "general", **dict.fromkeys(FACTS, 1)}):
                satisfies(level["trigger"], probe)
        except SchemaError as e:
            errors.append({"pointer": f"/levels/{i}/trigger", "message": f"not a valid JSON Schema: {e.message}"})
        except Exception as e:  # whatever the validator raises, the trigger is unusable
            errors.append({"pointer": f"/levels/{i}/trigger", "message": f"cannot be evaluated: {e}"})
        keys: set[str] = set()
        for j, action in enumerate(level["actions"]):
            if action["key"] in keys:
                errors.append({"pointer": f"/levels/{i}/actions/{j}/key",
                               "message": f"action key {action['key']} appears twice in this level"})
            keys.add(action["key"])
            group = action["target"].get("group")
            if group is not None and group not in groups:
                errors.append({"pointer": f"/levels/{i}/actions/{j}/target/group",
                               "message": f"no working group {group} in this plan"})
    for i, rule in enumerate(document.get("warning_triggers") or []):
        try:  # evaluable on a warning, before it can be in force
            satisfies(rule["trigger"], {"hazard": "rainstorm", "colour": "red", "level": 1, "unit": "000000"})
        except SchemaError as e:
            errors.append({"pointer": f"/warning_triggers/{i}/trigger",
                           "message": f"not a valid JSON Schema: {e.message}"})
        except Exception as e:  # whatever the validator raises, the trigger is unusable
            errors.append({"pointer": f"/warning_triggers/{i}/trigger", "message": f"cannot be evaluated: {e}"})
    return errors


def with_lines(text: str, errors: Errors) -> list[dict[str, Any]]:
    """Each error with the line of the text its pointer reaches (as deep as the text goes), so the
    editor can take the officer there. JSON is read as YAML for this: its structure is the same."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return list(errors)
    out: list[dict[str, Any]] = []
    for err in errors:
        node, line = root, (root.start_mark.line + 1 if root is not None else None)
        for part in [p.replace("~1", "/").replace("~0", "~") for p in err["pointer"].split("/")[1:]]:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if getattr(key, "value", None) == part:
                        child, line = value, key.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
                child = node.value[int(part)]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        out.append({**err, "line": line})
    return out


def unit_codes(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(pointer, code) of every unit the document names, for the registry to check they exist."""
    out = [("/owner_unit", document["owner_unit"])]
    cmd = document["command"]
    if "office" in cmd:
        out.append(("/command/office/unit", cmd["office"]["unit"]))
    out += [(f"/command/members/{i}", c) for i, c in enumerate(cmd.get("members", []))]
    for i, g in enumerate(cmd["groups"]):
        out.append((f"/command/groups/{i}/lead_unit", g["lead_unit"]))
        out += [(f"/command/groups/{i}/members/{j}", c) for j, c in enumerate(g.get("members", []))]
    for i, level in enumerate(document["levels"]):
        out += [(f"/levels/{i}/notify/{j}", c) for j, c in enumerate(level.get("notify", []))]
        for j, a in enumerate(level["actions"]):
            if "unit" in a["target"]:
                out.append((f"/levels/{i}/actions/{j}/target/unit", a["target"]["unit"]))
    return out


def require_valid(document: Any) -> dict[str, Any]:
    errors = check(document)
    if errors:
        raise Problem(422, f"{len(errors)} error(s) in the plan document", title="Invalid plan",
                      type="/problems/invalid", errors=errors)
    return document


def digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def level_of(document: dict[str, Any], level: int) -> dict[str, Any] | None:
    return next((lv for lv in document["levels"] if lv["level"] == level), None)


# --- diff -------------------------------------------------------------------------------------

def _identity(item: Any) -> str | None:
    if isinstance(item, dict):
        for key in ("key", "level"):
            if key in item:
                return f"{key}={item[key]}"
    return None


def diff(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """What changed, as `{"path", "op": added|removed|changed, "from", "to"}`. Lists of working
    groups, levels and actions are matched by their key or level, not by position, so inserting
    an action reads as one addition rather than every later action changing."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[dict[str, Any]] = []
        for k in [*old, *[k for k in new if k not in old]]:
            sub = f"{path}/{k}"
            if k not in new:
                out.append({"path": sub, "op": "removed", "from": old[k], "to": None})
            elif k not in old:
                out.append({"path": sub, "op": "added", "from": None, "to": new[k]})
            else:
                out += diff(old[k], new[k], sub)
        return out
    if isinstance(old, list) and isinstance(new, list) and old and new \
            and all(_identity(x) for x in old) and all(_identity(x) for x in new):
        before = {_identity(x): x for x in old}
        after = {_identity(x): x for x in new}
        out = []
        for ident in [*before, *[i for i in after if i not in before]]:
            sub = f"{path}[{ident}]"
            if ident not in after:
                out.append({"path": sub, "op": "removed", "from": before[ident], "to": None})
            elif ident not in before:
                out.append({"path": sub, "op": "added", "from": None, "to": after[ident]})
            else:
                out += diff(before[ident], after[ident], sub)
        return out
    if old != new:
        return [{"path": path or "/", "op": "changed", "from": old, "to": new}]
    return []


# --- dates --------------------------------------------------------------------------------------

def add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year, month = d.year + month // 12, month % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_working_days(d: date, days: int) -> date:
    """Monday to Friday; public holidays and the make-up working weekends are not known here, so
    the date can be a day or two early around a holiday (early is the safe side for a deadline)."""
    out = d
    while days > 0:
        out += timedelta(days=1)
        if out.weekday() < 5:
            days -= 1
    return out


def to_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
