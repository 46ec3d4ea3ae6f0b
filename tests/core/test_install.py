"""An install ships everything (issue 15): every non-Python file inside the packages is covered by
the package data in pyproject.toml, and `init --demo` fails loudly when a demo file is missing.
(.ci/install_check builds the wheel, installs it outside the checkout and runs it.)"""

from __future__ import annotations

import fnmatch
import subprocess
import tomllib
from pathlib import Path

import pytest

from plans_registry import demo
from tests.support import ROOT


def _covered(rel: str, package_data: dict[str, list[str]], packages: list[str]) -> bool:
    parts = Path(rel).parts
    # The innermost package holding the file, and the file's path relative to it.
    for depth in range(len(parts) - 1, 0, -1):
        pkg = ".".join(parts[:depth])
        if not any(fnmatch.fnmatch(pkg, pat) for pat in packages):
            continue
        if not (ROOT.joinpath(*parts[:depth]) / "__init__.py").exists():
            continue
        inner = "/".join(parts[depth:])
        globs = package_data.get(pkg, []) + package_data.get("*", [])
        return any(_glob(inner, g) for g in globs)
    return False


def _glob(inner: str, pattern: str) -> bool:
    """setuptools' globs: "**" spans folders, "*" stays inside one."""
    if "**" in pattern:
        return fnmatch.fnmatch(inner, pattern.replace("**/", "*"))
    return inner.count("/") == pattern.count("/") and fnmatch.fnmatch(inner, pattern)


def test_package_data_covers_every_data_file() -> None:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = conf["packages"]["find"]["include"]
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    roots = {p.rstrip("*") for p in packages}
    data = [f for f in files if f.split("/")[0] in roots and not f.endswith(".py")]
    assert any(f.endswith(".yaml") for f in data)
    missing = [f for f in data if not _covered(f, conf["package-data"], packages)]
    assert not missing, f"not shipped in a wheel: {missing}"


def test_demo_fails_loudly_on_a_missing_file(tmp_path: Path) -> None:
    assert len(demo.documents()) == len(demo.DEMO_FILES)
    for name in demo.DEMO_FILES[1:]:
        (tmp_path / name).write_text((demo.PLANS_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(FileNotFoundError, match=demo.DEMO_FILES[0]):
        demo.documents(tmp_path)
