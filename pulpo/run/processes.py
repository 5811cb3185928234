"""Stopping the server processes Pulpo starts (the database, Prefect's server)."""

import subprocess


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
