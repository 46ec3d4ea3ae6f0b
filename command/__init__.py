"""Command: intake (接报), incidents and grading, information reports (首报/续报/终报); later tasks,
consultations, resources and warnings."""

# Registers the domain's event catalogue whenever any part of it is imported (uow.emit checks types).
from command import labels as _labels  # noqa: F401
