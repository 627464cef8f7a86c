"""The ``nlentry`` command line: ``parse`` (the library), ``serve``, ``user``, ``token`` (the service)."""

from nlentry.cli.main import main

__all__ = ["main"]
