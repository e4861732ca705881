"""Issue 13 §4, first finding: after six months, IgG < 4 g/L WITHOUT severe or recurrent infections.

Section 4.3 says what the general criteria mean for these patients ("Det indebærer, at behandling kun
anbefales ved IgG < 4 g/L og tilstedeværelse af svære eller tilbagevendende verificerede bakterielle
infektioner"), so the source decides: do not start, citing 4.1 and 4.3
(kb:council-start-after-six-months-without-infections in data/council.ttl).
"""

from __future__ import annotations

from typing import Any

import pytest
from rdflib import Graph

from evidencekb.recommend.evaluate import Recommender, recommend_data
from evidencekb.recommend.patient import parse_patient
from evidencekb.sparql.engines import local_engine

KB = "https://w3id.org/evidencekb/id/"
AFTER_SIX: dict[str, Any] = {
    "age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-09-01",
    "igg": {"value": 3.2, "unit": "g/L"}, "severe_or_recurrent_bacterial_infections": False,
    "immunoglobulin": {"status": "none"},
}


@pytest.fixture(scope="module")
def with_rule(kb: Graph) -> Recommender:
    return Recommender(local_engine(kb))


def _answer(rec: Recommender, **changes: Any) -> dict[str, Any]:
    return rec.evaluate([rec.facts(parse_patient({**AFTER_SIX, **changes}))], "en")[0]


def test_after_six_months_igg_below_4_without_infections_do_not_start(with_rule: Recommender) -> None:
    answer = _answer(with_rule)
    assert answer["start"]["decision"] == "do-not-start"
    assert answer["start"]["rule"] == KB + "council-start-after-six-months-without-infections"
    assert answer["stop"]["decision"] == "not-applicable"
    cited = " ".join(answer["explanation"])
    assert "section 4.1, section 4.3" in cited and "none of the council's start criteria" not in cited
    checked = {item["rule"]: item["result"] for item in answer["start"]["checked"]}
    assert checked == {KB + "council-start-after-six-months": "infection",
                       KB + "council-start-within-six-months": "window"}


@pytest.mark.parametrize("changes, decision", [
    ({"severe_or_recurrent_bacterial_infections": True}, "start"),        # 4.1: start
    ({"igg": {"value": 5, "unit": "g/L"}}, "general-criteria"),           # IgG 4–6: the base guideline
    ({"igg": {"value": 4, "unit": "g/L"}}, "general-criteria"),
    ({"assessment_date": "2026-07-14"}, "start"),                         # still within six months
    ({"igg": {"value": 7, "unit": "g/L"}}, "do-not-start"),
], ids=["infections", "igg-5", "igg-exactly-4", "within-six-months", "igg-7"])
def test_neighbours_unchanged(with_rule: Recommender, changes: dict[str, Any], decision: str) -> None:
    assert _answer(with_rule, **changes)["start"]["decision"] == decision


def test_shipped_data_decides_the_case() -> None:
    assert recommend_data(AFTER_SIX)["start"]["decision"] == "do-not-start"
