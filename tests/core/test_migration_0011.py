"""0011 rewrites the rules a jurisdiction still has exactly as seeded and leaves edited ones alone."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from alembic import command

from core import migrate

OLD_493 = "[L] 《生产安全事故报告和调查处理条例》(国务院令第493号) 第十一条"


def test_old_seeded_rules_are_rewritten_per_category(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    url = f"sqlite+aiosqlite:///{path}"
    command.upgrade(migrate.alembic_config(url), "0009")  # the revision before 0011
    con = sqlite3.connect(path)
    con.execute("INSERT INTO units (code, parent_code, path, name, name_en, kind, sort, active, created_at, updated_at)"
                " VALUES ('360700', NULL, '/360700/', '赣州市', 'Ganzhou', 'city', 0, 1, '2026-01-01', '2026-01-01')")
    rule = ("INSERT INTO report_rules (id, unit_code, name, kind, grades, category_prefix, clock, minutes, channel,"
            " source, active) VALUES (?, '360700', ?, 'initial', '[]', ?, 'received', ?, 'written', ?, 1)")
    con.execute(rule, ("a", "各级逐级上报不超过 2 小时", "", 120, OLD_493))
    con.execute(rule, ("b", "本市自定：2 小时", "", 90, OLD_493))  # edited by the city: left alone
    con.execute("INSERT INTO grading_rules (id, unit_code, category_prefix, grade, trigger, description, source,"
                " sort, created_at) VALUES ('g', '360700', 'accident', 'general', '{}', '以上以外的生产安全事故',"
                " '[L] 《生产安全事故报告和调查处理条例》(国务院令第493号) 第三条', 3, '2026-01-01 00:00:00')")
    con.commit()
    con.close()

    migrate.upgrade(url)
    con = sqlite3.connect(path)
    rules = {r[0]: r[1:] for r in con.execute("SELECT name, category_prefix, source FROM report_rules")}
    assert rules["生产安全事故逐级上报不超过 2 小时"] == ("accident", OLD_493)
    assert rules["本市自定：2 小时"] == ("", OLD_493)
    assert rules["自然灾害县级 2 小时内初报"][0] == "natural"
    assert rules["社会安全事件 2 小时内上报"][1].startswith("[P]")
    grading = list(con.execute(
        "SELECT category_prefix, grade, trigger FROM grading_rules ORDER BY category_prefix, sort"))
    prefixes = {g[0] for g in grading}
    assert prefixes == {"accident", "natural", "public_health.poisoning"}
    natural = [g for g in grading if g[0] == "natural"]
    assert natural[0][1] == "particularly_major" and "anyOf" in json.loads(natural[0][2])
    con.close()
