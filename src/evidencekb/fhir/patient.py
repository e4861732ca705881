"""Patients as FHIR R5 Bundles: `patient_to_bundle` (today's JSON contract → Bundle) and the pure
`bundle_to_patient` (Bundle → the JSON contract `recommend` and `compare` read).

The mapping (field by field, with the codes) is the README's "FHIR" section: Patient.birthDate,
Observation LOINC 2465-3 with a UCUM valueQuantity, MedicationAdministration for the therapy, a Condition
for infections, a MedicationStatement for immunoglobulin, Bundle.timestamp for the assessment date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from evidencekb.errors import InputError
from evidencekb.fhir.common import (
    ADHERENCE,
    ADHERENCE_OF_STATUS,
    ATC,
    BASIS_SYSTEM,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    DURING_SUBSTITUTION_CODE,
    DURING_SUBSTITUTION_SYSTEM,
    EXT_STARTED_BEFORE_THERAPY,
    IG_ATC,
    IGG_LOINC,
    INFECTION_CODE,
    INFECTION_SYSTEM,
    LOINC,
    THERAPY_SYSTEM,
    UCUM,
    full_url,
)

_STATUS_OF_ADHERENCE = {code: status for status, code in ADHERENCE_OF_STATUS.items()}
_UNITS = {"g/l": "g/L", "mg/dl": "mg/dL"}


def whole_years(birth: date, at: date) -> int:
    """Age in whole years: the largest n with birth + n years ≤ at (calendar arithmetic, clamped)."""
    years = max(at.year - birth.year - 1, 0)
    while birth + relativedelta(years=years + 1) <= at:
        years += 1
    return years


def birth_date(age: Decimal, at: date) -> date:
    """A birth date giving `age` (whole years; a fraction as days of the year before) at `at`."""
    whole = int(age)
    days = int((age - whole) * 365)
    birth = at - relativedelta(years=whole) - relativedelta(days=days)
    while whole_years(birth, at) > whole:  # a leap-day clamp can overshoot by a day
        birth += relativedelta(days=1)
    return birth


def patient_to_bundle(data: Mapping[str, Any], therapy: Mapping[str, Any], assessment_date: str) -> dict[str, Any]:
    """The FHIR R5 Bundle (type collection) of one patient record in the JSON contract.

    `data` must already be valid (the CLI passes it through `recommend_data` first, whose answer also
    gives `therapy` — {"input", "class", "product", "product_name"} — and the assessment date used).
    """
    at = date.fromisoformat(assessment_date)
    subject = {"reference": "Patient/patient"}
    igg = data["igg"]
    unit = _UNITS[str(igg["unit"]).strip().lower()]
    therapy_coding: list[dict[str, Any]] = [{"system": THERAPY_SYSTEM, "code": str(therapy["class"])}]
    if therapy.get("product"):
        product = str(therapy["product"])
        therapy_coding.append({"system": product.rsplit("/", 1)[0] + "/", "code": product.rsplit("/", 1)[-1],
                               **({"display": therapy["product_name"]} if therapy.get("product_name") else {})})
    infections = bool(data["severe_or_recurrent_bacterial_infections"])
    resources: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": "patient",
         "birthDate": birth_date(Decimal(str(data["age"])), at).isoformat()},
        {"resourceType": "Observation", "id": "igg", "status": "final",
         "code": {"coding": [{"system": LOINC, "code": IGG_LOINC,
                              "display": "IgG [Mass/volume] in Serum or Plasma"}]},
         "subject": subject, "effectiveDateTime": at.isoformat(),
         "valueQuantity": {"value": igg["value"], "unit": unit, "system": UCUM, "code": unit},
         "component": [{"code": {"coding": [{"system": DURING_SUBSTITUTION_SYSTEM, "code": DURING_SUBSTITUTION_CODE}]},
                        "valueBoolean": bool(igg.get("during_ig_substitution") or False)}]},
        {"resourceType": "MedicationAdministration", "id": "therapy", "status": "completed",
         "medication": {"concept": {"text": str(data["therapy"]).strip(), "coding": therapy_coding}},
         "subject": subject, "occurenceDateTime": str(data["therapy_start"]).strip()},
        {"resourceType": "Condition", "id": "infections",
         "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
         "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION,
                                            "code": "confirmed" if infections else "refuted"}]},
         "code": {"coding": [{"system": INFECTION_SYSTEM, "code": INFECTION_CODE}],
                  "text": "severe or recurrent bacterial infections"},
         "subject": subject},
    ]
    ig = data["immunoglobulin"]
    status = str(ig["status"]).strip().lower()
    statement: dict[str, Any] = {
        "resourceType": "MedicationStatement", "id": "immunoglobulin", "status": "recorded",
        "medication": {"concept": {"coding": [{"system": ATC, "code": IG_ATC,
                                               "display": "immunoglobulins, normal human"}]}},
        "subject": subject,
        "adherence": {"code": {"coding": [{"system": ADHERENCE, "code": ADHERENCE_OF_STATUS[status]}]}},
    }
    if status == "ongoing":
        statement["effectivePeriod"] = {"start": str(ig["start_date"]).strip()}
        statement["extension"] = [{"url": EXT_STARTED_BEFORE_THERAPY,
                                   "valueBoolean": bool(ig["started_before_therapy"])}]
        if ig.get("start_basis") is not None:
            basis = str(ig["start_basis"]).strip().lower()
            statement["reason"] = [{"concept": {"coding": [{"system": BASIS_SYSTEM, "code": basis}]}}]
    resources.append(statement)
    disease = data.get("disease")
    if isinstance(disease, str) and disease.strip():
        resources.append({"resourceType": "Condition", "id": "disease",
                          "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
                          "code": {"text": disease.strip()}, "subject": subject})
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": f"{at.isoformat()}T00:00:00Z",
        "entry": [{"fullUrl": full_url(r["resourceType"], r["id"]), "resource": r}
                  for r in resources],
    }


# --- Bundle → JSON contract -----------------------------------------------------------------------


def is_bundle(data: Any) -> bool:
    """Whether a parsed JSON value is a FHIR resource (has `resourceType`) rather than a JSON patient."""
    return isinstance(data, Mapping) and "resourceType" in data


def bundle_to_patient(bundle: Any, assessment_date: str | None = None) -> dict[str, Any]:
    """Today's JSON patient record from a FHIR patient Bundle; problems raise InputError with a
    FHIRPath-like location such as `Bundle.entry[2].resource.valueQuantity.unit`.

    The assessment date is the date part of `Bundle.timestamp`, or `assessment_date` (YYYY-MM-DD) when
    given (an option of the caller; it wins over the timestamp)."""
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        found = bundle.get("resourceType") if isinstance(bundle, Mapping) else type(bundle).__name__
        raise InputError(f"Bundle.resourceType: expected a FHIR Bundle, got {str(found)[:40]!r}")
    if assessment_date is not None:
        at = _date_of(assessment_date, "--assessment-date", "a date YYYY-MM-DD")
    else:
        at = _date_of(bundle.get("timestamp"), "Bundle.timestamp",
                      "the assessment date, e.g. 2026-03-01T00:00:00Z, or give the assessment date as an option")
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        raise InputError("Bundle.entry: missing (expected the Patient, Observation, MedicationAdministration, "
                         "Condition and MedicationStatement entries)")
    found: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for index, entry in enumerate(entries):
        where = f"Bundle.entry[{index}]"
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping) or not isinstance(resource.get("resourceType"), str):
            raise InputError(f"{where}.resource: expected a FHIR resource with a resourceType")
        found.setdefault(str(resource["resourceType"]), []).append((f"{where}.resource", resource))

    record: dict[str, Any] = {"assessment_date": at.isoformat()}
    where, patient = _one(found, "Patient")
    birth = _date_of(patient.get("birthDate"), f"{where}.birthDate", "a date YYYY-MM-DD")
    if birth > at:
        raise InputError(f"{where}.birthDate: {birth.isoformat()} is after the assessment date {at.isoformat()}")
    record["age"] = whole_years(birth, at)

    where, observation = _one(found, "Observation", lambda r: _has_coding(r.get("code"), LOINC, IGG_LOINC),
                              f"an IgG Observation coded LOINC {IGG_LOINC}")
    quantity = observation.get("valueQuantity")
    if not isinstance(quantity, Mapping):
        raise InputError(f"{where}.valueQuantity: missing (expected the IgG as a UCUM quantity in g/L or mg/dL)")
    unit = quantity.get("code", quantity.get("unit"))
    unit_where = f"{where}.valueQuantity.{'code' if 'code' in quantity else 'unit'}"
    if quantity.get("system") not in (None, UCUM):
        raise InputError(f"{where}.valueQuantity.system: {str(quantity.get('system'))[:60]!r} is not UCUM ({UCUM})")
    if not isinstance(unit, str) or unit.strip().lower() not in _UNITS:
        raise InputError(f"{unit_where}: unknown unit {str(unit)[:40]!r} (accepted: UCUM g/L or mg/dL)")
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise InputError(f"{where}.valueQuantity.value: expected a number, got {type(value).__name__}")
    igg: dict[str, Any] = {"value": value, "unit": _UNITS[unit.strip().lower()]}
    for c_index, component in enumerate(observation.get("component") or []):
        if isinstance(component, Mapping) and _has_coding(component.get("code"), DURING_SUBSTITUTION_SYSTEM,
                                                          DURING_SUBSTITUTION_CODE):
            flag = component.get("valueBoolean")
            if not isinstance(flag, bool):
                raise InputError(f"{where}.component[{c_index}].valueBoolean: expected true or false")
            igg["during_ig_substitution"] = flag
    record["igg"] = igg

    where, administration = _one(
        found, "MedicationAdministration",
        lambda r: _codings(_get(r, "medication", "concept"), THERAPY_SYSTEM) or _text(_get(r, "medication", "concept")),
        "the CAR-T infusion or first bispecific dose as a MedicationAdministration")
    concept = _get(administration, "medication", "concept") or {}
    text = _text(concept)
    classes = _codings(concept, THERAPY_SYSTEM)
    record["therapy"] = text if text else classes[0]
    if "occurenceDateTime" not in administration and "occurrenceDateTime" in administration:
        raise InputError(f"{where}.occurrenceDateTime: R5 spells it occurenceDateTime (one 'r')")
    record["therapy_start"] = _date_of(administration.get("occurenceDateTime"), f"{where}.occurenceDateTime",
                                       "the date of the infusion or first dose").isoformat()

    where, condition = _one(found, "Condition", lambda r: _has_coding(r.get("code"), INFECTION_SYSTEM, INFECTION_CODE),
                            f"a Condition coded {INFECTION_CODE} ({INFECTION_SYSTEM}), confirmed or refuted")
    status = _codings(condition.get("verificationStatus"), CONDITION_VERIFICATION)
    if not status or status[0] not in ("confirmed", "refuted"):
        raise InputError(f"{where}.verificationStatus: expected confirmed (infections) or refuted (none), "
                         f"got {', '.join(status) or 'nothing'}")
    record["severe_or_recurrent_bacterial_infections"] = status[0] == "confirmed"
    diseases = [r for _, r in found.get("Condition", [])
                if not _has_coding(r.get("code"), INFECTION_SYSTEM, INFECTION_CODE)]
    if diseases and _text(diseases[0].get("code")):
        record["disease"] = _text(diseases[0].get("code"))

    where, statement = _one(found, "MedicationStatement", lambda r: _has_coding(_get(r, "medication", "concept"), ATC,
                                                                                IG_ATC),
                            f"the immunoglobulin status as a MedicationStatement coded ATC {IG_ATC}")
    adherence = _codings(_get(statement, "adherence", "code"), ADHERENCE)
    if not adherence or adherence[0] not in _STATUS_OF_ADHERENCE:
        raise InputError(f"{where}.adherence.code: expected taking (ongoing) or not-taking (none) from {ADHERENCE}")
    ig: dict[str, Any] = {"status": _STATUS_OF_ADHERENCE[adherence[0]]}
    if ig["status"] == "ongoing":
        ig["start_date"] = _date_of(_get(statement, "effectivePeriod", "start"), f"{where}.effectivePeriod.start",
                                    "the date immunoglobulin was started").isoformat()
        before = [e for e in statement.get("extension") or []
                  if isinstance(e, Mapping) and e.get("url") == EXT_STARTED_BEFORE_THERAPY]
        if not before or not isinstance(before[0].get("valueBoolean"), bool):
            raise InputError(f"{where}.extension: missing {EXT_STARTED_BEFORE_THERAPY} with valueBoolean "
                             "(was immunoglobulin started before the therapy?)")
        ig["started_before_therapy"] = before[0]["valueBoolean"]
        for r_index, reason in enumerate(statement.get("reason") or []):
            bases = _codings(_get(reason, "concept"), BASIS_SYSTEM) if isinstance(reason, Mapping) else []
            if bases:
                ig["start_basis"] = bases[0]
                break
            if not isinstance(reason, Mapping):
                raise InputError(f"{where}.reason[{r_index}]: expected a CodeableReference")
    record["immunoglobulin"] = ig
    return record


def _one(found: Mapping[str, list[tuple[str, Mapping[str, Any]]]], kind: str,
         accept: Callable[[Mapping[str, Any]], Any] | None = None,
         what: str | None = None) -> tuple[str, Mapping[str, Any]]:
    matches = [(w, r) for w, r in found.get(kind, []) if accept is None or accept(r)]
    if not matches:
        raise InputError(f"Bundle.entry: no {kind} (expected {what or 'one ' + kind})")
    if len(matches) > 1:
        raise InputError(f"{matches[1][0]}: a second {kind} of the same kind (expected exactly one: {what or kind})")
    return matches[0]


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _codings(concept: Any, system: str) -> list[str]:
    codings = _get(concept, "coding")
    if not isinstance(codings, list):
        return []
    return [str(c["code"]) for c in codings if isinstance(c, Mapping) and c.get("system") == system and "code" in c]


def _has_coding(concept: Any, system: str, code: str) -> bool:
    return code in _codings(concept, system)


def _text(concept: Any) -> str | None:
    text = _get(concept, "text")
    return text if isinstance(text, str) and text.strip() else None


def _date_of(value: Any, where: str, what: str) -> date:
    if not isinstance(value, str) or len(value) < 10:
        raise InputError(f"{where}: missing or not a date ({what})")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InputError(f"{where}: {value[:40]!r} is not a date ({what})") from None
