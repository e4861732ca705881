"""FHIR commands: `evidencekb patient to-fhir PATIENT.json` (the patient as a FHIR R5 Bundle).

`evidencekb export --format fhir [--out FILE]` is declared with the other export formats in
`graph_commands` and calls `evidencekb.fhir.export.export_text`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from evidencekb import messages
from evidencekb.cli.options import command_adder
from evidencekb.errors import InputError


def add(commands: argparse._SubParsersAction) -> None:
    command = command_adder(commands)
    p = command(
        "patient",
        "Convert patient records (to-fhir: the JSON contract → a FHIR R5 Bundle).",
        "examples:\n  evidencekb patient to-fhir patient.json > patient-bundle.json\n\n"
        "The Bundle (type collection) holds Patient.birthDate, the IgG Observation (LOINC 2465-3, UCUM g/L\n"
        "or mg/dL), the therapy as MedicationAdministration, infections as a Condition, the immunoglobulin\n"
        "status as MedicationStatement; Bundle.timestamp is the assessment date (see the README).\n"
        "exit: 0 converted, 2 bad patient record (field named).",
    )
    p.add_argument("action", choices=["to-fhir"], help="to-fhir: print the patient's FHIR R5 Bundle")
    p.add_argument("patient", type=Path, metavar="PATIENT.json", help="one patient in the JSON contract")
    p.set_defaults(handler=_to_fhir)


def _to_fhir(args: argparse.Namespace) -> int:
    from evidencekb.fhir.patient import is_bundle, patient_to_bundle
    from evidencekb.recommend.evaluate import recommend_data
    from evidencekb.recommend.records import load_json_file

    data = load_json_file(args.patient)
    if is_bundle(data):
        raise InputError(messages.text("fhir.patient.not_json_patient", args.lang if hasattr(args, "lang") else "en",
                                       path=args.patient, kind=str(data.get("resourceType"))[:40]))
    answer = recommend_data(data)  # validates the record and resolves the therapy through the graph
    bundle = patient_to_bundle(data, answer["therapy"], answer["assessment_date"])
    print(json.dumps(bundle, ensure_ascii=False, indent=2, default=_number))
    return 0


def _number(value: object) -> object:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
    raise TypeError(type(value).__name__)
