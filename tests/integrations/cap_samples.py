"""Where the shared CAP conformance material lives (../shared relative to the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_CAP = REPO.parent / "shared" / "interop" / "cap"
SAMPLES = SHARED_CAP / "samples"
# SOURCES.md: the two samples that break the XSD on purpose, with the element the XSD names.
INVALID = {"negative__invalid.cap": "info", "se-krisinformation__sweden.cap": "senderName"}


def sample_files() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    return sorted(p for p in SAMPLES.iterdir() if p.suffix in (".xml", ".cap"))


def need_samples() -> None:
    if not SAMPLES.is_dir():
        pytest.skip(f"the shared CAP samples are not here ({SAMPLES}): conformance tests need ../shared")
