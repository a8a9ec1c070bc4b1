"""The files a user added to a collection: stored byte for byte under sources/, and listed in sources.json
(name as uploaded, stored name, digest, format, records, date added). Writes go through lib.reading.store."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from lib.reading.formats import INPUT_SUFFIXES
from lib.reading.formats.registry import BY_NAME
from lib.reading.store import DataDir, atomic_write

MAX_STORED_NAME = 100  # characters of an uploaded file's name kept in its stored name; file systems allow 255 bytes


def list_sources(data: DataDir) -> list[dict]:
    """The manifest of added sources: name as uploaded, stored file, digest, format, records, date added."""
    try:
        entries = json.loads(data.sources_manifest.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return []
    return [e for e in entries if (data.sources / e.get("file", "")).is_file()]


def add_source(data: DataDir, name: str, content: bytes, *, fmt: str, records: int, added: str) -> dict:
    """Store `content` under sources/ (atomically) and list it in the manifest; returns its entry."""
    digest = hashlib.sha256(content).hexdigest()
    stored = stored_name(name, digest, fmt)
    atomic_write(data.sources / stored, lambda tmp: tmp.write_bytes(content))
    entry = {"name": name, "file": stored, "sha256": digest, "format": fmt, "records": records, "added": added}
    _write_manifest(data, [e for e in list_sources(data) if e["file"] != stored] + [entry])
    return entry


def stored_name(name: str, digest: str, fmt: str) -> str:
    """A safe file name for an upload: its digest, then its own name cleaned and shortened, ending in an
    extension the build reads (the format's own when the upload's does not say it)."""
    clean = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in Path(name.strip()).name)
    path = Path(clean.lstrip("._") or "source")
    suffix = path.suffix.lower() if path.suffix.lower() in INPUT_SUFFIXES else ""
    stem = (path.stem if suffix else path.name)[:MAX_STORED_NAME]
    return f"{digest[:12]}-{stem}{suffix or '.' + BY_NAME[fmt].extensions[0]}"


def remove_source(data: DataDir, stored: str) -> None:
    """Take a source out of the collection: manifest first, then the file, so a crash leaves no orphan entry."""
    _write_manifest(data, [e for e in list_sources(data) if e["file"] != stored])
    (data.sources / Path(stored).name).unlink(missing_ok=True)


def _write_manifest(data: DataDir, entries: list[dict]) -> None:
    text = json.dumps(entries, indent=2, ensure_ascii=False)
    atomic_write(data.sources_manifest, lambda tmp: tmp.write_text(text, encoding="utf-8"))
