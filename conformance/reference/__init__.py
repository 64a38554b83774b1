"""The embedded reference server: the documented behaviour, on Starlette and SQLite."""

from conformance.reference.app import ApiError, ReferenceApi, create_app
from conformance.reference.server import BackgroundServer

__all__ = ["ApiError", "BackgroundServer", "ReferenceApi", "create_app"]
