"""What duty roles may do (granted at import; the kernel's roles table stays the one source)."""

from core.auth.permissions import grant

grant("duty_leader", "duty.roster.manage", "duty.rules.manage", "duty.rollcall.start", "duty.rollcall.answer",
      "duty.report.file", "duty.notice.send", "duty.notice.sign", "duty.log.write")
grant("duty_officer", "duty.rollcall.start", "duty.rollcall.answer", "duty.report.file", "duty.notice.send",
      "duty.notice.sign", "duty.log.write")
grant("commander", "duty.rollcall.start", "duty.notice.send")
grant("dispatcher", "duty.notice.send", "duty.log.write")
