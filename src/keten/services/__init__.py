"""Use cases shared by the CLI, the API and the web pages; the only layer that touches the store."""
