"""The category tree of emergencies (after GB/T 35561) and the grading rules per jurisdiction."""
