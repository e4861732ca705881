"""The calculator's binding maps (where each query's variables and groups are) kept between builds in
build/cache/: the same maps as parsing gives, never a stale one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidencekb.site.pages import calculator


@pytest.fixture()
def cache_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache" / "maps.json"
    monkeypatch.setattr(calculator, "cache_path", lambda: path)
    return path


def _no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str, text: str) -> None:
        raise AssertionError(f"{name} was parsed although its map is in the cache")

    monkeypatch.setattr(calculator, "binding_map", refuse)


def test_cached_maps_are_the_parsed_maps(cache_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = calculator.query_files()
    parsed = {name: calculator.binding_map(name, text) for name, text in files.items()}
    assert calculator.binding_maps(files) == parsed and cache_file.is_file()
    _no_parse(monkeypatch)
    again = calculator.binding_maps(files)
    assert again == parsed
    assert json.dumps(again, ensure_ascii=False, indent=0) == json.dumps(parsed, ensure_ascii=False, indent=0)


def test_a_changed_query_is_parsed_again(cache_file: Path) -> None:
    files = {"recommend/x": "SELECT ?a WHERE { ?a ?b ?c }"}
    first = calculator.binding_maps(files)
    changed = {"recommend/x": "SELECT ?a WHERE {\n  ?a ?b ?c . ?c ?d ?e }"}
    second = calculator.binding_maps(changed)
    assert second == {"recommend/x": calculator.binding_map("recommend/x", changed["recommend/x"])}
    assert second != first
    assert list(json.loads(cache_file.read_text())["maps"]) == [calculator._text_key(changed["recommend/x"])]


@pytest.mark.parametrize("content", ["not json", "[]", '{"version": "other", "maps": {}}'])
def test_an_unreadable_or_foreign_cache_is_ignored(cache_file: Path, content: str) -> None:
    files = {"recommend/x": "SELECT ?a WHERE { ?a ?b ?c }"}
    key = calculator._text_key(files["recommend/x"])
    cache_file.parent.mkdir(parents=True)
    if "version" in content:  # a map for this text, made by other code: not used
        content = json.dumps({"version": "other", "maps": {key: {"form": "ASK"}}})
    cache_file.write_text(content, encoding="utf-8")
    fresh = calculator.binding_map("recommend/x", files["recommend/x"])
    assert calculator.binding_maps(files) == {"recommend/x": fresh}
    assert json.loads(cache_file.read_text())["version"] == calculator._code_version()


def test_an_unwritable_cache_only_costs_the_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(calculator, "cache_path", lambda: blocker / "cache" / "maps.json")
    files = {"recommend/x": "SELECT ?a WHERE { ?a ?b ?c }"}
    assert calculator.binding_maps(files)["recommend/x"]["form"] == "SELECT"
