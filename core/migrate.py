"""Bringing a database to the current schema, and the installation's identity."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, new_id

HERE = Path(__file__).parent / "migrations"


class Meta(Base):
    """Key/value facts about this installation (its id names its bus channel)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(400), nullable=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Migrate to head. Runs its own event loop: call from synchronous code (the CLI, tests)."""
    command.upgrade(alembic_config(url), "head")


def revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)


async def installation_id(session: AsyncSession) -> str:
    found = (await session.execute(select(Meta.value).where(Meta.key == "installation_id"))).scalar_one_or_none()
    if found:
        return found
    value = new_id()
    # Processes starting together on a new database all get here; the first insert wins and the
    # others read its id (in a savepoint, so their transaction, and their start-up, carries on).
    try:
        async with session.begin_nested():
            session.add(Meta(key="installation_id", value=value))
    except IntegrityError:
        return (await session.execute(select(Meta.value).where(Meta.key == "installation_id"))).scalar_one()
    return value
