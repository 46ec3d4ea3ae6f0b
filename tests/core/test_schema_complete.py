"""Every table the app defines is known to backup/migration tooling and exists after migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import web.app  # noqa: F401  (imports every domain, so every model is mapped)
from core import migrate
from core.orm import Base
from web.cli import MODEL_MODULES


def test_every_model_module_is_listed_for_backup_and_migrations() -> None:
    modules = {m.class_.__module__ for m in Base.registry.mappers}
    assert modules <= set(MODEL_MODULES), sorted(modules - set(MODEL_MODULES))


def test_migrations_create_every_table_the_models_define(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    con = sqlite3.connect(path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    con.close()
    missing = set(Base.metadata.tables) - tables
    assert not missing, f"models without a migration: {sorted(missing)}"
