"""The calculator page in Chromium: its answers are `evidencekb recommend --format json`'s, for every vignette.

The patients are collected from the recommend tests (test_recommend_vignettes.V and THERAPY_FORMS,
test_recommend.CASES), not listed here: a vignette added there is checked here too. One page load per
language; the form is filled for each patient (Playwright, Debian's chromium; fixtures of test_browser.py:
the site of conftest.py, built once a session, served locally, nothing else is reachable).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import test_recommend as recommend_cases
import test_recommend_vignettes as vignettes
from test_browser import _new_page, _serious_violations, _shot, base_url, browser  # noqa: F401 (fixtures)

from evidencekb.errors import InputError
from evidencekb.recommend.evaluate import recommend_file

pytestmark = pytest.mark.browser

PAGE = "calculator/"
LANGUAGES = {"da": "", "en": "en/"}
PHONE = {"width": 390, "height": 844}


def patients() -> list[tuple[str, dict[str, Any]]]:
    """Every patient of the recommend tests: (id, JSON record)."""
    found = [(f"vignette/{v[0]}", v[1]) for v in vignettes.V]
    found += [(f"therapy/{name}", vignettes.vignette(therapy=name)) for name, _ in vignettes.THERAPY_FORMS]
    found += [(f"case/{case[0]}", recommend_cases.patient(**case[1])) for case in recommend_cases.CASES]
    found.append(("during-substitution", vignettes.vignette(igg={"value": 7, "during_ig_substitution": True})))
    today = vignettes.vignette(therapy_start="2020-01-01")
    del today["assessment_date"]  # both default to today
    found.append(("assessed-today", today))
    return found


PATIENTS = patients()


def expected(data: dict[str, Any], lang: str, tmp_path: Path) -> dict[str, Any] | str:
    """`evidencekb recommend --format json` on the patient (the CLI's function), or the error line."""
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        return json.loads(recommend_file(path, format="json", lang=lang))
    except InputError as error:
        return str(error)


def fill(tab: Any, data: dict[str, Any]) -> None:
    """Fill the form from a JSON patient record (names as in the contract) and submit it."""
    igg = data.get("igg", {})
    ig = data.get("immunoglobulin", {"status": "none"})
    tab.fill("[name=age]", str(data.get("age", "")))
    tab.fill("[name=therapy]", str(data.get("therapy", "")))
    tab.fill("[name=therapy_start]", data.get("therapy_start", ""))
    tab.fill("[name=assessment_date]", data.get("assessment_date", ""))
    tab.fill("[name=igg_value]", str(igg.get("value", "")))
    unit = {"g/l": "g/L", "mg/dl": "mg/dL"}[str(igg.get("unit", "g/L")).strip().lower()]
    tab.select_option("[name=igg_unit]", unit)
    tab.set_checked("[name=during_ig_substitution]", bool(igg.get("during_ig_substitution")))
    tab.set_checked("[name=severe_or_recurrent_bacterial_infections]",
                    bool(data.get("severe_or_recurrent_bacterial_infections")))
    tab.select_option("[name=ig_status]", ig["status"])
    if ig["status"] == "ongoing":
        tab.fill("[name=ig_start_date]", ig.get("start_date", ""))
        tab.set_checked("[name=ig_started_before_therapy]", bool(ig.get("started_before_therapy")))
        tab.select_option("[name=ig_start_basis]", ig.get("start_basis") or "")
    runs = int(tab.get_attribute("#ekb-calc", "data-runs") or 0)
    tab.click("#ekb-calc-submit")
    tab.wait_for_selector(f"#ekb-calc[data-runs='{runs + 1}']", state="attached", timeout=10_000)


def form_values(data: dict[str, Any]) -> list[tuple[str, str | bool]]:
    """The form controls `fill` sets for a JSON patient record, in the same order: (name, text or checked)."""
    igg = data.get("igg", {})
    ig = data.get("immunoglobulin", {"status": "none"})
    values: list[tuple[str, str | bool]] = [
        ("age", str(data.get("age", ""))),
        ("therapy", str(data.get("therapy", ""))),
        ("therapy_start", data.get("therapy_start", "")),
        ("assessment_date", data.get("assessment_date", "")),
        ("igg_value", str(igg.get("value", ""))),
        ("igg_unit", {"g/l": "g/L", "mg/dl": "mg/dL"}[str(igg.get("unit", "g/L")).strip().lower()]),
        ("during_ig_substitution", bool(igg.get("during_ig_substitution"))),
        ("severe_or_recurrent_bacterial_infections", bool(data.get("severe_or_recurrent_bacterial_infections"))),
        ("ig_status", ig["status"]),
    ]
    if ig["status"] == "ongoing":
        values += [("ig_start_date", ig.get("start_date", "")),
                   ("ig_started_before_therapy", bool(ig.get("started_before_therapy"))),
                   ("ig_start_basis", ig.get("start_basis") or "")]
    return values


# One round trip per patient: set the controls as `fill` does (input and change events; a hidden or disabled
# control, or a value the control does not take — an unknown option, a malformed date — is an error, as in
# Playwright), press the enabled submit button (the calculation runs synchronously in its submit handler)
# and read what `answered` reads.
FILL_AND_READ = """([values]) => {
  const form = document.getElementById("ekb-calc-form");
  const root = document.getElementById("ekb-calc");
  for (const [name, value] of values) {
    const control = form.elements[name];
    if (!control) throw new Error(`no form control ${name}`);
    if (control.disabled || !control.getClientRects().length) throw new Error(`${name} is disabled or not shown`);
    if (typeof value === "boolean") control.checked = value;
    else control.value = value;
    if (typeof value !== "boolean" && control.value !== value) {
      throw new Error(`${name} does not take ${JSON.stringify(value)} (it holds ${JSON.stringify(control.value)})`);
    }
    control.dispatchEvent(new Event("input", { bubbles: true }));
    control.dispatchEvent(new Event("change", { bubbles: true }));
  }
  const submit = document.getElementById("ekb-calc-submit");
  if (submit.disabled) throw new Error("the submit button is disabled");
  const runs = Number(root.dataset.runs || "0");
  submit.click();
  if (Number(root.dataset.runs || "0") !== runs + 1) throw new Error("pressing submit did not calculate");
  const result = document.getElementById("ekb-calc-result");
  return {
    state: root.dataset.state ?? null,
    start: result.getAttribute("data-start-decision"),
    stop: result.getAttribute("data-stop-decision"),
    stop_date: result.getAttribute("data-stop-date"),
    answer: root.answer || null,
    errors: [...document.querySelectorAll("#ekb-calc-errors li")].map((li) => li.textContent),
  };
}"""


def fill_and_read(tab: Any, data: dict[str, Any]) -> dict[str, Any]:
    """`fill` + `answered` in one call into the page (for the many patients of the vignette test)."""
    return tab.evaluate(FILL_AND_READ, [form_values(data)])


def answered(tab: Any) -> dict[str, Any]:
    result = tab.locator("#ekb-calc-result")
    return {
        "state": tab.get_attribute("#ekb-calc", "data-state"),
        "start": result.get_attribute("data-start-decision"),
        "stop": result.get_attribute("data-stop-decision"),
        "stop_date": result.get_attribute("data-stop-date"),
        "answer": tab.evaluate("document.getElementById('ekb-calc').answer || null"),
        "errors": tab.locator("#ekb-calc-errors li").all_text_contents(),
    }


@pytest.fixture(scope="module")
def calculator(browser: Any, base_url: str) -> Iterator[Any]:  # noqa: F811
    """One open calculator page per language, loaded once."""
    tabs = {}
    contexts = []
    for lang, prefix in LANGUAGES.items():
        context, tab, console = _new_page(browser, {"width": 1200, "height": 900})
        contexts.append(context)
        tab.goto(f"{base_url}/{prefix}{PAGE}")
        tab.wait_for_selector("#ekb-calc[data-ready='true']", state="attached", timeout=90_000)
        tabs[lang] = (tab, console)
    yield tabs
    for context in contexts:
        context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_vignette_agrees_with_recommend(calculator: Any, lang: str, tmp_path: Path) -> None:
    tab, console = calculator[lang]
    wrong = []
    for name, data in PATIENTS:
        want = expected(data, lang, tmp_path)
        got = fill_and_read(tab, data)
        if isinstance(want, str):
            if got["state"] != "invalid":
                wrong.append(f"{name}: recommend refuses it ({want}), the page answered {got['start']}")
            continue
        mine = got["answer"] or {}
        stop = mine.get("stop", {})
        pairs = [
            ("state", "answered", got["state"]),
            ("data-start-decision", want["start"]["decision"], got["start"]),
            ("data-stop-decision", want["stop"]["decision"], got["stop"]),
            ("data-stop-date", want["stop"]["date"] or "", got["stop_date"]),
            ("start.rule", want["start"]["rule"], mine.get("start", {}).get("rule")),
            ("stop.rule", want["stop"]["rule"], mine.get("stop", {}).get("rule")),
            ("stop.settled", want["stop"]["settled"], mine.get("stop", {}).get("settled")),
            ("stop.window", want["stop"].get("window"), mine.get("stop", {}).get("window")),
            ("stop.alternative_rule", want["stop"].get("alternative_rule"), stop.get("alternative_rule")),
            ("phase", want["phase"], mine.get("phase")),
            ("six_month_date", want["six_month_date"], mine.get("six_month_date")),
            ("explanation", want["explanation"], mine.get("explanation")),
        ]
        for what, expect, actual in pairs:
            if what == "explanation" and isinstance(expect, list) and isinstance(actual, list):
                differ = [(e, a) for e, a in zip(expect, actual, strict=False) if e != a]
                expect, actual = (differ[0] if differ else (len(expect), len(actual)))
            if expect != actual:
                wrong.append(f"{name} [{lang}] {what}: recommend {expect!r}, page {actual!r} {got['errors']}")
    assert not wrong, "\n".join(wrong)
    assert not console.errors, console.errors
    assert len(PATIENTS) > 60  # the collection found the recommend tests' patients


def test_the_answer_links_the_rule_pages(calculator: Any, base_url: str) -> None:  # noqa: F811
    tab, _ = calculator["en"]
    fill(tab, vignettes.vignette())
    links = tab.locator("#ekb-calc-result a[href*='rules/']")
    assert links.count() >= 2
    href = links.first.get_attribute("href")
    assert tab.request.get(f"{base_url}/en/{PAGE}{href}").ok, href
    assert tab.locator("#ekb-calc-result .ekb-calc-explanation li").count() >= 3


BAD = [  # (id, changes to a good patient, the form field that must be named, the contract's field)
    ("age-not-a-number", {"age": "sixty"}, "age", "age"),
    ("age-negative", {"age": -1}, "age", "age"),
    ("age-implausible", {"age": 200}, "age", "age"),
    ("unknown-therapy", {"therapy": "aspirin"}, "therapy", "therapy"),
    ("assessment-before-start", {"assessment_date": "2025-12-01"}, "assessment_date", "assessment_date"),
    ("igg-implausible", {"igg": {"value": 61}}, "igg_value", "igg.value"),
    ("igg-missing", {"igg": {"value": ""}}, "igg_value", "igg.value"),
    ("ig-start-after-assessment", {"ig": vignettes.ongoing("2026-04-01", basis="igg-below-4")},
     "ig_start_date", "immunoglobulin.start_date"),
    ("ig-before-flag-contradicts", {"ig": vignettes.ongoing("2026-02-01", before=True)},
     "ig_started_before_therapy", "immunoglobulin.started_before_therapy"),
    ("ig-basis-missing-within", {"ig": vignettes.ongoing("2026-02-01")}, "ig_start_basis",
     "immunoglobulin.start_basis"),
]


@pytest.mark.parametrize("changes, field, contract", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_named_by_field(calculator: Any, changes: dict[str, Any], field: str, contract: str,
                                     tmp_path: Path) -> None:
    data = vignettes.vignette(**changes)
    if not (isinstance(data.get("age"), str) or data["igg"]["value"] == ""):  # JSON-typed: recommend agrees
        assert str(expected(data, "en", tmp_path)).startswith(contract + ":")
    for lang in LANGUAGES:
        tab, _ = calculator[lang]
        fill(tab, data)
        assert tab.get_attribute("#ekb-calc", "data-state") == "invalid", lang
        assert tab.locator("#ekb-calc-result").get_attribute("data-start-decision") is None
        message = tab.locator(f"#error-{field}")
        assert message.is_visible(), (lang, tab.locator("#ekb-calc-errors").text_content())
        assert message.text_content().strip()
        assert tab.get_attribute(f"[name={field}]", "aria-invalid") == "true"


def test_form_fields_are_named_as_the_patient_contract(calculator: Any) -> None:
    tab, _ = calculator["da"]
    names = set(tab.eval_on_selector_all("#ekb-calc-form [name]", "els => els.map(e => e.name)"))
    assert names == {"age", "therapy", "therapy_start", "assessment_date", "igg_value", "igg_unit",
                     "severe_or_recurrent_bacterial_infections", "ig_status", "ig_start_date",
                     "ig_started_before_therapy", "ig_start_basis", "during_ig_substitution"}
    assert tab.locator("#ekb-calc-form button[type=submit]").count() == 1
    assert tab.get_attribute("html", "lang") == "da"
    assert "Beregn" in tab.locator("#ekb-calc-submit").text_content()
    en, _ = calculator["en"]
    assert en.get_attribute("html", "lang") == "en"
    assert "Calculate" in en.locator("#ekb-calc-submit").text_content()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_phone_width_and_accessibility(browser: Any, base_url: str, lang: str) -> None:  # noqa: F811
    context, tab, console = _new_page(browser, PHONE)
    try:
        tab.goto(f"{base_url}/{LANGUAGES[lang]}{PAGE}")
        tab.wait_for_selector("#ekb-calc[data-ready='true']", state="attached", timeout=90_000)
        data = copy.deepcopy(vignettes.vignette(inf=True, ig=vignettes.ongoing("2026-02-01", basis="infections")))
        fill(tab, data)
        assert tab.get_attribute("#ekb-calc", "data-state") == "answered"
        width = tab.evaluate("document.documentElement.scrollWidth")
        _shot(tab, f"calculator-{lang}-phone")
        assert width <= PHONE["width"], f"{lang}{PAGE} is {width} px wide on a {PHONE['width']} px phone"
        assert _serious_violations(tab) == []
        fill(tab, vignettes.vignette(age="x"))  # the error state too
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert _serious_violations(tab) == []
        assert not console.errors, console.errors
    finally:
        context.close()
