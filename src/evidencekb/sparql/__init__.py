"""SPARQL: query files and their headers, ONE binding contract, local engines, the remote engine.

* `core` — `query_text`/`update_text` (queries/<folder>/<name>.rq|.ru), `QueryResult`/`Triples`
  answers, the pyoxigraph and rdflib engines (values bound as terms; SERVICE refused locally).
* `engines` — `get_engine()`: the process's one local engine, or a `RemoteEngine` for `--endpoint`.
* `bind` — bound terms written into query text for endpoints, placed by rdflib's SPARQL parser.
* `remote` — SPARQL 1.1 Protocol: queries of every form, updates, timeout, bounded retry.
"""
