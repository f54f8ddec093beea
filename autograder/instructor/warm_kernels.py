"""Kernels that start warm: forked from a process that has already imported everything.

A stock kernel pays for starting Python and importing NumPy, PyTorch,
matplotlib, pandas and scikit-learn (several seconds) before any learner code
runs. Here each grading worker starts one `Zygote`, a process of its own that
pays that once (for what the run's notebooks import: `preloads_for`) and then
forks a fresh kernel per submission in a fraction of a second. It imports no
reference implementation, and each kernel seals the answer key before any
learner code runs (see autograder.checks.sealed). Every kernel is a new
process of its own, in its own sandbox (see `kernel_sandbox`), under an init
process that keeps everything the submission starts together (see
`containment`); forking shares the imported libraries, never one learner's
state with another's.

`WarmKernelManager` is a jupyter_client kernel manager whose kernels come from
the zygote, so nbclient (and nbgrader's Execute preprocessor on top of it)
uses them unchanged. While a kernel runs, a `Watchdog` holds its submission to
its limits as a whole.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import gc
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty
from typing import Any, Iterable

import nbformat
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import default

from autograder.checks import sealed
from autograder.instructor import containment, faults, secret
from autograder.instructor.kernel_sandbox import Sandbox, enter, run_kernel
from autograder.instructor.watchdog import Limits, Watchdog

KERNEL_MACHINERY = (  # what every kernel imports before a notebook's first cell runs, and the checks' common part
    "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "cloudpickle",
    "matplotlib_inline.backend_inline", "autograder.checks",
)
# What a module imports on its first use rather than at its import: PyTorch's optimizers import its compiler,
# torch._dynamo (some 800 modules, a second of CPU), when the first one is made.
IMPORTED_ON_FIRST_USE = {"torch.optim": ("torch._dynamo",)}
NEVER_PRELOADED = (sealed.ANSWER_KEY, sealed.INSTRUCTOR)  # no kernel may hold them, even forked from memory
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}  # each kernel computes on one core (see `kernel_environment`)


def preloads_for(notebooks: Iterable[str]) -> tuple[str, ...]:
    """The modules the zygote imports for kernels that run `notebooks` (the instructor's, as JSON text).

    Those are the kernel's own machinery and every module the notebooks'
    code cells import (`from a import b` names `a` and, if it is one, the
    module `a.b`), and what the modules they use import on first use (see
    `IMPORTED_ON_FIRST_USE`); never the answer key or the grader. A notebook of the
    first weeks then forks from a zygote that has not paid for scikit-learn
    and pandas; whatever a learner imports beyond those is imported by the
    kernel as it runs, as in any kernel.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    as_python = TransformerManager().transform_cell  # IPython's magics made Python, as a kernel does
    found, used = set(KERNEL_MACHINERY), set()
    for text in notebooks:
        for cell in nbformat.reads(text, as_version=4).cells:
            if cell.cell_type == "code":
                tree = _parsed(as_python(cell.source))
                found.update(_imported_by(tree))
                used.update(_dotted_names(tree))
    for module, later in IMPORTED_ON_FIRST_USE.items():
        if any(name == module or name.startswith(module + ".") for name in found | used):
            found.update(later)
    return tuple(sorted(name for name in found if not name.startswith(NEVER_PRELOADED)))


def _parsed(code: str) -> ast.Module:
    try:
        return ast.parse(code)
    except SyntaxError:  # the instructor's notebook is not ours to judge: the kernels will say what is wrong with it
        return ast.Module(body=[], type_ignores=[])


def _dotted_names(tree: ast.Module) -> set[str]:
    """The dotted names the code reads (`torch.optim.SGD` in `torch.optim.SGD(...)`)."""
    return {ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)}


def _imported_by(tree: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def become_grading_process() -> None:
    """Adopt the submissions' init processes, so that this process can wait for them, and die with its parent (Linux)."""
    containment.become_subreaper()
    containment.die_with(os.getppid())


class Zygote:
    """A warm process, started by a grading process, that forks sandboxed kernels on request.

    It is a process of its own (`python -m autograder.instructor.warm_kernels`),
    so it starts single-threaded however many threads the grading process has.
    """

    def __init__(self, isolated: bool, preloads: Iterable[str]):
        """`preloads`: the modules it imports before it forks (see `preloads_for`)."""
        settings = {"isolated": isolated, "preloads": list(preloads)}
        self.command = [sys.executable, "-m", "autograder.instructor.warm_kernels", json.dumps(settings)]
        self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=kernel_environment())
        self.pid = self.process.pid
        self.lost = False  # set by whoever reaps it instead of `close`

    def fork_kernel(self, sandbox: Sandbox) -> tuple[int, int]:
        """Start a kernel in `sandbox`: the pids of its init (a child of this subreaper process) and of the kernel."""
        try:
            self.process.stdin.write((json.dumps(dataclasses.asdict(sandbox)) + "\n").encode())
            self.process.stdin.flush()
            reply = self.process.stdout.readline().decode().strip()
        except (BrokenPipeError, ValueError):
            reply = ""
        if not reply:
            raise RuntimeError("the warm kernel process has stopped")
        init, kernel = (int(pid) for pid in reply.split())
        if not kernel:
            raise RuntimeError("the kernel process could not be started")
        return init, kernel

    def alive(self) -> bool:
        return not self.lost and self.process.poll() is None

    def command_line(self) -> bytes:
        """The command line every process forked from it shows in /proc/<pid>/cmdline."""
        return b"".join(part.encode() + b"\0" for part in self.command)

    def close(self) -> None:
        self.process.stdin.close()
        if not self.lost:
            self.process.wait()


def kernel_environment() -> dict[str, str]:
    """The grading worker's environment as a stock kernel would have it, but on one core: without the secret or Dask's tuning.

    The grading secret is left out, not just removed later: a kernel reads the
    environment its zygote was started with in /proc/self/environ. Dask's
    nanny gives its worker processes `MALLOC_TRIM_THRESHOLD_=65536`; inherited
    by kernels, that trimming made learners' PyTorch training about a third
    slower. One thread for PyTorch, OpenMP and BLAS is set here, at the
    zygote's start, because its first imports already load PyTorch: two
    kernels with two OpenMP threads each on two cores wait on each other's
    threads at every small operation, and ran notebook 04's training cells
    ten to thirty times slower.
    """
    import dask
    import distributed  # noqa: F401  (its configuration's defaults)

    tuning = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **dask.config.get("distributed.nanny.environ", {})}
    inherited = {
        name: value for name, value in os.environ.items()
        if name != secret.VARIABLE and not (name in tuning and value == str(tuning[name]))
    }
    return {**inherited, **ONE_CORE}


def main() -> None:
    """The zygote's own process: its requests come on standard input, its replies go on standard output."""
    settings = json.loads(sys.argv[1])
    requests, replies = os.dup(0), os.dup(1)
    nothing = os.open(os.devnull, os.O_RDWR)
    os.dup2(nothing, 0)
    os.dup2(2, 1)  # whatever the imports print goes to the log, not into the replies
    _serve(settings["isolated"], settings["preloads"], requests, replies)
    sys.stderr.flush()
    os._exit(0)  # its grading process has let it go: tearing down PyTorch and the rest would keep that process waiting a second


def _serve(isolated: bool, preloads: list[str], requests: int, replies: int) -> None:
    """The zygote: import once, then fork a kernel per request."""
    containment.die_with(os.getppid())
    os.environ.update(
        AUTOGRADER_SEALED="1",
        NBGRADER_EXECUTION="autograde",
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )
    for module in preloads:
        with contextlib.suppress(ImportError):  # `from a import f` names `a.f`, which is no module; or not installed here
            importlib.import_module(module)
    from autograder.checks import for_assignment

    gc.collect()
    while line := _read_line(requests):
        sandbox = Sandbox(**{key: tuple(value) if isinstance(value, list) else value for key, value in json.loads(line).items()})
        try:
            for_assignment(sandbox.assignment)  # imported here once, so that its kernels start warm
            init, kernel = _fork_submission(sandbox, requests, replies)
        except (OSError, RuntimeError, ValueError, ImportError):  # this kernel failed to start; the zygote serves on
            init = kernel = 0
        os.write(replies, f"{init} {kernel}\n".encode())


def _fork_submission(sandbox: Sandbox, *inherited: int) -> tuple[int, int]:
    """Fork the submission's init through a middle process that exits, so that the grading worker adopts it.

    The middle process first enters namespaces of its own when the sandbox is
    `isolated`: its child, init, is then the first process of a new PID namespace.
    """
    pids_read, pids_write = os.pipe()
    grading_process = os.getppid()
    middle = os.fork()
    if middle == 0:
        try:
            os.close(pids_read)
            for descriptor in inherited:
                os.close(descriptor)
            if sandbox.isolated:
                containment.enter_namespaces()
            middle_pid = os.getpid()
            init = os.fork()
            if init == 0:
                _become_init(sandbox, pids_write, grading_process, middle_pid)
            os.write(pids_write, f"{init}\n".encode())
        finally:
            os._exit(0)
    os.close(pids_write)
    with os.fdopen(pids_read) as pids:
        init, kernel = int(pids.readline()), int(pids.readline() or 0)
    os.waitpid(middle, 0)
    if not kernel:
        raise RuntimeError("the submission's init process stopped before starting its kernel")
    return init, kernel


def _become_init(sandbox: Sandbox, pids: int, grading_process: int, middle: int) -> None:
    """Start the kernel, reap whatever the submission leaves behind, and exit as the kernel did."""
    code = 1
    try:
        containment.wait_for_parent(grading_process, previous=middle)
        containment.die_with(grading_process)
        containment.become_subreaper()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        init = containment.machine_pid()
        kernel = os.fork()
        if kernel == 0:
            os.close(pids)
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_DFL)
            _become_kernel(sandbox, init)
        os.write(pids, f"{_machine_pid_of_child(init, kernel)}\n".encode())
        os.close(pids)
        code = _reap_until(kernel)
        if not sandbox.isolated:
            containment.end_descendants(init)
    finally:
        os._exit(code)


def _reap_until(kernel: int) -> int:
    """Reap children until the kernel exits; its exit code, or 128 + the signal that killed it."""
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return 1
        if pid == kernel:
            code = os.waitstatus_to_exitcode(status)
            return code if code >= 0 else 128 - code


def _become_kernel(sandbox: Sandbox, init: int) -> None:
    from autograder.checks import sealed

    try:
        containment.die_with(init)
        sealed.seal()
        enter(sandbox)
        run_kernel(sandbox.connection_file, sandbox.output_mb)
    finally:
        os._exit(0)


def _machine_pid_of_child(parent: int, local_pid: int) -> int:
    """The machine-wide pid of the child that `parent` (this process) knows as `local_pid`."""
    for child in containment.children_table().get(parent, []):
        status = Path(f"/proc/{child}/status").read_text()
        numbers = next(line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:"))
        if int(numbers[-1]) == local_pid:
            return child
    raise RuntimeError("the kernel process could not be found")


def _read_line(descriptor: int) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(descriptor, 1)
        if not chunk:
            return ""
        data += chunk
    return data.decode().strip()


class ForkedKernel:
    """The few things jupyter_client asks of a kernel process, for a submission forked by the zygote.

    The process jupyter_client waits for is the submission's init, which exits
    as its kernel did; signals go to the kernel; killing kills the submission.
    """

    def __init__(self, init: int, kernel: int, isolated: bool):
        self.pid, self.kernel, self.isolated = init, kernel, isolated
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
                self.returncode = _kernel_code(status)
        return self.returncode

    def wait(self) -> int | None:
        if self.returncode is None:
            try:
                self.returncode = _kernel_code(os.waitpid(self.pid, 0)[1])
            except ChildProcessError:
                self.returncode = -1
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if signum == signal.SIGKILL:
            self.kill()
        elif self.poll() is None:
            try:
                os.killpg(self.kernel, signum)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        if self.poll() is None:
            containment.end(self.pid, self.isolated)

    def terminate(self) -> None:
        self.kill()


def _kernel_code(status: int) -> int:
    """The kernel's exit code from its init's: negative for a signal, as subprocess reports it."""
    code = os.waitstatus_to_exitcode(status)
    return -(code - 128) if code > 128 else code


class WarmProvisioner(LocalProvisioner):
    """A provisioner whose kernels the zygote forks, each in its sandbox, watched by a `Watchdog`."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        manager: WarmKernelManager = self.parent
        fault = faults.take("kernel_start")
        if fault == "fail":
            raise RuntimeError("the kernel did not start (a fault injected for testing)")
        try:
            init, kernel = self._fork(manager, Path(kwargs.get("cwd") or os.getcwd()))
        except BaseException:
            manager.end_submission()
            raise
        if fault == "hang":
            os.kill(kernel, signal.SIGSTOP)  # alive, and never answering
        return self.connection_info

    def _fork(self, manager: WarmKernelManager, folder: Path) -> tuple[int, int]:
        work = Path(manager.room, "work")
        _copy_supporting_files(folder, work)
        sandbox = Sandbox(
            assignment=manager.assignment,
            folder=str(work),
            private=manager.room,
            connection_file=manager.connection_file,
            readable=manager.readable,
            memory_mb=manager.limits.memory_mb,
            file_size_mb=min(manager.file_size_mb, manager.limits.disk_mb),
            output_mb=manager.output_mb,
            processes=manager.limits.processes,
            isolated=manager.isolated,
            require_landlock=manager.require_landlock,
        )
        init, kernel = manager.zygote.fork_kernel(sandbox)
        self.process = ForkedKernel(init, kernel, manager.isolated)
        self.pid, self.pgid = init, kernel
        manager.watchdog = Watchdog(init, [manager.room], manager.limits, manager.isolated)
        manager.watchdog.start()
        return init, kernel

    async def send_signal(self, signum: int) -> None:
        if self.process:
            self.process.send_signal(signum)

    async def kill(self, restart: bool = False) -> None:
        if self.process:
            self.process.kill()

    async def terminate(self, restart: bool = False) -> None:
        if self.process:
            self.process.terminate()

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart)
        if not restart:
            self.parent.end_submission()


def _copy_supporting_files(folder: Path, work: Path) -> None:
    """Give the kernel's working folder the assignment's files beside the notebook (data, helpers), not the notebooks."""
    work.mkdir()
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix != ".ipynb":
            target = work / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)


class WarmKernelClient(AsyncKernelClient):
    """jupyter_client's kernel client, ready as soon as the kernel has answered on its shell and IOPub channels.

    jupyter_client's own `wait_for_ready` then listens on IOPub until it has
    been silent for 0.2 s, to drop the start-up's status messages; nbclient
    reads only the messages that answer its own requests, so for a kernel that
    runs one notebook that wait is 0.2 s of nothing per submission.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            with contextlib.suppress(Empty):
                reply = await self.shell_channel.get_msg(timeout=1)
                if reply["msg_type"] == "kernel_info_reply":
                    await self.iopub_channel.get_msg(timeout=0.2)  # IOPub is connected: the request's status came
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


class WarmKernelManager(AsyncKernelManager):
    """A kernel manager for warm, sandboxed, watched kernels. The grading worker sets the class attributes."""

    zygote: Zygote
    assignment: str = ""
    readable: tuple[str, ...] = ()
    limits: Limits = Limits()
    file_size_mb: int = 64
    output_mb: int = 2  # set per notebook by VerifiedExecute, from its output limit
    isolated: bool = False
    require_landlock: bool = True
    scratch: str = tempfile.gettempdir()
    watchdog: Watchdog | None = None

    @default("client_factory")
    def _warm_client(self) -> type:
        return WarmKernelClient

    async def _async_pre_start_kernel(self, **kw: Any):
        self.transport = "ipc"
        self.room = tempfile.mkdtemp(prefix="k-", dir=self.scratch)  # short: its Unix sockets' paths must stay under 108 bytes
        self.connection_file = os.path.join(self.room, "c.json")
        self.provisioner = WarmProvisioner(kernel_id=self.kernel_id or "warm", kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        """Look for the kernel's end every 5 ms, not jupyter_client's 100 ms: a killed kernel ends in some 40 ms."""
        await super()._async_wait(pollinterval=0.005)

    @property
    def breach(self) -> str | None:
        """Why the watchdog ended the submission, if it did."""
        return self.watchdog.breach if self.watchdog else None

    def end_submission(self) -> None:
        """Stop watching, end every process the submission left, and remove its room."""
        try:
            if self.watchdog:
                self.watchdog.stop()
            process = self.provisioner.process if self.provisioner else None
            if process is not None:
                process.kill()
                process.wait()
        finally:
            shutil.rmtree(self.room, ignore_errors=True)


if __name__ == "__main__":
    main()
