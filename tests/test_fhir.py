"""FHIR R5: the exported bundle and converted patients validate with `fhir.resources`, and the exported
PlanDefinition's FHIRPath conditions, evaluated by `fhirpathpy` (an engine we did not write), select the
same start and stop rules as `evidencekb recommend` — for every reviewer vignette and for random patients.
"""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.bundle import Bundle
from fhirpathpy import compile as fhirpath
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_recommend_vignettes import BASE, V

from evidencekb.cli import main
from evidencekb.errors import InputError
from evidencekb.fhir.patient import bundle_to_patient

KB = "https://w3id.org/evidencekb/id/"


@cache
def exported() -> dict[str, Any]:
    from evidencekb.fhir.export import export_bundle

    return export_bundle()


def resources(kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in exported()["entry"] if e["resource"]["resourceType"] == kind]


def council_plan() -> dict[str, Any]:
    return next(r for r in resources("PlanDefinition") if r["id"] == "council-recommendation")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def to_fhir(tmp_path: Path, capsys: pytest.CaptureFixture[str], patient: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(patient), encoding="utf-8")
    code, out, err = run(capsys, "patient", "to-fhir", str(path))
    assert code == 0, err
    return json.loads(out)


def recommend(tmp_path: Path, capsys: pytest.CaptureFixture[str], patient: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(patient), encoding="utf-8")
    code, out, err = run(capsys, "recommend", str(path), "--format", "json")
    assert code == 0, err
    return json.loads(out)


# --- an independent evaluation of the PlanDefinition ---------------------------------------------------

_COMPILED: dict[str, Any] = {}


def _evaluate(expression: str, bundle: dict[str, Any], env: dict[str, Any]) -> list[Any]:
    if expression not in _COMPILED:
        _COMPILED[expression] = fhirpath(expression)
    return _COMPILED[expression](bundle, env)


def applicable(plan: dict[str, Any], bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """For each group of the plan, the actions whose applicability conditions are all true.

    The plan's `variable` extensions are evaluated first, in order, each seeing the earlier ones."""
    env: dict[str, Any] = {}
    for extension in plan.get("extension", []):
        if extension["url"] == "http://hl7.org/fhir/StructureDefinition/variable":
            value = extension["valueExpression"]
            assert value["language"] == "text/fhirpath"
            env[value["name"]] = _evaluate(value["expression"], bundle, env)
    chosen = {}
    for group in plan["action"]:
        chosen[group["linkId"]] = [
            action for action in group["action"]
            if all(_evaluate(c["expression"]["expression"], bundle, env) == [True]
                   for c in action["condition"] if c["kind"] == "applicability")
        ]
    return chosen


def plan_decision(bundle: dict[str, Any]) -> tuple[tuple[str, str], tuple[str, str, bool]]:
    """(start decision, rule), (stop decision, governing rule, settled) as the PlanDefinition selects them."""
    plan = council_plan()
    chosen = applicable(plan, bundle)
    for group in ("start", "stop"):
        behaviour = next(g["selectionBehavior"] for g in plan["action"] if g["linkId"] == group)
        assert behaviour == "exactly-one"
        assert len(chosen[group]) == 1, (group, [a["linkId"] for a in chosen[group]])
    start, stop = chosen["start"][0], chosen["stop"][0]
    settled = KB + stop["linkId"] == stop["definitionUri"]
    return ((start["code"]["coding"][0]["code"], start["definitionUri"]),
            (stop["code"]["coding"][0]["code"], stop["definitionUri"], settled))


def answer_decision(answer: dict[str, Any]) -> tuple[tuple[str, str], tuple[str, str, bool]]:
    return ((answer["start"]["decision"], answer["start"]["rule"]),
            (answer["stop"]["decision"], answer["stop"]["rule"], answer["stop"]["settled"]))


# --- structure ------------------------------------------------------------------------------------


def test_export_validates_with_fhir_resources_r5() -> None:
    bundle = Bundle.model_validate(exported())
    assert bundle.type == "collection"
    kinds = {e["resource"]["resourceType"] for e in exported()["entry"]}
    assert {"PlanDefinition"} <= kinds


def test_every_reference_resolves_inside_the_bundle() -> None:
    full_urls = {e["fullUrl"] for e in exported()["entry"]}
    base = "https://w3id.org/evidencekb/fhir/"

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                assert base + node["reference"] in full_urls, node["reference"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(exported())
    ids = [(e["resource"]["resourceType"], e["resource"]["id"]) for e in exported()["entry"]]
    assert len(ids) == len(set(ids))
    for entry in exported()["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"{base}{resource['resourceType']}/{resource['id']}"


def test_conditions_are_fhirpath_over_a_patient_bundle() -> None:
    plan = council_plan()
    assert plan["meta"]["profile"] == ["http://hl7.org/fhir/uv/ebm/StructureDefinition/recommendation-plan"]
    for group in plan["action"]:
        for action in group["action"]:
            for condition in action["condition"]:
                assert condition["expression"]["language"] == "text/fhirpath"
                fhirpath(condition["expression"]["expression"])  # parses


def test_export_command_writes_the_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "kb.fhir.json"
    code, _, err = run(capsys, "export", "--format", "fhir", "--out", str(out))
    assert code == 0, err
    assert json.loads(out.read_text(encoding="utf-8")) == exported()
    code, _, err = run(capsys, "export", "--format", "fhir", "--out", str(tmp_path / "missing" / "x.json"))
    assert code == 2 and "--out" in err


# --- round trip: the bundle says what the graph says ----------------------------------------------


def test_council_actions_match_the_graph_rules() -> None:
    from evidencekb.sparql.engines import get_engine

    rows = get_engine().select("""
        PREFIX ekb: <https://w3id.org/evidencekb/ontology#>
        PREFIX kb: <https://w3id.org/evidencekb/id/>
        SELECT DISTINCT ?rule ?kind WHERE {
          { ?rule a ekb:StartCriterion ; ekb:issuedBy kb:addendum ; ekb:decision ?d . BIND("start" AS ?kind) }
          UNION { ?rule a ekb:StartDefault . BIND("start" AS ?kind) }
          UNION { ?rule a ekb:StopCriterion ; ekb:issuedBy kb:addendum ; ekb:decision ?d . BIND("stop" AS ?kind) }
          UNION { ?rule a ekb:StopDefault . BIND("stop" AS ?kind) }
          UNION { ?rule a ekb:SourceAnnotation ; ekb:closestRule ?c ; ekb:igStartTiming ?t . BIND("stop" AS ?kind) }
        }""").rows
    expected = {(str(r["kind"]), str(r["rule"]).removeprefix(KB)) for r in rows}
    plan = council_plan()
    found = {(g["linkId"], a["linkId"]) for g in plan["action"] if g["linkId"] in ("start", "stop")
             for a in g["action"]}
    assert found == expected
    # thresholds: every IgG threshold of a council start rule appears in its generated condition
    thresholds = get_engine().select("""
        PREFIX ekb: <https://w3id.org/evidencekb/ontology#>
        PREFIX kb: <https://w3id.org/evidencekb/id/>
        SELECT ?rule ?threshold WHERE { ?rule a ekb:StartCriterion ; ekb:issuedBy kb:addendum ;
                                        ekb:iggCondition/ekb:threshold ?threshold }""").rows
    actions = {a["linkId"]: a for g in plan["action"] for a in g["action"]}
    assert thresholds
    for row in thresholds:
        text = actions[str(row["rule"]).removeprefix(KB)]["condition"][0]["expression"]["expression"]
        value = Decimal(str(row["threshold"]))
        assert f"value < {value.normalize():f}" in text and f"value < {(value * 100).normalize():f}" in text


def test_secondary_publications_have_plans() -> None:
    plans = [p for p in resources("PlanDefinition") if p["id"] != "council-recommendation"]
    assert len(plans) == 8
    for plan in plans:
        assert all(a["condition"] for g in plan["action"] for a in g["action"])


# --- logic: FHIRPath (fhirpathpy) agrees with recommend ------------------------------------------


@pytest.mark.parametrize("patient", [v[1] for v in V], ids=[v[0] for v in V])
def test_plan_selects_recommends_decision_for_vignettes(patient: dict[str, Any], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    bundle = to_fhir(tmp_path, capsys, patient)
    Bundle.model_validate(bundle)
    assert plan_decision(bundle) == answer_decision(recommend(tmp_path, capsys, patient))
    # the bundle converts back to a record recommend answers the same way
    assert answer_decision(recommend(tmp_path, capsys, bundle_to_patient(bundle))) == \
        answer_decision(recommend(tmp_path, capsys, patient))


THERAPIES = ["car-t", "bispecific", "cilta-cel", "teclistamab", "Yescarta"]


@st.composite
def patients(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2028, 12, 31)))
    assessed = start + timedelta(days=draw(st.integers(0, 500)))
    unit = draw(st.sampled_from(["g/L", "mg/dL"]))
    g_per_l = draw(st.decimals(min_value=0, max_value=12, places=1))
    ig: dict[str, Any] = {"status": "none"}
    if draw(st.booleans()):
        before = draw(st.booleans())
        if before:
            ig_start = start - timedelta(days=draw(st.integers(0, 200)))
        else:
            ig_start = start + timedelta(days=draw(st.integers(0, (assessed - start).days)))
        ig = {"status": "ongoing", "start_date": ig_start.isoformat(), "started_before_therapy": before,
              "start_basis": draw(st.sampled_from(["igg-below-4", "infections"]))}
    return {
        "age": draw(st.sampled_from([5, 17, 18, 19, 45, 80])),
        "therapy": draw(st.sampled_from(THERAPIES)),
        "therapy_start": start.isoformat(),
        "assessment_date": assessed.isoformat(),
        "igg": {"value": float(g_per_l * (100 if unit == "mg/dL" else 1)), "unit": unit,
                "during_ig_substitution": draw(st.booleans())},
        "severe_or_recurrent_bacterial_infections": draw(st.booleans()),
        "immunoglobulin": ig,
    }


@given(patient=patients())
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
def test_plan_selects_recommends_decision_for_random_patients(patient: dict[str, Any], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    bundle = to_fhir(tmp_path, capsys, patient)
    assert plan_decision(bundle) == answer_decision(recommend(tmp_path, capsys, patient))


def test_the_check_can_fail() -> None:
    """A changed threshold in a patient bundle changes the plan's decision (the comparison is not vacuous)."""
    from evidencekb.fhir.patient import patient_to_bundle

    bundle = patient_to_bundle(BASE, {"class": "car-t"}, BASE["assessment_date"])
    assert plan_decision(bundle)[0] == ("start", KB + "council-start-within-six-months")
    high = copy.deepcopy(bundle)
    next(e["resource"] for e in high["entry"] if e["resource"]["resourceType"] == "Observation")[
        "valueQuantity"]["value"] = 8
    assert plan_decision(high)[0] == ("do-not-start", KB + "recommend-default-do-not-start")


# --- bad bundles ---------------------------------------------------------------------------------


def _bad(mutate: Any) -> dict[str, Any]:
    from evidencekb.fhir.patient import patient_to_bundle

    bundle = patient_to_bundle(BASE, {"class": "car-t"}, BASE["assessment_date"])
    mutate(bundle)
    return bundle


def _observation(bundle: dict[str, Any]) -> dict[str, Any]:
    return bundle["entry"][1]["resource"]


BAD = [
    ("unit", lambda b: _observation(b)["valueQuantity"].update(code="mmol/L"),
     "Bundle.entry[1].resource.valueQuantity.code"),
    ("no-timestamp", lambda b: b.pop("timestamp"), "Bundle.timestamp"),
    ("birth-date", lambda b: b["entry"][0]["resource"].update(birthDate="1960-13-01"),
     "Bundle.entry[0].resource.birthDate"),
    ("value", lambda b: _observation(b)["valueQuantity"].update(value="3"),
     "Bundle.entry[1].resource.valueQuantity.value"),
    ("no-observation", lambda b: b["entry"].pop(1), "Observation"),
    ("verification",
     lambda b: b["entry"][3]["resource"]["verificationStatus"]["coding"][0].update(code="provisional"),
     "Bundle.entry[3].resource.verificationStatus"),
    ("not-a-bundle", lambda b: b.update(resourceType="Patient"), "Bundle.resourceType"),
]


@pytest.mark.parametrize("mutate, location", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_bundles_name_a_fhirpath_location(mutate: Any, location: str) -> None:
    with pytest.raises(InputError) as error:
        bundle_to_patient(_bad(mutate))
    assert location in str(error.value)


def test_to_fhir_bad_record_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps({**BASE, "igg": {"value": 3, "unit": "mmol/L"}}), encoding="utf-8")
    code, out, err = run(capsys, "patient", "to-fhir", str(path))
    assert code == 2 and out == "" and "igg.unit" in err


# --- round trip of the evidence: counts and key values match the graph --------------------------------


def _select(query: str) -> list[dict[str, Any]]:
    from evidencekb.sparql.engines import get_engine

    prefixes = ("PREFIX ekb: <https://w3id.org/evidencekb/ontology#>\n"
                "PREFIX kb: <https://w3id.org/evidencekb/id/>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
    return [dict(r) for r in get_engine().select(prefixes + query).rows]


def test_citations_carry_only_what_the_graph_verifies() -> None:
    rows = _select("SELECT ?work ?number ?doi ?pmid ?journal WHERE { ?work ekb:referenceNumber ?number . "
                   "OPTIONAL { ?work ekb:doi ?doi } OPTIONAL { ?work ekb:pmid ?pmid } "
                   "OPTIONAL { ?work ekb:journal ?journal } }")
    citations = {c["id"]: c for c in resources("Citation")}
    assert len(citations) == len(rows) == 34
    for row in rows:
        citation = citations[str(row["work"]).removeprefix(KB)]
        artifact = citation.get("citedArtifact", {})
        identifiers = {i["system"]: i["value"] for i in artifact.get("identifier", [])}
        assert identifiers.get("https://doi.org") == (str(row["doi"]) if row["doi"] is not None else None)
        assert identifiers.get("https://pubmed.ncbi.nlm.nih.gov") == (
            str(row["pmid"]) if row["pmid"] is not None else None)
        journal = [f["publishedIn"]["title"] for f in artifact.get("publicationForm", [])
                   if "publishedIn" in f]
        assert journal == ([str(row["journal"])] if row["journal"] is not None else [])
        assert citation["identifier"][0]["value"] == str(row["number"])


def test_evidence_matches_the_study_results() -> None:
    rows = _select("SELECT ?result ?value ?lower ?upper ?p WHERE { "
                   "?study a ekb:PrimaryStudy ; ekb:hasResult ?result . "
                   "OPTIONAL { ?result ekb:value ?value } OPTIONAL { ?result ekb:ciLower ?lower } "
                   "OPTIONAL { ?result ekb:ciUpper ?upper } OPTIONAL { ?result ekb:pValue ?p } }")
    evidence = {e["id"]: e for e in resources("Evidence")}
    studies = _select("SELECT DISTINCT ?study WHERE { ?study a ekb:PrimaryStudy ; ekb:hasResult ?r }")
    assert len(evidence) == len(rows) == 117 and len(studies) == 10
    assert len({e["citeAsReference"]["reference"] for e in evidence.values()}) == len(studies)
    for row in rows:
        statistic = evidence[str(row["result"]).removeprefix(KB)]["statistic"][0]
        if row["value"] is not None:
            assert Decimal(str(statistic["quantity"]["value"])) == Decimal(str(row["value"]))
        estimates = {e["type"]["text"]: e for e in statistic.get("attributeEstimate", [])}
        for bound, key in (("low", "lower"), ("high", "upper")):
            if row[key] is not None:
                value = estimates["confidence interval"]["range"][bound]["value"]
                assert Decimal(str(value)) == Decimal(str(row[key]))
        assert ("p-value" in estimates) == (row["p"] is not None)
    for item in evidence.values():
        ratings = {c["code"] for c in item["certainty"][0]["rating"]["coding"]}
        assert "very-low" in ratings  # the council's "meget lav kvalitet" (section 3.2)
        for variable in item["variableDefinition"]:
            assert variable["observed"]["reference"].startswith("EvidenceVariable/")


def test_agree_appraisals_on_the_publications_citation() -> None:
    rows = _select("SELECT ?publication ?rating (COUNT(DISTINCT ?finding) AS ?findings) WHERE { "
                   "?publication ekb:appraisal ?a . ?a ekb:overallRating/skos:notation ?rating . "
                   "OPTIONAL { ?a ekb:finding ?finding } } GROUP BY ?publication ?rating")
    assessments = {a["artifactReference"]["reference"]: a for a in resources("ArtifactAssessment")
                   if a["meta"]["profile"] == ["http://hl7.org/fhir/uv/ebm/StructureDefinition/rating"]}
    assert len(assessments) == len(rows) == 8
    for row in rows:
        assessment = assessments["Citation/" + str(row["publication"]).removeprefix(KB)]
        rating = assessment["content"][0]
        assert rating["informationType"] == "rating"
        assert rating["classifier"][0]["coding"][0]["code"] == str(row["rating"])
        assert len(assessment["content"]) - 1 == int(str(row["findings"]))


def test_composition_sections_list_bundle_resources() -> None:
    composition = exported()["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    referenced: set[str] = set()

    def walk(sections: list[dict[str, Any]]) -> None:
        for section in sections:
            referenced.update(e["reference"] for e in section.get("entry", []))
            walk(section.get("section", []))

    walk(composition["section"])
    assert "PlanDefinition/council-recommendation" in referenced
    assert any(r.startswith("Evidence/") for r in referenced)
    assert any(r.startswith("Citation/") for r in referenced)


def test_export_is_byte_identical_across_hash_seeds() -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]

    def once(seed: str) -> bytes:
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        return subprocess.run([sys.executable, "-m", "evidencekb", "export", "--format", "fhir"], cwd=root,
                              env=environment, capture_output=True, check=True, timeout=300).stdout

    first = once("1")
    assert first and first == once("2")


def test_assessment_date_from_timestamp_or_option() -> None:
    from evidencekb.fhir.patient import patient_to_bundle

    bundle = patient_to_bundle(BASE, {"class": "car-t"}, BASE["assessment_date"])
    assert bundle_to_patient(bundle)["assessment_date"] == BASE["assessment_date"]
    bundle.pop("timestamp")
    assert bundle_to_patient(bundle, "2026-04-01")["assessment_date"] == "2026-04-01"
    with pytest.raises(InputError, match="--assessment-date"):
        bundle_to_patient(bundle, "01/04/2026")


def test_outcome_variables_carry_the_outcome_category() -> None:
    rows = _select("SELECT ?result ?code WHERE { ?study a ekb:PrimaryStudy ; ekb:hasResult ?result . "
                   "?result ekb:outcomeCategory/skos:notation ?code }")
    variables = {v["id"]: v for v in resources("EvidenceVariable")}
    assert rows
    for row in rows:
        variable = variables[str(row["result"]).removeprefix(KB) + "-outcome"]
        codes = {c["code"] for ch in variable["characteristic"] for c in ch["definitionCodeableConcept"]["coding"]}
        assert str(row["code"]) in codes


def test_each_justified_rule_links_its_recommendation_justification() -> None:
    rows = _select("SELECT ?rule ?j (COUNT(DISTINCT ?s) AS ?statements) WHERE { ?rule ekb:justification ?j . "
                   "OPTIONAL { ?j ekb:justificationStatement|ekb:evidenceStatement|ekb:revisionTrigger ?s } } "
                   "GROUP BY ?rule ?j")
    assessments = {a["id"]: a for a in resources("ArtifactAssessment")}
    actions = {a["linkId"]: a for g in council_plan()["action"] for a in g["action"]}
    assert rows
    for row in rows:
        action = actions[str(row["rule"]).removeprefix(KB)]
        links = [d["resourceReference"]["reference"] for d in action.get("documentation", [])
                 if d["type"] == "justification"]
        assert links == ["ArtifactAssessment/" + str(row["j"]).removeprefix(KB)]
        assessment = assessments[str(row["j"]).removeprefix(KB)]
        assert assessment["meta"]["profile"] == [
            "http://hl7.org/fhir/uv/ebm/StructureDefinition/recommendation-justification"]
        statements = [c for c in assessment["content"] if c["type"]["text"] != "summary"]
        assert len(statements) == int(str(row["statements"]))
