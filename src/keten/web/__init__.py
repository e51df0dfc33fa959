"""The web dashboard: pages at ``/`` of ``keten serve`` (same app as the PACT API), people log in
with a session cookie; charts and maps with the plotly.js the ``plotly`` package ships (no CDN).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from keten.api.deps import AppState
    from keten.web.app import DashboardState


def mount_dashboard(app: FastAPI, state: AppState) -> DashboardState:
    """Add the dashboard to keten's app (imported here lazily: ``keten.api`` imports this
    package, and the dashboard imports ``keten.api.deps``)."""
    from keten.web.app import mount_dashboard as mount

    return mount(app, state)


__all__ = ["mount_dashboard"]
