"""Input validation at the edge: the shapes API.md promises, checked strictly (pydantic) before any use case
runs. One module per thing validated; `parsing.parse` reads any of them. Beside the routes rather than inside
them, because the CLI and the CSV importer read the same shapes through the same rules."""
