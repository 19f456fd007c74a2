"""A small process that starts the benchmark's commands, so their peak RSS is their own.

Linux counts in a child's ``ru_maxrss`` the memory of the process it was forked from, up to
its ``exec``: a command started by the runner (tens of MB of Python) would never show less.
``run.py`` therefore starts this file once, as ``python -I -S bench/spawn.py`` (a few MB), and
asks it over a pipe to run each command: it forks, redirects, execs, waits with ``os.wait4``
and answers with the wall time, ``ru_maxrss`` and exit code. What remains is a floor of a few MB
(what ``true`` shows), reported by the runner.

Only built-in modules, so that it stays small: requests and answers are ``marshal`` tuples, each
after its length as 4 bytes. A request is ``(argv, env, stdout, stderr_path, tty_size)`` where
``stdout`` is ``None`` (/dev/null), a path, or ``"tty"`` (a pseudo-terminal of ``tty_size``,
rows and columns, whose output is read and dropped). The answer is
``(seconds, maxrss_kib, exit_code)``.
"""

from __future__ import annotations

import fcntl
import marshal
import os
import struct
import sys
import termios
import time

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs this process 1 MB
if TYPE_CHECKING:
    from typing import Any

TTY = "tty"


def _read_exact(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_message(fd: int) -> Any:
    (size,) = struct.unpack("<I", _read_exact(fd, 4))
    return marshal.loads(_read_exact(fd, size))


def write_message(fd: int, message: Any) -> None:
    data = marshal.dumps(message)
    os.write(fd, struct.pack("<I", len(data)) + data)


def _child(argv: list[str], env: dict[str, str], stdout_fd: int, stderr_path: str) -> None:
    """In the forked child: set up stdin, stdout and stderr, then become the command."""
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        err = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(devnull, 0)
        os.dup2(stdout_fd, 1)
        os.dup2(err, 2)
        os.closerange(3, 1 << 16)
        os.execvpe(argv[0], argv, env)
    except OSError as exc:
        os.write(2, f"cannot run {argv[0]}: {exc.strerror}\n".encode())
    os._exit(127)


def _stdout_fd(stdout: str | None, tty_size: tuple[int, int]) -> tuple[int, int | None]:
    """The fd the child writes to, and the pty master to drain (if any)."""
    if stdout == TTY:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *tty_size, 0, 0))
        return slave, master
    if stdout is None:
        return os.open(os.devnull, os.O_WRONLY), None
    return os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), None


def run(
    argv: list[str],
    env: dict[str, str],
    stdout: str | None,
    stderr_path: str,
    tty_size: tuple[int, int],
) -> tuple[float, int, int]:
    out, master = _stdout_fd(stdout, tty_size)
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        _child(argv, env, out, stderr_path)
    os.close(out)
    if master is not None:
        try:
            while os.read(master, 65536):
                pass
        except OSError:  # EIO: the child closed the terminal
            pass
        os.close(master)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    return seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def serve(requests: int, answers: int) -> None:
    while True:
        try:
            argv, env, stdout, stderr_path, tty_size = read_message(requests)
        except EOFError:
            return
        write_message(answers, run(argv, env, stdout, stderr_path, tuple(tty_size)))


if __name__ == "__main__":
    serve(sys.stdin.fileno(), sys.stdout.fileno())
