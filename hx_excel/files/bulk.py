"""Bulk reading and writing: without the cyclic garbage collector's pauses, and on several processes.

Reading a 50,000-person export or a district's ledgers makes millions of small tuples, dicts and strings, none of
which form cycles. Each batch of new objects sets Python's collector walking every object still alive, again and
again: a fifth to a third of a large read. `collector_paused()` turns it off for the read and back on after
(reference counting frees everything as usual; cycles, if any, are collected once the read is over)."""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Processes for reading or building workbooks side by side (summary, generate); they hand back what they made
    and never write into the folder themselves. Started fresh ("spawn"), as Windows always starts them, never forked:
    a forked child would hold the folder lock's open file, so a run killed outright would leave its folder locked for
    as long as its children lived. Each ends the moment its parent does (`_end_with_parent`); and when the run stops
    early (Ctrl-C, an error) they are stopped at once, not left to finish the district's remaining workbooks."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_end_with_parent)
    try:
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
