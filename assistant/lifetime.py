"""Ties each server process's life to its parent's, so that no server outlives `blina serve`, even one killed with SIGKILL."""
import ctypes
import multiprocessing
import os
import signal

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Asks Linux to send `sig` to this process when the parent that started it exits, however it exits.

    Linux forgets the setting across fork, so every process that must not outlive its parent sets it
    itself: the servers in subprocess's preexec_fn, each Sanic worker of Rasa when it starts.
    SIGKILL, not SIGTERM: a Sanic 21.12 worker still loading the model inherits its server's SIGTERM
    handler, which only signals the other workers, so the worker lived on and its server waited forever.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def worker_dies_with_its_server() -> None:
    """In a Sanic worker process (forked by the Rasa server): die with that server; elsewhere nothing.

    A worker whose server is already gone when this runs would never get the signal, so it goes now.
    """
    parent = multiprocessing.parent_process()
    if parent is None:  # the Rasa server itself, which serves without workers: preexec_fn covered it
        return
    die_with_parent()
    if os.getppid() != parent.pid:
        os.kill(os.getpid(), signal.SIGKILL)
