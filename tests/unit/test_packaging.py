"""Installing tenantsim prints no setuptools deprecation warning: the licence is an SPDX expression
(PEP 639), which needs setuptools 77 or later to build."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_licence_is_an_spdx_string_and_setuptools_can_read_it() -> None:
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert data["project"]["license"] == "Apache-2.0"  # not the deprecated {text = ...} table
    assert "License ::" not in " ".join(data["project"].get("classifiers", []))  # PEP 639 forbids both
    setuptools = [r for r in data["build-system"]["requires"] if r.startswith("setuptools")]
    assert len(setuptools) == 1
    found = re.fullmatch(r"setuptools>=(\d+)(?:\.\d+)*", setuptools[0])
    assert found and int(found.group(1)) >= 77, setuptools
