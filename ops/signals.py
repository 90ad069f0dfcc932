"""django-q2 signal receivers: the request id rides in the task package from enqueue to
the worker, and each worker process starts its heartbeat.

A task enqueued by a task (a job's chunks, its webhook deliveries) inherits the id, so one
request's whole trail can be followed across processes and machines.
"""

from __future__ import annotations

import logging
import reprlib
import time
from typing import Any

from django.dispatch import receiver
from django_q.signals import post_execute_in_worker, post_spawn, pre_enqueue, pre_execute

from ops.heartbeat import heartbeat_start
from ops.request_id import current_request_id, request_id_enter, request_id_exit

logger = logging.getLogger("ops.tasks")

TASK_KEY = "hark_request_id"
_short = reprlib.Repr()
_short.maxstring = 80
_short.maxother = 80


@receiver(pre_enqueue)
def _request_id_into_task(sender: object, task: dict[str, Any], **kwargs: Any) -> None:
    request_id = current_request_id()
    if request_id:
        task[TASK_KEY] = request_id


@receiver(pre_execute)
def _request_id_from_task(
    sender: object, func: object, task: dict[str, Any], **kwargs: Any
) -> None:
    # Undone after the task: in a worker the next task sets its own, and with django-q2's
    # sync mode (the task runs inside the request) the request's id must come back.
    task["_hark_request_token"] = request_id_enter(task.get(TASK_KEY))
    task["_hark_started"] = time.monotonic()
    logger.info("Task %s%s started", task.get("func"), _short.repr(tuple(task.get("args") or ())))


@receiver(post_execute_in_worker)
def _request_id_cleared(sender: object, func: object, task: dict[str, Any], **kwargs: Any) -> None:
    seconds = time.monotonic() - task.pop("_hark_started", time.monotonic())
    logger.info(
        "Task %s%s %s in %.2f s",
        task.get("func"),
        _short.repr(tuple(task.get("args") or ())),
        "succeeded" if task.get("success") else "failed",
        seconds,
    )
    token = task.pop("_hark_request_token", None)
    if token is not None:
        request_id_exit(token)


@receiver(post_spawn)
def _heartbeat_started(sender: object, proc_name: str, **kwargs: Any) -> None:
    heartbeat_start()
