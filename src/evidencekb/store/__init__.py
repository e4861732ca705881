"""Write the knowledge base into a SPARQL 1.1 store: atomic, chunked load by SPARQL Update."""
