"""The web app's routers, included by ``admin.app.create_app`` in this order."""

from admin.routes import (
           api,
           auth,
           catalogue,
           channels,
           console,
           fitconnect,
           inbox,
           info,
           items,
           mailroom,
           operations,
           phone,
           public,
           steering,
)

ROUTERS = [auth.router, public.router, info.router, inbox.router, items.router, phone.router,
           mailroom.router, catalogue.router, console.router, channels.router,
           operations.router, fitconnect.router, steering.router]

__all__ = ["ROUTERS", "api"]
