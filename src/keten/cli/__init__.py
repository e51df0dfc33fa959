"""Command-line interface (typer): thin, parses, calls a service, renders."""
