"""Checks on the graph: SHACL shapes and QC queries (validate), and the addendum's self-audit."""
