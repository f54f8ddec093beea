"""The room a learner's kernel runs in: its own folder, its own limits, nothing else.

`enter` is called in a freshly forked process that is about to become a
kernel (see `containment` for the process tree it is part of). It gives the
process a session of its own, caps its memory, its file sizes and (in a user
namespace of its own) the number of processes and threads of the whole
submission, sends its own stray output to a log, gives up every capability,
and, through Landlock, takes away every file it has no business with: it can
write only in its private room (its working folder, home and temporary
files), read only the system, the Python installation and the helper package
(without the sealed references), open no network connection and bind no port
(it talks to the grader over Unix sockets in its room), and signal no process
outside its sandbox. In namespaces of its own, it also sees no process
outside its submission: its /proc is its PID namespace's.
"""

from __future__ import annotations

import ctypes
import os
import re
import resource
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.instructor import containment, landlock, output_cap  # imported here: once sandboxed, a kernel cannot read the grader's modules

SYSTEM_PATHS = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys", "/opt")
DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")


@dataclass(frozen=True)
class Sandbox:
    """Everything a kernel's room is made of."""

    assignment: str  # whose references the kernel seals
    folder: str  # the kernel's working directory, inside `private`
    private: str  # the room: working folder, home, temporary files, sockets; writable, removed afterwards
    connection_file: str
    readable: tuple[str, ...]  # what else the kernel may read (see `readable_paths`)
    memory_mb: int  # memory one process may allocate beyond what it starts with
    file_size_mb: int  # the largest file it may write
    output_mb: int  # what one cell may print (see `output_cap`)
    processes: int  # processes and threads the whole submission may have (enforced when `isolated`)
    isolated: bool  # whether the kernel is in user, PID and network namespaces of its own (see `containment`)
    require_landlock: bool  # refuse to start without Landlock rather than run unconfined


def readable_paths(package: Path, sealed_modules: list[Path], private: list[Path]) -> tuple[str, ...]:
    """What a kernel may read: the system, the Python installation, the helper package but the sealed modules.

    Of `sys.path`, only what lies in the Python installation (its standard
    library, its site-packages) is readable: not the folder a grader was
    started in, which may be the course directory, nor the repository an
    editable install points to. Nothing that holds one of the `private`
    folders (the worker's own course directory and scratch space) is readable
    either, so no kernel can see solutions, a gradebook or other learners' work.
    """
    prefixes = {Path(prefix).resolve() for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    installed = [entry for entry in sys.path if entry and Path(entry).is_dir() and any(_holds(prefix, Path(entry).resolve()) for prefix in prefixes)]
    hidden_under = [path.resolve() for path in private] + [package.parent.resolve()]
    paths = {
        str(Path(candidate).resolve())
        for candidate in [*SYSTEM_PATHS, *DEVICES, *prefixes, *installed]
        if not any(_holds(Path(candidate).resolve(), folder) for folder in hidden_under)
    }
    sealed = {path.resolve() for path in sealed_modules}
    for path in sorted(package.rglob("*")):
        hidden = path.resolve() in sealed or (path.suffix == ".pyc" and any(path.name.startswith(module.stem + ".") for module in sealed))
        if path.is_file() and not hidden:
            paths.add(str(path))
    return tuple(sorted(paths))


def listable_directories(package: Path) -> tuple[str, ...]:
    """The package's folders, which the import system lists but whose sealed files stay unreadable."""
    return tuple(str(path) for path in [package, *sorted(p for p in package.rglob("*") if p.is_dir())])


def _holds(path: Path, other: Path) -> bool:
    """Whether `path` is `other` or one of its ancestors (reading it would expose `other`)."""
    return path == other or path in other.parents


def enter(sandbox: Sandbox) -> None:
    """Turn this (forked, single-threaded) process into a sandboxed kernel-to-be."""
    os.setsid()
    log = os.open(os.path.join(sandbox.private, "kernel.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.chdir(sandbox.folder)
    os.environ.update(
        HOME=sandbox.private,
        TMPDIR=sandbox.private,
        MPLCONFIGDIR=sandbox.private,
        IPYTHONDIR=os.path.join(sandbox.private, "ipython"),
        JUPYTER_RUNTIME_DIR=sandbox.private,
    )
    _limit_resources(sandbox)
    if sandbox.isolated:
        containment.mount_own_proc()  # before Landlock, which forbids mounts, and which then allows the new /proc
    try:
        landlock.restrict(
            readable=sandbox.readable,
            writable=[sandbox.private, "/dev/null"],
            listable=listable_directories(Path(__file__).resolve().parents[1]),
        )
    except OSError:
        if sandbox.require_landlock:
            raise
    _drop_capabilities()


def _limit_resources(sandbox: Sandbox) -> None:
    data_now = int(re.search(r"VmData:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) * 1024
    memory = data_now + sandbox.memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    size = sandbox.file_size_mb * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # too large a write fails with an error instead of killing
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sandbox.isolated:  # counted in the submission's own user namespace, so it caps the submission as a whole (root is exempt)
        resource.setrlimit(resource.RLIMIT_NPROC, (sandbox.processes, sandbox.processes))


class _CapabilityHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapabilitySets(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    """Give up every capability (a user namespace grants them all inside it; a grader run as root has them too)."""
    header = _CapabilityHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    empty = (_CapabilitySets * 2)()
    if ctypes.CDLL(None, use_errno=True).capset(ctypes.byref(header), empty) != 0:
        raise OSError(ctypes.get_errno(), "could not drop the kernel's capabilities")


def run_kernel(connection_file: str, output_mb: int) -> None:
    """Start an IPython kernel on the given connection file, in this process, with each cell's output capped; returns when it shuts down."""
    from ipykernel.kernelapp import IPKernelApp

    from autograder.checks.feedback import show_failures_as_feedback

    app = IPKernelApp.instance()
    app.initialize(["-f", connection_file, "--transport=ipc", "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"])
    show_failures_as_feedback()  # the checks were imported before this kernel's shell existed
    output_cap.install(app.shell, output_mb)
    app.start()
