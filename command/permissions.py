"""What command roles may do (granted at import)."""

from core.auth.permissions import grant

grant("duty_officer", "intake.create", "intake.verify", "report.draft")
grant("duty_leader", "intake.create", "intake.verify", "report.draft", "report.sign", "incident.grade",
      "incident.manage", "incident.verify_entry")
grant("commander", "intake.create", "intake.verify", "report.draft", "report.sign", "incident.grade",
      "incident.manage", "incident.verify_entry")
grant("dispatcher", "intake.create", "report.draft")
grant("integration", "intake.create")

# Tasks: dispatching is command work; working a task is every duty room's and team's.
for _role in ("commander", "dispatcher", "duty_leader", "duty_officer"):
    grant(_role, "task.dispatch", "task.work")
grant("team_member", "task.work")
grant("commander", "consult.convene")
grant("duty_leader", "consult.convene")
# Resources: every duty room keeps its registries and asks its superior; commanders and duty leaders decide.
for _role in ("duty_officer", "duty_leader", "commander"):
    grant(_role, "resource.manage", "resource.request")
grant("commander", "resource.decide")
grant("duty_leader", "resource.decide")
# Warnings: issuing is the duty leader's and commander's (and an integration's, for CAP); every duty
# room signs for, reports precautions and passes warnings down.
for _role in ("commander", "duty_leader", "integration"):
    grant(_role, "warning.issue")
for _role in ("commander", "duty_leader", "duty_officer"):
    grant(_role, "warning.sign", "warning.forward")
