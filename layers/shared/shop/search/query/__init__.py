"""GET /search: the rules of a query and its paging (service), and OpenSearch's side of it (opensearch)."""
