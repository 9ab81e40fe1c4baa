"""SQLiteLockStore: one conversation's lock is never held by two processes at once, and tickets are served in order."""
import asyncio
import multiprocessing
import time
from pathlib import Path

import pytest

from assistant.locks import SQLiteLockStore
from assistant.rasa_files import locks_path, write_endpoints

WORKERS = 4
TURNS_EACH = 15


def _take_turns(db: str, conversation_id: str, log: str, turns: int) -> None:
    """A worker process: takes the conversation's lock `turns` times and writes enter/leave marks to a log."""
    store = SQLiteLockStore(db=db)

    async def main():
        for _ in range(turns):
            async with store.lock(conversation_id, lock_lifetime=60, wait_time_in_seconds=0.005):
                with open(log, "a") as out:
                    out.write("enter\n")
                    out.flush()
                await asyncio.sleep(0.002)  # a turn's work, so another process would have time to enter
                with open(log, "a") as out:
                    out.write("leave\n")
                    out.flush()

    asyncio.run(main())


def test_processes_contending_for_one_conversation_never_both_hold_it(tmp_path):
    db, log = str(tmp_path / "locks.db"), tmp_path / "marks.log"
    log.touch()
    fork = multiprocessing.get_context("fork")  # as Sanic starts its workers
    workers = [fork.Process(target=_take_turns, args=(db, "patient-1", str(log), TURNS_EACH))
               for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0] * WORKERS

    # With mutual exclusion the marks strictly alternate: enter, leave, enter, leave, ...
    # 4 workers x 15 turns = 60 turns, so 120 marks.
    marks = log.read_text().split()
    assert len(marks) == 120
    assert marks == ["enter", "leave"] * 60
    # Every turn finished, so no lock is left behind.
    assert SQLiteLockStore(db=db).get_lock("patient-1") is None


def test_tickets_are_served_in_the_order_they_were_issued(tmp_path):
    first_store = SQLiteLockStore(db=str(tmp_path / "locks.db"))
    second_store = SQLiteLockStore(db=str(tmp_path / "locks.db"))  # as another worker process's

    # Tickets count from 0 per conversation; they alternate between the two stores here.
    assert first_store.issue_ticket("patient-1") == 0
    assert second_store.issue_ticket("patient-1") == 1
    assert first_store.issue_ticket("patient-1") == 2
    assert second_store.issue_ticket("patient-2") == 0  # another conversation has its own queue

    lock = second_store.get_lock("patient-1")
    assert lock.now_serving == 0
    assert lock.is_locked(1) and lock.is_locked(2)

    first_store.cleanup("patient-1", 0)
    lock = first_store.get_lock("patient-1")
    assert lock.now_serving == 1 and lock.is_locked(2)

    second_store.cleanup("patient-1", 1)
    assert first_store.get_lock("patient-1").now_serving == 2

    first_store.cleanup("patient-1", 2)  # the last ticket: nobody waits, so the lock goes
    assert second_store.get_lock("patient-1") is None
    assert second_store.get_lock("patient-2").now_serving == 0


def test_an_expired_ticket_stops_blocking_the_next_one(tmp_path):
    store = SQLiteLockStore(db=str(tmp_path / "locks.db"))
    crashed = store.issue_ticket("patient-1", lock_lifetime=0.01)  # its holder died without cleanup
    waiting = store.issue_ticket("patient-1", lock_lifetime=60)
    assert (crashed, waiting) == (0, 1)
    time.sleep(0.05)
    store.update_lock("patient-1")
    assert store.get_lock("patient-1").now_serving == 1


def test_cleanup_keeps_a_lock_someone_is_waiting_for(tmp_path):
    store = SQLiteLockStore(db=str(tmp_path / "locks.db"))
    store.issue_ticket("patient-1")
    store.issue_ticket("patient-1")
    store.cleanup("patient-1", 0)
    assert store.is_someone_waiting("patient-1")
    store.cleanup("patient-1", 1)
    assert not store.is_someone_waiting("patient-1")


def test_rasa_builds_the_store_from_the_endpoints_file(tmp_path):
    """The endpoints file Servers writes names this store, and Rasa then allows several Sanic workers."""
    from rasa.core.lock_store import LockStore
    from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers

    endpoints_file = write_endpoints(tmp_path / "endpoints.yml", "127.0.0.1", 5055, tmp_path / "trackers.db")
    endpoints = AvailableEndpoints.read_endpoints(str(endpoints_file))
    store = LockStore.create(endpoints.lock_store)
    assert isinstance(store, SQLiteLockStore)
    assert store.path == tmp_path / "trackers-locks.db" == locks_path(tmp_path / "trackers.db")

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SANIC_WORKERS", "2")
        assert number_of_sanic_workers(endpoints.lock_store) == 2
