"""Status machines are tables {(state, action): next_state}; this is the one place that applies them."""

from __future__ import annotations

from collections.abc import Mapping

from core.problems import Problem


def next_state(table: Mapping[tuple[str, str], str], state: str, action: str, *, what: str) -> str:
    """The state after `action`, or a 409 problem naming what is allowed from `state`."""
    try:
        return table[(state, action)]
    except KeyError:
        allowed = sorted(a for (s, a) in table if s == state)
        raise Problem(409, f"cannot {action} a {what} that is {state}"
                           + (f"; allowed: {', '.join(allowed)}" if allowed else ""),
                      type="/problems/invalid-transition", state=state, action=action) from None


def states_of(table: Mapping[tuple[str, str], str]) -> list[str]:
    seen: list[str] = []
    for (src, _action), dst in table.items():
        for s in (src, dst):
            if s not in seen:
                seen.append(s)
    return seen
