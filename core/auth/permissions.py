"""Roles and what they may do. Higher packages add their permissions with `grant` at import."""

from __future__ import annotations

ROLES: dict[str, tuple[str, str]] = {
    "admin": ("系统管理员", "Administrator"),
    "commander": ("指挥长", "Commander"),
    "duty_leader": ("带班领导", "Duty leader"),
    "duty_officer": ("值班员", "Duty officer"),
    "dispatcher": ("调度员", "Dispatcher"),
    "team_member": ("队员", "Team member"),
    "viewer": ("只读", "Viewer"),
    "integration": ("系统对接", "Integration"),
}

_granted: dict[str, set[str]] = {role: set() for role in ROLES}
_granted["admin"].add("*")


def grant(role: str, *permissions: str) -> None:
    if role not in ROLES:
        raise KeyError(role)
    _granted[role].update(permissions)


def allowed(roles: frozenset[str] | set[str], permission: str) -> bool:
    return any("*" in _granted.get(r, ()) or permission in _granted.get(r, ()) for r in roles)


# The kernel's own permissions.
grant("admin", "units.manage", "users.manage")
for _role in ROLES:
    grant(_role, "journal.read", "units.read", "tokens.own")
