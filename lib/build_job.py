"""Builds and additions run outside the web request, in a child process with a memory limit, so one large or
hostile upload can neither stall the other visitors (the interpreter lock) nor take the server down (memory).

A build writes into a staging folder beside the served one and only a whole, successful build replaces it, so
a build that fails, runs out of memory or out of time leaves the collection as it was and says why. One
`CollectionJobs` per data folder and server process runs at most one build at a time in a background thread,
and builds again when the inputs changed meanwhile. Children are forked from a small server process started
once (multiprocessing's forkserver), which has the build's modules loaded already: a child starts in
milliseconds, and never inherits the web server's threads.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import shutil
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from lib.collection import AddOutcome, add_file
from lib.core import schema as S
from lib.core.errors import AtlasError
from lib.reading import lean, sources, store
from lib.reading.files import file_lock, fresh_folder, move_folder, try_lock

log = logging.getLogger("paper_atlas")

MEMORY_ENV, TIMEOUT_ENV = "PAPER_ATLAS_BUILD_MEMORY_MB", "PAPER_ATLAS_BUILD_TIMEOUT_S"
DEFAULT_MEMORY_MB = 8192  # the 50,000-paper upload of the load test peaks near 2 GB; a 1M-paper build needs ~10 GB
DEFAULT_TIMEOUT_S = 3600.0
BUILD_LOCK = ".build.lock"  # in processed/: one build of a collection at a time, across processes
_CARRIED = (store.PAPERS_FILE,)  # what the next build starts from, besides the topic model
_SWAPPED = (store.PAPERS_FILE, store.SERVED_FILE, store.DETAILS_FILE)  # then the model, then the report last
_PRELOAD = ["lib.build", "lib.collection", "lib.build_job"]


@dataclass(frozen=True)
class Limits:
    memory_mb: int = DEFAULT_MEMORY_MB
    timeout_s: float = DEFAULT_TIMEOUT_S

    @classmethod
    def from_env(cls) -> Limits:
        """The limits set by PAPER_ATLAS_BUILD_MEMORY_MB and PAPER_ATLAS_BUILD_TIMEOUT_S, else the defaults."""
        try:
            memory = int(os.environ.get(MEMORY_ENV) or DEFAULT_MEMORY_MB)
            timeout = float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT_S)
        except ValueError:
            return cls()
        return cls(max(memory, 256), max(timeout, 1.0))


@dataclass(frozen=True)
class Status:
    """A snapshot of a collection's builds, for the pages to show."""

    running: bool = False
    stage: str = ""
    fraction: float = 0.0
    failure: str | None = None  # why the build of the current inputs failed (None: it did not, or none ran)
    usable: bool = False  # a whole build is on disk to serve meanwhile
    started: bool = False  # this call of `ensure` started the build (only in what `ensure` returns)


class ChildFailed(AtlasError):
    """A job's child process failed; the message says why (its error, or the limit it hit)."""


# --- in the child ----------------------------------------------------------------------------------------


def _child(task: str, root: str, payload: object, conn, memory_mb: int) -> None:
    """Runs in the forked child: set the limits, run the task, report back over `conn`. Lower priority than the
    server, so visitors' pages keep the cores they need while a build runs."""
    resource.setrlimit(resource.RLIMIT_DATA, (memory_mb * 2**20, memory_mb * 2**20))
    os.nice(10)
    data = store.data_dir(root)
    try:
        if task == "build":
            say = lambda stage, f: conn.send(("progress", stage, f))  # noqa: E731
            conn.send(("done", _build_staged(data, say, recluster=bool(payload))))
        else:
            _add_all(data, payload, conn)
            conn.send(("done", None))
    except MemoryError:
        conn.send(("failed", f"it needed more than the {memory_mb:,} MB of memory a build may use"))
    except AtlasError as exc:
        conn.send(("failed", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported as a failure, with the trace in the server's log
        traceback.print_exc()
        conn.send(("failed", f"an unexpected error ({type(exc).__name__}); the server log has the details"))
    finally:
        conn.close()


def _build_staged(data: store.DataDir, progress: Callable[[str, float], None], *, recluster: bool = False) -> int:
    """Build the collection into a staging folder, starting from the served build's topic model and theme tags,
    then move it in with the report last (the report is what marks a build as done). Returns the paper count."""
    from lib.build import build_to_disk

    data.processed.mkdir(parents=True, exist_ok=True)
    with file_lock(data.processed / BUILD_LOCK):
        fingerprint, inputs = data.fingerprint(), data.raw_files()
        staging = fresh_folder(data.processed, "next")
        try:
            _carry_over(data.processed, staging)
            result = build_to_disk(
                inputs,
                staging,
                data.taxonomy,
                fingerprint=fingerprint,
                arxiv_cache_path=data.arxiv_cache,
                progress=progress,
                decisions_path=data.decisions,
                topics_path=data.topics,
                recluster=recluster,
            )
            _swap_in(staging, data.processed)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return result.report.n_papers


def _carry_over(served: Path, staging: Path) -> None:
    """Hard links (copies where links are not possible) of what a build starts from: writes replace files, so
    the served ones are never changed through a link."""
    pairs = [(served / name, staging / name) for name in _CARRIED]
    model = served / store.MODEL_DIR
    if model.is_dir():
        (staging / store.MODEL_DIR).mkdir()
        pairs += [(p, staging / store.MODEL_DIR / p.name) for p in model.iterdir() if p.is_file()]
    for source, target in pairs:
        if not source.is_file():
            continue
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)


def _swap_in(staging: Path, served: Path) -> None:
    for name in _SWAPPED:
        os.replace(staging / name, served / name)
    if not (staging / store.MEANING_DIR).is_dir():  # a build too small for one: the last build's is of other rows
        shutil.rmtree(served / store.MEANING_DIR, ignore_errors=True)
    # the topic model; what a large collection is served from; the index search by meaning reads
    for folder in (store.MODEL_DIR, lean.LEAN_DIR, store.MEANING_DIR):
        move_folder(staging, served, folder)
    os.replace(staging / store.REPORT_FILE, served / store.REPORT_FILE)


def _add_all(data: store.DataDir, uploads: list[tuple[str, bytes]], conn) -> None:
    """Read and store each upload, sending its outcome as soon as it is known: if the child is stopped (a limit),
    the files done so far keep their outcomes and only the rest are reported as not added."""
    papers = _known_papers(data)
    for n, (name, content) in enumerate(uploads):
        conn.send(("progress", f"Reading {name}", n / len(uploads)))
        try:
            outcome = add_file(data, papers, name, content)
        except MemoryError:
            outcome = AddOutcome(name, error=f"{name}: reading it needed more memory than an upload may use")
        conn.send(("outcome", outcome))


def _known_papers(data: store.DataDir) -> pd.DataFrame:
    """The served collection's ids, titles, arXiv ids and DOIs: what an upload is matched against."""
    columns = [S.PAPER_ID, S.TITLE, S.ARXIV_ID, S.DOI]
    try:
        return store.read_papers(data.papers_path, columns=columns)
    except (OSError, ValueError, KeyError):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


# --- in the server -------------------------------------------------------------------------------------


_context = None
_context_lock = threading.Lock()


def _forkserver():
    global _context
    with _context_lock:
        if _context is None:
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(_PRELOAD)
        return _context


def run_child(
    task: str,
    root: Path,
    payload: object,
    limits: Limits,
    on_message: Callable[[tuple], None],
) -> None:
    """Run `task` in a child under `limits`, passing each message it sends to `on_message`; ChildFailed with the
    reason when it fails, is killed or runs out of time."""
    context = _forkserver()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(task, str(root), payload, send, limits.memory_mb), daemon=True)
    child.start()
    send.close()
    deadline = time.monotonic() + limits.timeout_s
    outcome: tuple | None = None
    try:
        while outcome is None:
            if time.monotonic() > deadline:
                child.kill()
                raise ChildFailed(f"it took longer than the {limits.timeout_s / 60:.0f}-minute limit")
            if not receive.poll(0.2):
                if not child.is_alive() and not receive.poll(0):
                    break
                continue
            try:
                message = receive.recv()
            except EOFError:
                break
            if message[0] in ("done", "failed"):
                outcome = message
            else:
                on_message(message)
    finally:
        receive.close()
        child.join(5)
    if outcome is None:
        raise ChildFailed(_death(child.exitcode, limits))
    if outcome[0] == "failed":
        raise ChildFailed(outcome[1])


def _death(code: int | None, limits: Limits) -> str:
    if code is not None and code < 0:
        return f"it was stopped (signal {-code}), most likely by the {limits.memory_mb:,} MB memory limit"
    return f"it stopped unexpectedly (exit code {code})"


@dataclass
class CollectionJobs:
    """The builds of one data folder in this server process: at most one at a time, in a background thread."""

    root: Path
    limits: Limits = field(default_factory=Limits.from_env)
    status_: Status = field(default_factory=Status)
    failures: dict[str, str] = field(default_factory=dict)  # input fingerprint -> why its build failed
    unloadable: set[str] = field(default_factory=set)  # built stamps that failed to load: rebuilt regardless
    recluster: bool = False  # the next build makes the topic clusters afresh (asked for on the Topics page)
    adding: int = 0  # uploads being read: their own call starts the build when they are stored, not a visitor's
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)
    thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    data = property(lambda self: store.data_dir(self.root))

    def _needs_build(self, data: store.DataDir) -> bool:
        return self.recluster or data.is_stale() or store.built_stamp(data) in self.unloadable

    def rebuild(self, *, recluster: bool = False) -> Status:
        """Build again even though the inputs are unchanged; with `recluster`, the topic clusters afresh (keeping
        the pinned ones). Runs in the background like every build; the status, for the page to show."""
        with self.lock:
            self.recluster = self.recluster or recluster
            self.failures.pop(self.data.fingerprint(), None)
        return self.ensure()

    def _usable(self, data: store.DataDir) -> bool:
        report = store.read_report(data.report_path)
        return (
            report is not None
            and store.built_ok(data, report.n_papers)
            and store.built_stamp(data) not in self.unloadable
        )

    def ensure(self) -> Status:
        """Start a build when the inputs changed (or the table is unusable) and no build of these inputs failed
        already; the status, for the page to show."""
        data = self.data
        with self.lock:
            running = self.thread is not None and self.thread.is_alive()
            failure, started = self.status_.failure if running else None, False
            if not running and not self.adding and self._needs_build(data):
                failure = self.failures.get(data.fingerprint())
                if failure is None:
                    self.thread = threading.Thread(target=self._loop, name="paper-atlas-build", daemon=True)
                    self.thread.start()
                    running = started = True
            self.status_ = replace(self.status_, running=running, failure=failure, usable=self._usable(data))
            return replace(self.status_, started=started)

    def status(self) -> Status:
        with self.lock:
            return self.status_

    def wait(self, timeout: float) -> Status:
        """The status once it changes or `timeout` seconds pass."""
        with self.changed:
            self.changed.wait(timeout)
            return self.status_

    def wait_idle(self, timeout: float = 300.0) -> Status:
        """Until no build runs (tests use this); the status then. Starts nothing itself."""
        deadline = time.monotonic() + timeout
        while (thread := self.thread) is not None and thread.is_alive() and time.monotonic() < deadline:
            thread.join(0.1)
        return self.status()

    def mark_unloadable(self, stamp: str) -> None:
        """The served build on disk failed to load: build again even though its inputs are unchanged."""
        with self.lock:
            self.unloadable.add(stamp)

    def _set(self, **changes) -> None:
        with self.changed:
            self.status_ = replace(self.status_, **changes)
            self.changed.notify_all()

    def _loop(self) -> None:
        """Build until the build on disk is of the inputs present (they may change while a build runs), or a
        build of the present inputs fails."""
        data = self.data
        while self._needs_build(data):
            fingerprint = data.fingerprint()
            if fingerprint in self.failures:
                break
            self._set(running=True, stage="Starting", fraction=0.0, failure=None)
            started = time.monotonic()
            recluster, self.recluster = self.recluster, False
            try:
                run_child("build", self.root, recluster, self.limits, self._progress)
            except ChildFailed as exc:
                self.failures[fingerprint] = str(exc)
                log.warning("build of %s failed after %.0f s: %s", self.root.name, time.monotonic() - started, exc)
                self._set(failure=str(exc))
                break
            log.info("built %s in %.0f s", self.root.name, time.monotonic() - started)
        self._set(running=False, stage="", fraction=1.0, usable=self._usable(data))

    def _progress(self, message: tuple) -> None:
        if message[0] == "progress":
            self._set(stage=str(message[1]), fraction=min(max(float(message[2]), 0.0), 1.0))

    def add_files(self, uploads: list[tuple[str, bytes]], on_progress: Callable[[str, float], None]) -> list:
        """Read and store uploads in a child under the limits (blocking the caller, not the server), then start
        the rebuild. One outcome per upload, in order; a file the child did not finish says why."""
        done: list[AddOutcome] = []

        def receive(message: tuple) -> None:
            if message[0] == "outcome":
                done.append(message[1])
            elif message[0] == "progress":
                on_progress(str(message[1]), float(message[2]))

        why = None
        with self.lock:
            self.adding += 1
        try:
            run_child("add", self.root, uploads, self.limits, receive)
        except ChildFailed as exc:
            why = str(exc)
        finally:
            with self.lock:
                self.adding -= 1
        for name, _ in uploads[len(done) :]:
            done.append(AddOutcome(name, error=f"{name}: not added, because reading it failed: {why}"))
        if any(o.stored for o in done):
            self.ensure()
        return done


_jobs: dict[str, CollectionJobs] = {}
_jobs_lock = threading.Lock()


def jobs_for(data: store.DataDir) -> CollectionJobs:
    """The one CollectionJobs of `data` in this process. The first call for a folder cleans what interrupted
    writes left behind and lists source files the manifest lost (both self-healing steps of a start)."""
    key = str(data.root)
    with _jobs_lock:
        if key not in _jobs:
            with try_lock(data.processed / BUILD_LOCK) as no_build_running:
                removed = store.clean_leftovers(data, built_outputs=no_build_running)
            adopted = sources.adopt_unlisted(data)
            if removed or adopted:
                log.warning("%s: removed %d leftover temporary files, listed %d unlisted sources", data.root.name,
                            len(removed), len(adopted))  # fmt: skip
            _jobs[key] = CollectionJobs(data.root)
        return _jobs[key]
