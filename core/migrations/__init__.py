"""Alembic migrations. `yingji init` runs them; `make migration m=...` writes a new one."""
