"""The duty log (值班日志): an append-only record per unit and shift; corrections are new entries."""
