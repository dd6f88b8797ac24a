"""ASGI entry point: HTTP goes to Django, WebSockets to Channels consumers.

WebSockets only from allowed hosts (a page on another site cannot open one with the
visitor's cookies) and with the session user attached.
"""

import gc
import importlib
import os
from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before anything imports models (the consumers do).
django.setup(set_prefix=False)


class SyncStackHandler(ASGIHandler):
    """Django's ASGI handler, but the middleware and the view run as one synchronous call
    in the request's own thread, and threads serve one request after another.

    Every view and nearly every middleware here is synchronous. Django's own handler runs
    the middleware chain in async mode, so each request crosses between the event loop
    and a thread for every middleware that is not natively async (WhiteNoise is sync only,
    Django's are adapted): some twenty crossings a request, a third of a simple request's
    CPU in `bench/booking_bench.py`. Here there is one.

    Django's handler also starts a thread for each request and another to join it. Here a
    request borrows an idle thread and gives it back, as a threaded WSGI server's requests
    do; the request_started and request_finished signals still run in the request's
    thread, so its database connection goes back to the pool when it ends.
    """

    IDLE_THREADS = 32  # kept for the next requests; a busier moment starts more

    def __init__(self) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self._idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        thread = self._idle.pop() if self._idle else ThreadPoolExecutor(1, thread_name_prefix="request")
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.handle(scope, receive, send)
        finally:
            if len(self._idle) < self.IDLE_THREADS:
                self._idle.append(thread)
            else:
                thread.shutdown(wait=False)

    async def get_response_async(self, request):
        # thread_sensitive: the thread of this request (ASGIHandler gives each request a
        # ThreadSensitiveContext), where the request_started/finished signals also run.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


django_asgi_app = SyncStackHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)


def freeze_start_up_objects() -> None:
    """Load every view now and put what start-up made out of the garbage collector's reach.

    A request leaves some three hundred objects in reference cycles (DRF binds each
    serializer's fields to it, the view and the request point at each other), so a full
    collection comes every second or two under load. It walks every object of the
    process, some 190,000 once the views are loaded, with the GIL held: each one stalled
    every request in flight for 100-200 ms, the slowest answers in
    `bench/booking_bench.py`. The modules, classes and URL patterns loaded at start-up
    live as long as the process; frozen, they are skipped, and a full collection walks
    only the objects made since.
    """
    importlib.import_module(settings.ROOT_URLCONF)  # and through it every view
    gc.collect()
    gc.freeze()


freeze_start_up_objects()
