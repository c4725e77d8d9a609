"""How a process that holds a Temporal client ends: cleanly, every time.

The Temporal SDK's core runtime runs Rust threads that call back into Python. If the
interpreter finalises while one of them is still finishing (a poll or an activity completion
in flight, more likely under load), the process can die with `Fatal Python error:
PyGILState_Release` (SIGABRT, exit -6) after an orderly stop. So a worker process shuts its
worker down fully (the `async with worker` block has returned), flushes its logs, and leaves
with `os._exit`: nothing of the runtime is touched again, and the exit code is the one the
process meant.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn


def exit_after(run: Callable[[], object]) -> NoReturn:
    """Run the process's main to its end, then exit with its code without finalising:
    0 when it returned, SystemExit's code (its message on stderr), 1 on an exception."""
    code = 0
    try:
        run()
    except SystemExit as exit_:
        if isinstance(exit_.code, int):
            code = exit_.code
        elif exit_.code is not None:
            print(exit_.code, file=sys.stderr)  # noqa: T201 - what SystemExit would print
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or broken: nothing more can be said there
            pass
    os._exit(code)


def freeze_startup_objects() -> None:
    """Move every object alive now (the imported modules, the clients, the worker) out of
    the garbage collector's reach: they live as long as the process, and every full
    collection would otherwise walk them again.

    Call once the process is set up. A full collection walks the whole tracked heap; on an
    enrolment worker with its sticky cache full (1,000 workflows) that took 0.36 s on
    average, 27 times in a 4,000-row cohort (issue 18, benchmarks/NOTES.md, "the worker's
    garbage collector"). With the 115,000-odd objects of start-up frozen, 0.28 s in the same
    run shape. Objects made later are collected as before."""
    gc.collect()
    gc.freeze()
