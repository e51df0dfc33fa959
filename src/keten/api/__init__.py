"""keten's HTTP API: a PACT v3 host with iLEAP extensions (``create_app(settings)``)."""

from keten.api.app import create_app

__all__ = ["create_app"]
