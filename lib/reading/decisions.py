"""Merges a person undid on the Data page, kept in merge_decisions.json beside the collection: every build of it
respects them. Changes are made under the collection's lock (lib.reading.files), and a file that cannot be read
is named and never overwritten."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lib.core.errors import AtlasError
from lib.reading.files import collection_lock, load_json_list, write_json

if TYPE_CHECKING:
    from lib.reading.store import DataDir

DECISIONS_FILE = "merge_decisions.json"  # merges a person undid: records that are not the same paper


def decisions_beside(out_dir: Path) -> Path:
    """The decisions file of the collection whose built outputs go to `out_dir` (a collection's processed/)."""
    return out_dir.parent / DECISIONS_FILE


def read_decisions(path: Path) -> list[dict]:
    """The merges a person undid: [{"records": ["file:line", ...], "title": ..., "decided": date}]. A missing or
    unusable file is no decisions for a build (the Data page names the problem, and nothing overwrites it)."""
    try:
        return _decisions(load_json_list(path))
    except AtlasError:
        return []


def _decisions(entries: list) -> list[dict]:
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("records"), list)]


def decisions_problem(path: Path) -> str | None:
    """Why the decisions file cannot be used (naming it, and the line where there is one); None when it can."""
    try:
        load_json_list(path)
    except AtlasError as exc:
        return str(exc)
    return None


def apart_groups(path: Path) -> list[list[str]]:
    """The decisions as dedupe takes them: groups of records that must end in different papers."""
    return [[str(k) for k in e["records"]] for e in read_decisions(path)]


def add_decisions(data: DataDir, new: list[dict]) -> None:
    """Record that each entry's records are not the same paper (atomically, under the collection's lock; repeats
    are kept once). A decisions file that cannot be read raises AtlasError and is left as it is."""
    with collection_lock(data.root):
        entries = _decisions(load_json_list(data.decisions))
        known = {tuple(sorted(e["records"])) for e in entries}
        entries += [e for e in new if tuple(sorted(e["records"])) not in known]
        write_json(data.decisions, entries)


def remove_decision(data: DataDir, records: list[str]) -> None:
    """Undo a decision: the records may merge again on the next build."""
    with collection_lock(data.root):
        entries = _decisions(load_json_list(data.decisions))
        write_json(data.decisions, [e for e in entries if sorted(e["records"]) != sorted(records)])
