"""Who owns a row that says "in progress" (a crawl, a digest): a process on a host.

A row whose owner process is gone on this host was left by a run that died (killed, crashed):
the next run may settle it at once instead of waiting for it to go stale.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Owner:
    """A process on a host: the owner of a crawl lock, a digest, a run."""

    host: str
    pid: int

    @classmethod
    def current(cls) -> Owner:
        return cls(socket.gethostname(), os.getpid())

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}"

    def gone(self, me: Owner | None = None) -> bool:
        """Known dead: on the host of ``me`` (this process), another process, not running."""
        me = me or Owner.current()
        return self.host == me.host and self.pid != me.pid and process_gone(self.pid)


def process_gone(pid: int) -> bool:
    """No such process here, or only its zombie (killed, not yet reaped by its parent)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state follows the parenthesised command name, which may itself hold spaces.
    return stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X")
