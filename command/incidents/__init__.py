"""Incidents: grade, status, lead, participants and sharing, and the timeline."""
