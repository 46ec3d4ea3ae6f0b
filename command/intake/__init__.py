"""Intake (接报): a report recorded in under a minute, verified into an incident, merged, or rejected."""
