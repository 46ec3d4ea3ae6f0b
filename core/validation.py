"""The one place documents are validated: JSON Schema 2020-12, errors as JSON pointers."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from core.problems import Problem

_format_checker = FormatChecker()


# Schemas are module-level constants: compile each once, keyed by identity.
_compiled: dict[int, tuple[dict[str, Any], Draft202012Validator]] = {}


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    hit = _compiled.get(id(schema))
    if hit is None or hit[0] is not schema:
        Draft202012Validator.check_schema(schema)
        hit = _compiled[id(schema)] = (schema, Draft202012Validator(schema, format_checker=_format_checker))
    return hit[1]


def _pointer(parts: Any) -> str:
    out = ""
    for part in parts:
        out += "/" + str(part).replace("~", "~0").replace("/", "~1")
    return out or "/"


def errors_of(schema: dict[str, Any], instance: Any) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    for err in sorted(validator_for(schema).iter_errors(instance), key=lambda e: list(e.absolute_path)):
        errors.extend(_describe(err))
    return errors


def _describe(err: ValidationError) -> list[dict[str, str]]:
    base = list(err.absolute_path)
    if err.validator == "required" and isinstance(err.instance, dict):
        missing = [name for name in err.validator_value if name not in err.instance]
        return [{"pointer": _pointer([*base, name]), "message": f"'{name}' is required"} for name in missing]
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = set(err.schema.get("properties", {}))
        extra = [k for k in err.instance if k not in allowed]
        return [{"pointer": _pointer([*base, k]), "message": f"'{k}' is not an accepted field"} for k in extra]
    return [{"pointer": _pointer(base), "message": err.message}]


def validate(schema: dict[str, Any], instance: Any) -> None:
    """Raise a 422 problem listing every error, each with the pointer to where it is."""
    errors = errors_of(schema, instance)
    if errors:
        raise Problem(422, f"{len(errors)} error(s) in the document", title="Invalid input",
                      type="/problems/invalid", errors=errors)


_rule_cache: dict[str, Draft202012Validator] = {}


def satisfies(schema: dict[str, Any], instance: Any) -> bool:
    """Whether `instance` meets a rule written as a JSON Schema (grading rules, plan triggers):
    one rule language, no eval. Rules come from the database, so compiled ones are cached by text."""
    import orjson

    key = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS).decode()
    validator = _rule_cache.get(key)
    if validator is None:
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema, format_checker=_format_checker)
        if len(_rule_cache) > 4096:
            _rule_cache.clear()
        _rule_cache[key] = validator
    return bool(validator.is_valid(instance))
