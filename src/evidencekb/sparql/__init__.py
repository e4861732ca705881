"""SPARQL: query files and their headers, ONE binding contract, the local engines, the remote engine.

Layers inside (an import-linter contract, so no import cycle): engines → local | remote → core → bind.

* `core` — `query_text`/`update_text` (queries/<folder>/<name>.rq|.ru), the binding contract and the
  answers: `QueryResult` (`rows` as rdflib terms, `terms` as light terms), `Triples`; SERVICE refused.
* `local` — the local engines: one implementation (`LocalEngine`), pyoxigraph and rdflib backends.
* `remote` — SPARQL 1.1 Protocol: queries of every form, updates, timeout, bounded retry.
* `engines` — `get_engine()`: the process's one local engine, or a `RemoteEngine` for `--endpoint`;
  `local_engine(graph)` for a given graph.
* `bind` — bound terms written into query text for endpoints, placed by rdflib's SPARQL parser.
"""
