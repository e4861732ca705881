"""Write the knowledge base into a SPARQL 1.1 store: atomic, chunked load by SPARQL Update
(the updates are queries/store/*.ru, with the graph IRIs bound as checked terms)."""
