"""What the languages of one site build share instead of computing twice: the FHIR Bundle download, exported
once per engine (the graph), again when the graph changed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pyoxigraph as ox
import pytest

from evidencekb.site.pages import other
from evidencekb.sparql.local import OxigraphEngine


def _ctx(engine: Any) -> Any:
    return SimpleNamespace(model=SimpleNamespace(engine=engine))


@pytest.fixture()
def exports(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    made: list[Any] = []

    def export(engine: Any) -> str:
        made.append(engine)
        if getattr(engine, "broken", False):
            raise ValueError("no bundle")
        return f"bundle of {len(engine) if hasattr(engine, '__len__') else '?'} triples"

    monkeypatch.setattr(other, "export_text", export)
    return made


def test_the_fhir_bundle_is_exported_once_per_engine(exports: list[Any]) -> None:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("1")))
    engine = OxigraphEngine(store)
    assert other.fhir_bundle(_ctx(engine)) == other.fhir_bundle(_ctx(engine)) == "bundle of 1 triples"
    assert len(exports) == 1
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("2")))
    assert other.fhir_bundle(_ctx(engine)) == "bundle of 2 triples"  # the graph changed: exported again
    assert other.fhir_bundle(_ctx(OxigraphEngine(ox.Store()))) == "bundle of 0 triples"
    assert len(exports) == 3


def test_an_engine_without_a_size_or_a_failed_export_is_not_remembered(exports: list[Any],
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    class Remote:  # like sparql.remote.RemoteEngine: no len()
        pass

    remote = Remote()
    other.fhir_bundle(_ctx(remote))
    other.fhir_bundle(_ctx(remote))
    assert len(exports) == 2
    broken = OxigraphEngine(ox.Store())
    broken.broken = True  # type: ignore[attr-defined]
    assert other.fhir_bundle(_ctx(broken)) is None and other.fhir_bundle(_ctx(broken)) is None
    assert capsys.readouterr().err.count("the FHIR bundle could not be generated") == 2
