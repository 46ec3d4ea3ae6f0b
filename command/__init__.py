"""Command: intake (接报), incidents and grading, information reports (首报/续报/终报); later tasks,
consultations, resources and warnings."""
