"""Every process a submission starts, kept together, counted together and ended together.

A learner's kernel is not started on its own: the warm process forks a small
`init` for it, and init forks the kernel. Everything the submission starts is
then a descendant of its init, however it tries to leave (a new session, a
double fork): init is a child subreaper, so orphans are handed to it rather
than to the system. Where the kernel lets an ordinary user make namespaces
(Linux user namespaces), init is also the first process of a PID and a
network namespace of its own:

- when init exits, the kernel of the machine kills every process left in its
  namespace: nothing of a submission can outlive its grading;
- the submission's processes and threads are counted apart from the user's
  others, so a cap on their number (RLIMIT_NPROC) holds for the submission as
  a whole (Linux exempts root from it: for a grader run as root, the
  watchdog holds the cap);
- it has no network at all (the kernel talks to the grader over Unix sockets);
- the kernel's /proc is that of its own PID namespace: it sees no process but
  the submission's, so no other process's command line (a database password
  in a grader's `--db` URL) or environment.

Without user namespaces the same tree is kept with the subreaper alone, and
`end` stops and kills it process by process until none is left. Memory, disk
and time are watched over the whole tree by `watchdog`.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x8, 0x4000, 0x40000
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36
_libc = ctypes.CDLL(None, use_errno=True)


def namespaces_available() -> bool:
    """Whether this process may give a child user, PID and network namespaces and a /proc of its own (tried in a child)."""

    def enter_and_mount() -> None:
        enter_namespaces()
        if not _succeeds_in_a_child(mount_own_proc):  # the first process of the new PID namespace mounts its /proc
            raise OSError("no /proc of its own")

    return _succeeds_in_a_child(enter_and_mount)


def _succeeds_in_a_child(step) -> bool:
    """Whether `step()` returns without an OSError in a forked child (this process is left as it was)."""
    pid = os.fork()
    if pid == 0:
        try:
            step()
            os._exit(0)
        except OSError:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def enter_namespaces() -> None:
    """Move this (single-threaded) process into new user and network namespaces; its next child starts a PID namespace.

    The user namespace maps this process's own user and group to themselves, so
    files and processes keep their owner.
    """
    uid, gid = os.getuid(), os.getgid()
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET) != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"unshare: {os.strerror(number)}")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")


def mount_own_proc() -> None:
    """Give this process (in a PID namespace entered by `enter_namespaces`) a /proc that shows that namespace alone.

    The mount is made in a mount namespace of the process's own, so nothing
    outside it sees the change.
    """
    if (
        _libc.unshare(CLONE_NEWNS) != 0
        or _libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0
        or _libc.mount(b"proc", b"/proc", b"proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None) != 0
    ):
        number = ctypes.get_errno()
        raise OSError(number, f"mounting a /proc of its own: {os.strerror(number)}")


def become_subreaper() -> None:
    """Have orphaned descendants of this process handed to it rather than to the system's init."""
    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def die_with(parent: int) -> None:
    """Be killed when `parent` dies; exit now if it already has (or is not this process's parent)."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent_of(machine_pid()) != parent:
        os._exit(1)


def wait_for_parent(parent: int, previous: int) -> None:
    """Wait until this process's parent is `parent`, having been `previous` (who is exiting); exit if it becomes anything else."""
    while (current := parent_of(machine_pid())) != parent:
        if current != previous:
            os._exit(1)
        time.sleep(0.0005)


def machine_pid() -> int:
    """This process's pid as the whole machine numbers it (inside a PID namespace, os.getpid() is not)."""
    return int(os.readlink("/proc/self"))


def parent_of(pid: int) -> int:
    """The parent of a live process, as the whole machine numbers it; 0 once it has exited."""
    parent, state = _stat(pid)
    return 0 if state in "ZX" else parent


def _stat(pid: int) -> tuple[int, str]:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0, "X"
    state, parent = text[text.rindex(")") + 2 :].split()[:2]
    return int(parent), state


def children_table() -> dict[int, list[int]]:
    """parent pid -> the pids of its live children, for every process on the machine."""
    table: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            parent = parent_of(int(entry.name))
            if parent:
                table.setdefault(parent, []).append(int(entry.name))
    return table


def children(parent: int) -> list[int]:
    """The pids of every child of `parent`, running or exited and not yet reaped."""
    return [int(entry.name) for entry in os.scandir("/proc") if entry.name.isdigit() and _stat(int(entry.name))[0] == parent]


def tree(root: int, table: dict[int, list[int]] | None = None) -> list[int]:
    """`root` and all its live descendants, parents before children."""
    table = children_table() if table is None else table
    found, index = [root], 0
    while index < len(found):
        found += table.get(found[index], [])
        index += 1
    return found


def end(root: int, isolated: bool) -> None:
    """Kill `root` and every process below it, leaving none.

    In a PID namespace, killing its first process kills all the others at
    once. Otherwise the descendants go first (see `end_descendants`) and
    `root` last, so that no orphan can slip away from it.
    """
    if not isolated:
        end_descendants(root)
    _signal(root, signal.SIGKILL)


def end_descendants(root: int, patience: float = 10.0) -> None:
    """Stop, then kill, every descendant of `root`, sweep after sweep until none is left.

    A process that forks between two sweeps is caught by the next. One that
    cannot die (stuck in the system) is given up on after `patience` seconds.
    """
    deadline = time.monotonic() + patience
    while (members := tree(root)[1:]) and time.monotonic() < deadline:
        for pid in members:
            _signal(pid, signal.SIGSTOP)
        for pid in members:
            _signal(pid, signal.SIGKILL)
        time.sleep(0.001)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
