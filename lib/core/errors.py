"""The one family of errors a user can act on: an unreadable input, a bad taxonomy or id cache, a write that
failed. The CLI and the app catch `AtlasError` and show its message, which names the file (and the line where
known); nothing else a user could fix is allowed to surface as a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path


class AtlasError(Exception):
    """A problem with a file the user can fix. `str(error)` is the whole message: where, then what."""


class IngestError(AtlasError):
    """Input that cannot be read at all. The message names the file and, where known, the line."""

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source, self.line, self.reason = source, line, message
        super().__init__(f"{self.where()}: {message}")

    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


class TaxonomyError(AtlasError):
    """A taxonomy file that cannot be used; the message names the file and, where known, the line."""


class CacheError(AtlasError):
    """An arXiv id cache file that cannot be used; the message names the file and line."""


class WriteError(AtlasError):
    """A file that could not be written (disk full, no permission, a read-only folder)."""

    @classmethod
    def from_os_error(cls, path: str | os.PathLike, exc: OSError) -> WriteError:
        reason = exc.strerror or type(exc).__name__
        return cls(f"{Path(path).name}: cannot write it ({reason}) in {Path(path).parent}")
