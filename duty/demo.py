"""Demo duty data: posts, staff and published rosters for this month and next, for the city and
every county-level unit (idempotent)."""

from __future__ import annotations

from sqlalchemy import select

from core.auth import passwords
from core.auth import service as auth
from core.auth.models import User
from core.db import Database
from core.demo import CITY, COUNTIES, DEMO_PASSWORD, person_name
from core.orm import utcnow
from duty.rosters import service as rosters
from duty.rosters.models import Roster
from duty.rosters.shifts import local_month
from duty.rules.defaults import CITY_POSTS, COUNTY_POSTS

# Who takes each post in turn. The first of each list is a CONTRACT.md demo user where one exists.
ROTATION_PREFIX = {"leader": ["lead", "lead2", "lead3", "lead4"],
                   "chief": ["chief", "chief2", "chief3", "chief4"],
                   "officer": ["duty", "duty3", "duty5", "duty7"],
                   "officer2": ["duty2", "duty4", "duty6", "duty8"],
                   "coordination": ["coord", "coord2", "coord3", "coord4"],
                   "information": ["duty", "duty2", "duty3", "duty4"],
                   "technical": ["tech", "tech2", "tech3", "tech4"]}
ROLE_OF = {"lead": "duty_leader", "chief": "duty_leader"}


def _role(prefix: str) -> str:
    return ROLE_OF.get(prefix.rstrip("0123456789"), "duty_officer")


async def load_demo(db: Database) -> dict[str, int]:
    created = {"posts": 0, "staff": 0, "rosters": 0}
    units = [(CITY[0], CITY_POSTS)] + [(c[0], COUNTY_POSTS) for c in COUNTIES]
    shared_hash = passwords.hash_password(DEMO_PASSWORD)
    async with db.write() as uow:
        s = uow.session
        have_users = {u.username: u.id for u in (await s.execute(select(User))).scalars()}
        n = 100
        for code, posts in units:
            before = len(await rosters.list_posts(s, code))
            await rosters.ensure_posts(uow, unit=code, posts=posts)
            created["posts"] += len(await rosters.list_posts(s, code)) - before
            for key, _name, _en in posts:
                for prefix in ROTATION_PREFIX[key]:
                    username = f"{prefix}.{code}"
                    if username in have_users:
                        continue
                    n += 1
                    user = await auth.create_user(uow, by=None, username=username, name=person_name(n), unit=code,
                                                  roles=[_role(prefix)], password_hash=shared_hash,
                                                  phone=f"139{int(code) % 10000:04d}{n % 10000:04d}")
                    have_users[username] = user.id
                    created["staff"] += 1
    now = utcnow()
    this_month = local_month(now, "Asia/Shanghai")
    year, month_no = int(this_month[:4]), int(this_month[5:])
    # The month after this one (not "now + 32 days": on the 30th that skips a month).
    months = [this_month, f"{year + month_no // 12}-{month_no % 12 + 1:02d}"]
    for code, posts in units:
        for month in months:
            async with db.write() as uow:
                exists = (await uow.session.execute(select(Roster.id).where(
                    Roster.unit_code == code, Roster.month == month, Roster.status == "published"))).first()
                if exists:
                    continue
                rotation = {key: [have_users[f"{p}.{code}"] for p in ROTATION_PREFIX[key]] for key, _n, _e in posts}
                roster = await rosters.build_roster(uow, by=None, unit=code, month=month, rotation=rotation)
                roster.status, roster.published_at = "published", utcnow()
                uow.emit("duty.roster.published", subject=("roster", roster.id), scope=[code],
                         data={**roster.as_doc(), "superseded": [], "warnings": []})
                created["rosters"] += 1
    return created
