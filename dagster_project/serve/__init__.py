"""``cqmonitor serve``: the ASGI app (Starlette) around ``pipelines.corrections`` and
``pipelines.feeds``, and its start under uvicorn. Nothing in ``pipelines`` imports it."""

from .app import MAX_BODY, ServeConfig, create_app
from .server import build_config, serve

__all__ = ["MAX_BODY", "ServeConfig", "build_config", "create_app", "serve"]
