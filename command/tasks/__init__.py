"""Tasks (指挥调度): dispatch, sign-for, feedback, verification, escalation."""
