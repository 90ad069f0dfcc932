"""An idle cluster takes a newly queued task when it is rung, not at its next poll; and
a waiter that died never stops a ring from reaching the others."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from django.db import connections, transaction
from django_q.brokers import get_broker
from django_q.conf import Conf

from lib.doorbell import Doorbell, doorbell_folder, ring
from lib.queue import PromptORM


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    # A short path: Unix socket paths are limited to about 100 bytes.
    return doorbell_folder("test", os.getpid(), str(tmp_path))


def test_a_ring_wakes_a_waiter_long_before_its_timeout(folder: Path) -> None:
    bell = Doorbell(folder)
    bell.listen()
    threading.Timer(0.05, ring, args=(folder,)).start()
    started = time.monotonic()
    assert bell.wait(30) is True
    assert time.monotonic() - started < 10
    bell.close()


def test_without_a_ring_the_wait_times_out(folder: Path) -> None:
    bell = Doorbell(folder)
    assert bell.wait(0.05) is False
    bell.close()


def test_a_ring_before_the_wait_is_not_lost_and_many_rings_wake_once(folder: Path) -> None:
    bell = Doorbell(folder)
    bell.listen()
    assert ring(folder) == 1
    ring(folder)
    assert bell.wait(0) is True
    assert bell.wait(0) is False  # both rings were one wake-up
    bell.close()


def test_a_dead_waiters_socket_is_removed_and_the_living_are_still_rung(folder: Path) -> None:
    dead, alive = Doorbell(folder), Doorbell(folder)
    dead.listen()
    alive.listen()
    assert dead._socket is not None
    dead._socket.close()  # as if its process had died: the file stays, nobody reads
    assert ring(folder) == 1
    assert len(list(folder.glob("*.sock"))) == 1
    assert alive.wait(0) is True
    alive.close()
    assert not list(folder.glob("*.sock"))


def test_ringing_a_folder_nobody_waits_on_is_harmless(tmp_path: Path) -> None:
    assert ring(tmp_path / "nobody") == 0


@pytest.mark.django_db(transaction=True)
def test_the_cluster_broker_is_rung_when_a_task_is_committed() -> None:
    broker = get_broker()
    assert isinstance(broker, PromptORM)
    bell = Doorbell(broker._doorbell_folder())
    bell.listen()
    with transaction.atomic(using=Conf.ORM):
        broker.enqueue("payload")
        assert bell.wait(0) is False  # not before the row can be seen
    assert bell.wait(0) is True
    bell.close()


def queue_from_another_thread() -> None:
    try:
        get_broker().enqueue("payload")
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_an_idle_broker_takes_a_task_queued_while_it_waits_at_once() -> None:
    broker = get_broker()
    assert isinstance(broker, PromptORM)
    taken: list[tuple[int, str]] = []
    # Long enough a poll that only the doorbell could wake it in time.
    poll, Conf.POLL = Conf.POLL, 30.0
    try:
        threading.Timer(0.2, queue_from_another_thread).start()
        started = time.monotonic()
        while not taken and time.monotonic() - started < 20:
            taken = broker.dequeue() or []
        waited = time.monotonic() - started
    finally:
        Conf.POLL = poll
    assert [payload for _, payload in taken] == ["payload"]
    assert waited < 15


@pytest.mark.django_db(transaction=True)
def test_a_cluster_that_cannot_listen_polls_instead_of_stopping(tmp_path, monkeypatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")  # a doorbell folder cannot be made inside a file
    broker = PromptORM(list_key="blocked-queue")
    monkeypatch.setattr(broker, "_doorbell_folder", lambda: blocked / "bells")

    assert broker.dequeue() is None  # no error: it waited out the poll
    broker.enqueue("payload")
    taken = broker.dequeue() or []

    assert [payload for _, payload in taken] == ["payload"]
    assert broker._doorbell_unavailable is True
