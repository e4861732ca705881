"""`evidencekb diff OLD NEW`: what a revision of the knowledge base changes, semantically.

OLD and NEW are project folders or git revisions of the repository holding the current project
(`workspace.materialise`). The answer has four parts:

* ``entities`` — every IRI node of ontology + data that was added, removed or changed, with its kind
  (rdf:type), label and, per property, the values before and after (blank nodes are folded into the
  node that refers to them, so a changed blank node shows as a change of its owner);
* ``tables`` — every cell of the regenerated tables (3-1 … 8-7) whose text changes;
* ``decisions`` — every cell of the decision space whose council start or stop decision changes. Both
  revisions are evaluated on the common refinement of their partitions (the cut points of OLD and NEW
  together), so a moved threshold shows exactly the cells between the old and the new value;
* ``patients`` (with ``--patients FILE``, a recommend batch file) — how many patients' answers change.

Exit status (CLI): 0 nothing changed, 1 something changed, 2 bad input.

Every part reads the revisions through pyoxigraph (`rdf.cache.knowledge_store`, one store per
revision): `diff` never imports rdflib. ``entities`` writes terms in the project's notation: IRIs as
CURIEs of the project's prefixes (`namespaces.curie`, else ``<iri>``), literals quoted with their
language or CURIE datatype (``"4"^^xsd:integer``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from evidencekb import messages, project
from evidencekb.errors import InputError
from evidencekb.namespaces import PREFIXES, curie, kb
from evidencekb.rdf.cache import knowledge_store
from evidencekb.recommend.batch import read_batch, recommend_records
from evidencekb.revision.dimensions import derive_dimensions, merge_dimensions
from evidencekb.revision.evaluate import evaluate_cells
from evidencekb.revision.workspace import materialise, queries_from, using
from evidencekb.tables import TABLE_IDS, table_data
from evidencekb.terms import Literal

RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
LABELS = (ox.NamedNode(PREFIXES["rdfs"] + "label"), ox.NamedNode(PREFIXES["skos"] + "prefLabel"))
XSD_STRING = PREFIXES["xsd"] + "string"

# --- entities ----------------------------------------------------------------------------------


def _pairs(store: ox.Store, subject: ox.NamedNode | ox.BlankNode) -> list[tuple[ox.NamedNode, object]]:
    return [(q.predicate, q.object) for q in store.quads_for_pattern(subject, None, None, ox.DefaultGraph())]


def _iri(iri: str) -> str:
    short = curie(iri)
    return short if short != iri else f"<{iri}>"


def _term(store: ox.Store, term: object, seen: frozenset = frozenset()) -> str:
    """A term in the project's notation; a blank node as the description it stands for."""
    if isinstance(term, ox.BlankNode):
        if term in seen:
            return "[…]"
        inner = sorted(f"{_term(store, p)} {_term(store, o, seen | {term})}" for p, o in _pairs(store, term))
        return "[" + "; ".join(inner) + "]"
    if isinstance(term, ox.NamedNode):
        return _iri(term.value)
    if isinstance(term, ox.Literal):
        quoted = Literal(term.value).n3()
        if term.language:
            return f"{quoted}@{term.language}"
        datatype = term.datatype.value
        return quoted if datatype == XSD_STRING else f"{quoted}^^{_iri(datatype)}"
    return str(term)


def _describe(store: ox.Store) -> dict[str, dict[str, set[str]]]:
    out: dict[str, dict[str, set[str]]] = {}
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        if isinstance(quad.subject, ox.NamedNode):
            values = out.setdefault(quad.subject.value, {}).setdefault(_term(store, quad.predicate), set())
            values.add(_term(store, quad.object))
    return out


def _label(store: ox.Store, node: str) -> str:
    for predicate in LABELS:
        labels = [q.object for q in store.quads_for_pattern(ox.NamedNode(node), predicate, None, ox.DefaultGraph())]
        if labels:
            english = [x for x in labels if isinstance(x, ox.Literal) and x.language == "en"]
            return sorted(x.value if isinstance(x, ox.Literal) else str(x) for x in english or labels)[0]
    return ""


def _kind(store: ox.Store, node: str) -> str:
    types = sorted(_term(store, q.object)
                   for q in store.quads_for_pattern(ox.NamedNode(node), RDF_TYPE, None, ox.DefaultGraph()))
    preferred = [t for t in types if t.startswith("ekb:")]
    return (preferred or types or ["(untyped)"])[0]


def entity_changes(old: ox.Store, new: ox.Store) -> list[dict[str, Any]]:
    before, after = _describe(old), _describe(new)
    out = []
    for node in sorted(set(before) | set(after)):
        a, b = before.get(node), after.get(node)
        if a == b:
            continue
        change = "added" if a is None else "removed" if b is None else "changed"
        a, b = a or {}, b or {}
        properties = [
            {"property": prop, "before": sorted(a.get(prop, set())), "after": sorted(b.get(prop, set()))}
            for prop in sorted(set(a) | set(b)) if a.get(prop, set()) != b.get(prop, set())
        ]
        store = new if change != "removed" else old
        out.append({"entity": node, "label": _label(store, node) or _label(old, node),
                    "kind": _kind(store, node), "change": change, "properties": properties})
    out.sort(key=lambda e: (e["kind"], e["entity"]))
    return out


# --- tables ------------------------------------------------------------------------------------


def _tables() -> dict[str, dict[str, Any] | None]:
    out: dict[str, dict[str, Any] | None] = {}
    for table_id in TABLE_IDS:
        try:
            out[table_id] = table_data(table_id, "en")
        except InputError:
            out[table_id] = None
    return out


def table_changes(old: dict[str, dict | None], new: dict[str, dict | None]) -> list[dict[str, Any]]:
    out = []
    for table_id in TABLE_IDS:
        a, b = old.get(table_id) or {}, new.get(table_id) or {}
        rows_a, rows_b = a.get("rows", []), b.get("rows", [])
        columns = b.get("columns") or a.get("columns") or []
        for r in range(max(len(rows_a), len(rows_b))):
            row_a = rows_a[r] if r < len(rows_a) else []
            row_b = rows_b[r] if r < len(rows_b) else []
            heading = (row_b or row_a or [""])[0]
            for c in range(max(len(row_a), len(row_b))):
                x = row_a[c] if c < len(row_a) else None
                y = row_b[c] if c < len(row_b) else None
                if x != y:
                    out.append({"table": table_id, "row": r + 1, "row_heading": heading, "column": c + 1,
                                "column_heading": columns[c] if c < len(columns) else "", "before": x, "after": y})
        for key in ("title", "footnotes"):
            if a.get(key) != b.get(key):
                out.append({"table": table_id, "row": None, "row_heading": key, "column": None,
                            "column_heading": "", "before": a.get(key), "after": b.get(key)})
    return out


# --- decisions and patients --------------------------------------------------------------------


def _decision(council: dict[str, Any] | None) -> dict[str, Any] | None:
    if council is None:
        return None
    return {"start": council["start"], "stop": council["stop"], "rule": council["rule"],
            "stop_rule": council["stop_rule"]}


def decision_changes(old_cells: list, new_cells: list) -> list[dict[str, Any]]:
    before = {c.id: c for c in old_cells}
    after = {c.id: c for c in new_cells}
    order = [c.id for c in new_cells] + [c.id for c in old_cells if c.id not in after]
    out = []
    for cell_id in order:
        a, b = before.get(cell_id), after.get(cell_id)
        da, db = _decision(a.council if a else None), _decision(b.council if b else None)
        if da is None or db is None or (da["start"], da["stop"]) != (db["start"], db["stop"]):
            out.append({"cell": cell_id, "patient": (b or a).patient, "before": da, "after": db})
    return out


def _answer_key(answer: dict[str, Any]) -> tuple:
    if "error" in answer:
        return ("error", answer["error"])
    return (answer["start"]["decision"], answer["stop"]["decision"], answer["stop"].get("date"))


def patient_changes(records: list, old_answers: list[dict], new_answers: list[dict], path: Path) -> dict[str, Any]:
    changed = [a["line"] for a, b in zip(old_answers, new_answers, strict=True) if _answer_key(a) != _answer_key(b)]
    return {"file": str(path), "total": len(records), "changed": len(changed), "lines": changed}


# --- the whole diff ----------------------------------------------------------------------------


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def diff(old_spec: str, new_spec: str, patients: Path | None = None) -> dict[str, Any]:
    records = None
    if patients is not None:
        records = list(read_batch(Path(patients)))
    with materialise(old_spec) as (old_root, old_name), materialise(new_spec) as (new_root, new_name):
        new_queries = project.open_project(new_root).queries
        try:
            result = _compare(old_root, new_root, records, patients)
        except Exception:
            if _fingerprint(project.open_project(old_root).queries) == _fingerprint(new_queries):
                raise
            # OLD's queries do not fit this version's code (a revision from before a change of the queries'
            # interface, e.g. a new bound variable or query file): its data, ontology and validators are
            # evaluated with NEW's queries, and the result says so.
            with queries_from(old_root, new_queries) as patched:
                result = _compare(patched, new_root, records, patients)
            result["note"] = messages.text("space.diff.old-queries-replaced", "en", old=old_name)
    return {"old": old_name, "new": new_name, **result}


def _compare(old_root: Path, new_root: Path, records: list | None, patients: Path | None) -> dict[str, Any]:
    with using(old_root) as old_project:
        old_graph = knowledge_store()
        old_tables = _tables()
        old_dims = derive_dimensions()
        old_queries = _fingerprint(old_project.queries)
    with using(new_root) as new_project:
        new_graph = knowledge_store()
        new_tables = _tables()
        new_dims = derive_dimensions()
        new_queries = _fingerprint(new_project.queries)
    entities = entity_changes(old_graph, new_graph)
    tables = table_changes(old_tables, new_tables)
    decisions: list[dict[str, Any]] = []
    patient_summary = None
    if entities or old_queries != new_queries:  # same graph and same logic: no answer can change
        merged = merge_dimensions(old_dims, new_dims)
        with using(old_root):
            old_cells = evaluate_cells(merged, sources=False, matches=False)
            old_answers = list(recommend_records(records, "en")) if records is not None else []
        with using(new_root):
            new_cells = evaluate_cells(merged, sources=False, matches=False)
            new_answers = list(recommend_records(records, "en")) if records is not None else []
        decisions = decision_changes(old_cells, new_cells)
        if records is not None:
            patient_summary = patient_changes(records, old_answers, new_answers, Path(patients or ""))
    elif records is not None:
        patient_summary = {"file": str(patients), "total": len(records), "changed": 0, "lines": []}
    return {
        "changed": bool(entities or tables or decisions or (patient_summary and patient_summary["changed"])),
        "entities": entities,
        "tables": tables,
        "decisions": decisions,
        "patients": patient_summary,
    }


def render_text(result: dict[str, Any], lang: str = "en") -> str:
    lines = [f"OLD {result['old']}", f"NEW {result['new']}", ""]
    if result.get("note"):
        lines[2:2] = [messages.text("space.diff.old-queries-replaced", lang, old=result["old"])]
    if not result["changed"]:
        lines.append(messages.text("space.diff.nothing", lang))
        return "\n".join(lines) + "\n"
    lines.append(messages.text("space.diff.entities", lang, n=len(result["entities"])))
    kind = None
    for entity in result["entities"]:
        if entity["kind"] != kind:
            kind = entity["kind"]
            lines.append(f"  {kind}")
        mark = {"added": "+", "removed": "-", "changed": "~"}[entity["change"]]
        label = f" “{entity['label']}”" if entity["label"] else ""
        name = entity["entity"]
        name = "kb:" + name[len(str(kb)):] if name.startswith(str(kb)) else name
        lines.append(f"    {mark} {name}{label}")
        if entity["change"] == "changed":
            for prop in entity["properties"]:
                lines.append(f"        {prop['property']}: {', '.join(prop['before']) or '–'} → "
                             f"{', '.join(prop['after']) or '–'}")
    lines.append(messages.text("space.diff.tables", lang, n=len(result["tables"])))
    for cell in result["tables"]:
        where = f"row {cell['row']} “{cell['row_heading'][:40]}”, column “{cell['column_heading'][:30]}”" \
            if cell["row"] is not None else cell["row_heading"]
        lines.append(f"  {cell['table']} {where}: {cell['before']!r} → {cell['after']!r}")
    lines.append(messages.text("space.diff.decisions", lang, n=len(result["decisions"])))
    for change in result["decisions"]:
        before, after = change["before"] or {}, change["after"] or {}
        lines.append(f"  {change['cell']}: start {before.get('start', '–')} → {after.get('start', '–')}, "
                     f"stop {before.get('stop', '–')} → {after.get('stop', '–')}")
    if result["patients"] is not None:
        lines.append(messages.text("space.diff.patients", lang, changed=result["patients"]["changed"],
                                   total=result["patients"]["total"]))
    return "\n".join(lines) + "\n"
