"""Bulk reading and writing: without the cyclic garbage collector's pauses, and on several processes.

Reading a 50,000-person export or a district's ledgers makes millions of small tuples, dicts and strings, none of
which form cycles. Each batch of new objects sets Python's collector walking every object still alive, again and
again: a fifth to a third of a large read. `collector_paused()` turns it off for the read and back on after
(reference counting frees everything as usual; cycles, if any, are collected once the read is over).

Two ways to use the second core: `process_pool` (fresh processes as Windows makes them, or copies of this one where
it can fork: a district's files, each read or built whole and sent back) and `in_fork` (a forked copy holding all this process holds, for one large ledger's
second half: nothing sent to it, only its answer sent back; on systems that fork, while no other thread runs)."""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import pickle
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # what the read made and still holds goes to the oldest generation unscanned (freeze, then unfreeze):
            # re-enabled as it stands, the collector's next pass would walk all of it at once (~20 ms for a
            # 10,000-person ledger), to find no cycle
            gc.freeze()
            gc.unfreeze()
            gc.enable()


@contextmanager
def process_pool(workers: int, *, fork: bool = False) -> Iterator[ProcessPoolExecutor]:
    """Processes for reading or building workbooks side by side (summary, generate); they hand back what they made
    and never write into the folder themselves. Started fresh ("spawn"), as Windows always starts them; with `fork`
    (only where `can_fork()`: this the only thread), as copies of this process, started here and now while no other
    thread runs — ready at once instead of ~0.5 s of imports later (summary's readers). A copy holds what this process
    holds open, the folder lock's file too; each ends the moment its parent does (`_end_with_parent`), so a run killed
    outright leaves no lock behind for longer than that. When the run stops early (Ctrl-C, an error) they are stopped
    at once, not left to finish the district's remaining workbooks."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
                               initializer=_end_with_parent)
    try:
        if fork:
            pool.submit(os.getpid).result()   # a forking pool starts all its processes at its first task: now
        yield pool
    except BaseException:
        for process in list((getattr(pool, "_processes", None) or {}).values()):   # CPython's own list of them
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _end_with_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])     # readable (Windows: signalled) once the parent ends
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


# ---- one large job shared with a forked copy of this process --------------------------------------------------------

def can_fork() -> bool:
    """Whether work can be handed to a forked copy of this process: a POSIX system with two cores or more, this the
    only thread (forking copies no other thread, and a lock one of them held would stay held in the copy), and not
    itself one of a pool's processes (summary and generate already use both cores). Windows never forks: there the
    caller does all the work itself."""
    return (hasattr(os, "fork") and (os.cpu_count() or 1) >= 2 and threading.active_count() == 1
            and multiprocessing.parent_process() is None)


def in_fork(work: Callable[[], T]) -> Callable[[], T]:
    """Run `work` in a forked copy of this process — which has everything this one holds, nothing sent to it — and
    return a function that waits for its result (sent back pickled) or raises the exception it raised. The copy
    ends once it has answered (os._exit: none of this process's exit handlers, buffered output or temporary files
    run twice), with an error of its own if nobody is left to read the answer. It holds what this process holds open
    (a lock file too) for as long as the work takes: only for work that writes no file and takes seconds at most
    (check's second half of a ledger: ~0.5 s)."""
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:                                            # the copy
        code = 0
        try:
            os.close(readable)
            try:
                answer = pickle.dumps((True, work()), pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:                    # noqa: BLE001 — handed back, raised there
                try:
                    answer = pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
                except Exception:                           # noqa: BLE001 — an exception that cannot be pickled
                    answer = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
            with os.fdopen(writable, "wb") as pipe:
                pipe.write(answer)
        except BaseException:                               # noqa: BLE001 — the parent is gone or interrupted
            code = 1
        finally:
            os._exit(code)
    os.close(writable)

    def result() -> T:
        try:
            with os.fdopen(readable, "rb") as pipe:
                answer = pipe.read()
        finally:
            os.waitpid(pid, 0)
        if not answer:
            raise RuntimeError("the forked copy ended without an answer")
        ok, value = pickle.loads(answer)
        if not ok:
            raise value
        return value

    return result
