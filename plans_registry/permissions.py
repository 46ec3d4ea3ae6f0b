"""Who may manage plans (import, approve, file, retire, record drills) and launch them."""

from core.auth.permissions import grant

grant("commander", "plan.manage", "plan.activate")
grant("duty_leader", "plan.manage", "plan.activate")
