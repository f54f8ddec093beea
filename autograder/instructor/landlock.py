"""Linux Landlock: let a process give up access to everything but what it names.

Landlock is a Linux security module (kernel 5.13 and later) that any process
may use on itself, without privileges: once restricted, the process and its
children can only read the paths allowed for reading, write under the paths
allowed for writing, bind the TCP ports allowed (ABI 4 and later), and signal
or reach through abstract sockets no process outside its sandbox (ABI 6 and
later). The grader applies it to each learner's kernel (see `kernel_sandbox`).
"""

from __future__ import annotations

import ctypes
import os
import struct
from pathlib import Path
from typing import Iterable

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # the same on x86-64 and arm64
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
TRUNCATE, IOCTL_DEV = 1 << 14, 1 << 15
READ = EXECUTE | READ_FILE | READ_DIR
FILE_ONLY_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # the rights a rule on a file may hold
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

_libc = ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The Landlock ABI this kernel offers; 0 when Landlock is missing or disabled."""
    version = _libc.syscall(_SYS_CREATE_RULESET, None, 0, _CREATE_RULESET_VERSION)
    return max(version, 0)


def _filesystem_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: execute, write, read, read-dir, remove and make entries
    if abi >= 2:
        rights |= 1 << 13  # refer: move files between directories
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


def restrict(
    readable: Iterable[Path], writable: Iterable[Path], bindable_ports: Iterable[int] = (), listable: Iterable[Path] = ()
) -> int:
    """Restrict this process (and what it starts later) for good. Returns the ABI used.

    Paths that do not exist are skipped. Readable directories may be read with
    everything beneath them; listable ones only listed (their files need rules
    of their own). Writable paths may also be read. With
    ABI 4 or later, no TCP connection can be made and only `bindable_ports` can
    be bound; with ABI 6 or later, no process outside the sandbox can be
    signalled. Raises OSError if Landlock is unavailable.
    """
    abi = abi_version()
    if abi < 1:
        raise OSError("Landlock is not available in this kernel")
    filesystem = _filesystem_rights(abi)
    network = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scope = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    fields = [filesystem] + ([network] if abi >= 4 else []) + ([scope] if abi >= 6 else [])
    attributes = ctypes.create_string_buffer(struct.pack(f"{len(fields)}Q", *fields))
    ruleset = _check(_libc.syscall(_SYS_CREATE_RULESET, attributes, len(attributes.raw), 0), "create a ruleset")
    try:
        for path in readable:
            _allow_path(ruleset, Path(path), READ & filesystem)
        for path in listable:
            _allow_path(ruleset, Path(path), READ_DIR)
        for path in writable:
            _allow_path(ruleset, Path(path), filesystem)
        if network:
            for port in bindable_ports:
                rule = ctypes.create_string_buffer(struct.pack("QQ", NET_BIND_TCP, port))
                _check(_libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_NET_PORT, rule, 0), f"allow port {port}")
        _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")
        _check(_libc.syscall(_SYS_RESTRICT_SELF, ruleset, 0), "restrict this process")
    finally:
        os.close(ruleset)
    return abi


def _allow_path(ruleset: int, path: Path, rights: int) -> None:
    try:
        descriptor = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not path.is_dir():
            rights &= FILE_ONLY_RIGHTS
        rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, descriptor))
        _check(_libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, rule, 0), f"allow {path}")
    finally:
        os.close(descriptor)


def _check(result: int, action: str) -> int:
    if result < 0:
        number = ctypes.get_errno()
        raise OSError(number, f"Landlock could not {action}: {os.strerror(number)}")
    return result
