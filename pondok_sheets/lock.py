"""One run at a time: cron, `serve` and web workers share a lock the operating system frees when
its holder dies, so a killed tick never blocks the next one."""
from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

if os.name == "nt":  # the Windows laptops many village offices use
    import msvcrt
else:
    import fcntl


class RunLock:
    """A non-blocking exclusive lock on a file in the data folder."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._file = None

    def acquire(self) -> bool:
        """Take the lock if free; False when another run holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            if os.name == "nt":
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        """Give the lock back (closing the file releases it)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()
