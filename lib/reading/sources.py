"""The files a user added to a collection: stored byte for byte under sources/, and listed in sources.json
(name as uploaded, stored name, digest, format, records, date added). Writes go through lib.reading.files.

Every change of the list holds the collection's lock, so editors adding and removing at once lose nothing. The
list is written before the file on adding and after it on removing: an interruption leaves at worst an entry
without its file, which is not shown, never a file that is built but cannot be seen or removed.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from lib.core.errors import AtlasError
from lib.reading.files import atomic_write, collection_lock, load_json_list, write_json
from lib.reading.formats import INPUT_SUFFIXES
from lib.reading.formats.registry import BY_EXTENSION, BY_NAME
from lib.reading.store import DataDir

MAX_STORED_NAME = 100  # characters of an uploaded file's name kept in its stored name; file systems allow 255 bytes
_FIELDS = {"name": str, "file": str, "sha256": str, "format": str}


def list_sources(data: DataDir) -> list[dict]:
    """The manifest of added sources whose files are there: name as uploaded, stored file, digest, format, records,
    date added. An unusable manifest lists nothing here (see manifest_problem); the build still reads sources/."""
    try:
        entries = _manifest(data)
    except AtlasError:
        return []
    return [e for e in entries if (data.sources / e["file"]).is_file()]


def manifest_problem(data: DataDir) -> str | None:
    """Why sources.json cannot be used, naming it (and the line or entry); None when it can."""
    try:
        _manifest(data)
    except AtlasError as exc:
        return str(exc)
    return None


def _manifest(data: DataDir) -> list[dict]:
    entries = load_json_list(data.sources_manifest)
    name = data.sources_manifest.name
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or any(not isinstance(entry.get(k), t) for k, t in _FIELDS.items()):
            raise AtlasError(f"{name}: entry {n} is not a source (it needs {', '.join(_FIELDS)} as text)")
        if Path(entry["file"]).name != entry["file"] or entry["file"].startswith("."):
            raise AtlasError(f"{name}: entry {n} names a file outside sources/")
    return entries


def add_source(data: DataDir, name: str, content: bytes, *, fmt: str, records: int, added: str) -> dict:
    """Store `content` under sources/ (atomically) and list it in the manifest; returns its entry. A manifest that
    cannot be read raises AtlasError and is left as it is."""
    digest = hashlib.sha256(content).hexdigest()
    stored = stored_name(name, digest, fmt)
    entry = {"name": name, "file": stored, "sha256": digest, "format": fmt, "records": records, "added": added}
    with collection_lock(data.root):
        entries = _manifest(data)
        write_json(data.sources_manifest, [e for e in entries if e["file"] != stored] + [entry])
        atomic_write(data.sources / stored, lambda tmp: tmp.write_bytes(content))
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
    """Take a source out of the collection: the file first, then its entry, so an interruption leaves no file that
    is built but not listed."""
    with collection_lock(data.root):
        entries = _manifest(data)
        (data.sources / Path(stored).name).unlink(missing_ok=True)
        write_json(data.sources_manifest, [e for e in entries if e["file"] != stored])


def adopt_unlisted(data: DataDir) -> list[str]:
    """List the input files in sources/ that the manifest does not name (left by an older version, or copied in by
    hand): they are built, so they must be visible and removable. Returns their names. Nothing is changed when the
    manifest cannot be read or the folder cannot be written."""
    try:
        with collection_lock(data.root):
            entries = _manifest(data)
            listed = {e["file"] for e in entries}
            found = [p for p in _input_files(data.sources) if p.name not in listed]
            if found:
                write_json(data.sources_manifest, entries + [_entry_for(p) for p in found])
    except (AtlasError, OSError):
        return []
    return [p.name for p in found]


def _input_files(folder: Path) -> list[Path]:
    try:
        found = [p for p in folder.iterdir() if p.suffix.lower() in INPUT_SUFFIXES and p.name[:1] not in "._"]
        # A name that is not UTF-8 cannot be written into the manifest; the build names such a file itself.
        return sorted(p for p in found if p.is_file() and p.name.isprintable() and _is_utf8(p.name))
    except OSError:
        return []


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _entry_for(path: Path) -> dict:
    fmt = BY_EXTENSION.get(path.suffix.lower().lstrip("."))
    added = date.fromtimestamp(path.stat().st_mtime).isoformat()
    return {
        "name": path.name,
        "file": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "format": fmt.name if fmt else "unknown",
        "records": None,
        "added": added,
    }
