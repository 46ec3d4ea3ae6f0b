"""Duty rules per unit (shift pattern, windows, deadlines, limits), with where each default comes from."""
