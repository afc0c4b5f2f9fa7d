"""What the web app's composition root hands its routes.

``admin.app.create_app`` reads the settings once (or is given them) and keeps them on
``app.state``; a route asks for them with ``Depends(web_settings)``, a helper that has the
request calls ``web_settings(request)``. Nothing in ``admin/`` besides ``create_app`` reads the
environment, so a test's app runs with exactly the settings it was built with."""

from __future__ import annotations

from fastapi import Request

from store.settings import Settings


def web_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings
