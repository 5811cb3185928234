"""Servers Pulpo starts: a free port for each (or whether a given one is), stopping them."""

import socket
import subprocess

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nothing listens on at ``host`` now, chosen by the operating system.

    Pulpo's one way to pick a port for a server it starts (and the tests' and benchmarks'):
    the port is free when this returns, and the caller starts its server on it at once.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``port`` at ``host`` now (one in TIME_WAIT could)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Ask ``process`` to exit, and kill it if it is still running after ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
