"""The room a learner's kernel runs in: its own folder, its own limits, nothing else.

`enter` is called in a freshly forked process that is about to become a
kernel. It gives the process a session of its own, caps its memory and file
sizes, sends its own stray output to a log, and, through Landlock, takes away
every file it has no business with: it can write only in the submission's
folder and a private scratch folder, read only the system, the Python
installation and the helper package (without the sealed references), bind only
its kernel ports, connect nowhere, and signal no process outside its sandbox.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.instructor import landlock

SYSTEM_PATHS = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys", "/opt")
DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")


@dataclass(frozen=True)
class Sandbox:
    """Everything a kernel's room is made of."""

    folder: str  # the submission's folder: the kernel's working directory, writable
    private: str  # scratch space (home, temporary files, caches), writable, removed afterwards
    connection_file: str
    readable: tuple[str, ...]  # what else the kernel may read (see `readable_paths`)
    ports: tuple[int, ...]  # the kernel's own ports, the only ones it may bind
    memory_mb: int  # memory the kernel may allocate beyond what it starts with
    file_size_mb: int  # the largest file it may write
    require_landlock: bool  # refuse to start without Landlock rather than run unconfined


def readable_paths(course_root: Path, package: Path, sealed_modules: list[Path]) -> tuple[str, ...]:
    """What a kernel may read: the system, the Python installation, the helper package but the sealed modules.

    Nothing under the course directory is readable except the package's data
    (when the package lives there), so no kernel can see solutions, the
    gradebook or other learners' work.
    """
    course_root = course_root.resolve()
    candidates = [*SYSTEM_PATHS, *DEVICES, sys.prefix, sys.base_prefix, sys.exec_prefix]
    candidates += [entry for entry in sys.path if entry and Path(entry).is_dir()]
    paths = {
        str(Path(candidate).resolve())
        for candidate in candidates
        if not _holds(Path(candidate).resolve(), course_root) and not _holds(Path(candidate).resolve(), package.parent)
    }
    sealed = {path.resolve() for path in sealed_modules}
    for path in sorted(package.rglob("*")):
        hidden = path.resolve() in sealed or (path.suffix == ".pyc" and any(path.name.startswith(module.stem + ".") for module in sealed))
        if path.is_file() and not hidden:
            paths.add(str(path))
    paths.add(str(package.parent / "data"))
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
    try:
        landlock.restrict(
            readable=sandbox.readable,
            writable=[sandbox.folder, sandbox.private, "/dev/null"],
            bindable_ports=sandbox.ports,
            listable=listable_directories(Path(__file__).resolve().parents[1]),
        )
    except OSError:
        if sandbox.require_landlock:
            raise


def _limit_resources(sandbox: Sandbox) -> None:
    data_now = int(re.search(r"VmData:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) * 1024
    memory = data_now + sandbox.memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    size = sandbox.file_size_mb * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # too large a write fails with an error instead of killing
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_kernel(connection_file: str) -> None:
    """Start an IPython kernel on the given connection file, in this process; returns when it shuts down."""
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(["-f", connection_file, "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"])
    app.start()
