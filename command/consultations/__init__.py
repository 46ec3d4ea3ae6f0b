"""Consultations (会商研判): convene, attend, opinions, decisions turned into tasks, minutes."""
