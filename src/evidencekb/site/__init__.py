"""The MkDocs-Material site generated from the graph: model, pages, build and serve."""
