"""CITATION.cff is valid Citation File Format 1.2.0 and names the version the package reports."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from evidencekb import __version__

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "data" / "cff" / "schema-1.2.0.json"


def _citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_file_is_valid_cff() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(_citation(), schema)


def test_citation_version_and_licence_match_the_package() -> None:
    citation = _citation()
    assert str(citation["version"]) == __version__
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'license = "{citation["license"]}"' in pyproject


def test_an_invalid_citation_is_refused() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = {**_citation(), "cff-version": "0.9"}
    broken.pop("authors")
    try:
        jsonschema.validate(broken, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("the schema accepted a citation without authors")
