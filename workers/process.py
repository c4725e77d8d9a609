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
