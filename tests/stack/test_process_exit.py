"""A worker process leaves with the code it meant and its output flushed, without finalising
the interpreter under the Temporal runtime's threads (workers/process.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from config.settings import PROJECT_ROOT


def _run(body: str) -> subprocess.CompletedProcess[str]:
    code = f"import sys\nfrom workers.process import exit_after\n{body}\n"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60
    )


@pytest.mark.parametrize(
    ("main", "code", "stderr"),
    [
        ("lambda: print('served until stopped')", 0, ""),
        ("lambda: (print('served until stopped'), sys.exit(3))", 3, ""),
        ("lambda: (print('served until stopped'), sys.exit('DATABASE_URL is not set'))", 1,
         "DATABASE_URL is not set"),
        ("lambda: (print('served until stopped'), 1 / 0)", 1, "ZeroDivisionError"),
    ],
)  # fmt: skip
def test_the_exit_code_is_kept_and_buffered_output_is_not_lost(
    main: str, code: int, stderr: str
) -> None:
    # stdout is a pipe here, so print() is block-buffered: os._exit without a flush loses it.
    done = _run(f"exit_after({main})")
    assert done.returncode == code, done.stderr
    assert done.stdout == "served until stopped\n"
    assert stderr in done.stderr


def test_start_up_objects_are_frozen_and_later_garbage_is_still_collected() -> None:
    done = _run(
        "import gc, weakref\n"
        "from workers.process import freeze_startup_objects\n"
        "class Node: pass\n"
        "kept = Node()\n"
        "freeze_startup_objects()\n"
        "frozen = gc.get_freeze_count()\n"
        "later = Node(); later.me = later; gone = weakref.ref(later); del later\n"
        "gc.collect()\n"
        "print(frozen, gone() is None, not any(o is kept for o in gc.get_objects()))\n"
    )
    assert done.returncode == 0, done.stderr
    frozen, later_collected, kept_not_walked = done.stdout.split()
    assert int(frozen) > 1000  # the interpreter's and the imports' objects
    assert later_collected == "True"  # a cycle made after the freeze is freed as before
    assert kept_not_walked == "True"  # alive at the freeze: no longer in the collector's lists
