"""Kernels that start warm: forked from a process that has already imported everything.

A stock kernel pays for starting Python and importing NumPy, PyTorch,
matplotlib, pandas and scikit-learn (several seconds) before any learner code
runs. Here each grading worker starts one `Zygote` that pays that once, seals
the reference implementations of the assignment being graded, and then forks a
fresh kernel per submission in a fraction of a second. Every kernel is a new
process of its own, in its own sandbox (see `kernel_sandbox`): forking shares
the imported libraries, never one learner's state with another's.

`WarmKernelManager` is a jupyter_client kernel manager whose kernels come from
the zygote, so nbclient (and nbgrader's Execute preprocessor on top of it)
uses them unchanged.
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import importlib
import json
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from autograder.instructor.kernel_sandbox import Sandbox, enter, run_kernel

PRELOADED = (
    "numpy", "pandas", "torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.utils.data",
    "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
    "sklearn", "sklearn.datasets", "sklearn.linear_model", "sklearn.metrics", "sklearn.model_selection", "sklearn.preprocessing",
    "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
    "autograder.checks", "autograder.data", "autograder.plots",
)
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36
_libc = ctypes.CDLL(None, use_errno=True)


def become_subreaper() -> None:
    """Adopt the kernels the zygote forks, so that this process can wait for them, and die with its parent (Linux)."""
    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Zygote:
    """A warm process, forked early from a grading worker, that forks sandboxed kernels on request."""

    def __init__(self, assignment: str):
        requests_read, self._requests = os.pipe()
        self._replies, replies_write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self._requests)
            os.close(self._replies)
            try:
                _serve(assignment, requests_read, replies_write)
            finally:
                os._exit(0)
        os.close(requests_read)
        os.close(replies_write)

    def fork_kernel(self, sandbox: Sandbox) -> int:
        """Start a kernel in `sandbox`; its pid, for a kernel this (subreaper) process can wait for."""
        os.write(self._requests, (json.dumps(dataclasses.asdict(sandbox)) + "\n").encode())
        reply = _read_line(self._replies)
        if not reply:
            raise RuntimeError("the warm kernel process has stopped")
        return int(reply)

    def close(self) -> None:
        os.close(self._requests)
        os.close(self._replies)
        os.waitpid(self.pid, 0)


def _serve(assignment: str, requests: int, replies: int) -> None:
    """The zygote: import once, seal the graded references, then fork a kernel per request."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.environ.update(
        AUTOGRADER_SEALED="1",
        NBGRADER_EXECUTION="autograde",
        MPLBACKEND="module://matplotlib_inline.backend_inline",
        OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",  # one core per kernel
    )
    for module in PRELOADED:
        importlib.import_module(module)
    from autograder.checks import for_assignment, sealed

    sealed.seal(for_assignment(assignment).EXERCISES)
    gc.collect()
    while line := _read_line(requests):
        sandbox = Sandbox(**{key: tuple(value) if isinstance(value, list) else value for key, value in json.loads(line).items()})
        os.write(replies, f"{_fork_kernel(sandbox, requests, replies)}\n".encode())


def _fork_kernel(sandbox: Sandbox, *inherited: int) -> int:
    """Fork twice, so that the kernel is adopted by the subreaper worker, and return its pid."""
    pid_read, pid_write = os.pipe()
    middle = os.fork()
    if middle == 0:
        kernel = os.fork()
        if kernel == 0:
            for descriptor in (*inherited, pid_read, pid_write):
                os.close(descriptor)
            _become_kernel(sandbox, parent=os.getppid())
        os.write(pid_write, f"{kernel}\n".encode())
        os._exit(0)
    os.close(pid_write)
    pid = int(_read_line(pid_read))
    os.close(pid_read)
    os.waitpid(middle, 0)
    return pid


def _become_kernel(sandbox: Sandbox, parent: int) -> None:
    try:
        while os.getppid() == parent:  # wait until the subreaper worker has adopted this process
            os.sched_yield()
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:
            os._exit(1)
        enter(sandbox)
        run_kernel(sandbox.connection_file)
    finally:
        os._exit(0)


def _read_line(descriptor: int) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(descriptor, 1)
        if not chunk:
            return ""
        data += chunk
    return data.decode().strip()


class ForkedKernel:
    """The few things jupyter_client asks of a kernel process, for a kernel forked by the zygote."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int | None:
        if self.returncode is None:
            try:
                self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            except ChildProcessError:
                self.returncode = -1
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class WarmProvisioner(LocalProvisioner):
    """A provisioner whose kernels the zygote forks, each in its sandbox."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        manager: WarmKernelManager = self.parent
        info = manager.get_connection_info()
        sandbox = Sandbox(
            folder=str(Path(kwargs.get("cwd") or os.getcwd()).resolve()),
            private=manager.private,
            connection_file=manager.connection_file,
            readable=manager.readable,
            ports=tuple(int(info[name]) for name in ("shell_port", "iopub_port", "stdin_port", "hb_port", "control_port")),
            memory_mb=manager.memory_mb,
            file_size_mb=manager.file_size_mb,
            require_landlock=manager.require_landlock,
        )
        self.process = ForkedKernel(manager.zygote.fork_kernel(sandbox))
        self.pid = self.pgid = self.process.pid
        return self.connection_info

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart)
        if not restart:
            shutil.rmtree(self.parent.private, ignore_errors=True)


class WarmKernelManager(AsyncKernelManager):
    """A kernel manager for warm, sandboxed kernels. The grading worker sets the class attributes."""

    zygote: Zygote
    readable: tuple[str, ...] = ()
    memory_mb: int = 1536
    file_size_mb: int = 64
    require_landlock: bool = True
    scratch: str = tempfile.gettempdir()

    async def _async_pre_start_kernel(self, **kw: Any):
        self.private = tempfile.mkdtemp(prefix="kernel-", dir=self.scratch)
        self.connection_file = os.path.join(self.private, "connection.json")
        self.provisioner = WarmProvisioner(kernel_id=self.kernel_id or "warm", kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)
