"""Handing due messages to Celery workers, when a broker is configured.

A task only names messages (`send_messages`: the tick's batches; `send_message`: one handed
over as it commits); it claims them in PostgreSQL like any other sender. So a task
published twice costs one skipped claim, and a task lost (broker down at commit,
worker killed) costs a delay: the message is still QUEUED and the next tick publishes it.
Deferred messages (rate limit, backoff) need no countdown either: they become due rows again
and the tick after that publishes them.
"""
from collections.abc import Sequence

from celery import current_app
from django.conf import settings
from django.db import transaction
from kombu.exceptions import ChannelError

from prima.clock import DatabaseNow
from reminders.models import Message

# By name, not by import: reminders.tasks imports the modules that call enqueue_send.
SEND_MESSAGE_TASK = "reminders.tasks.send_message"
SEND_BATCH_TASK = "reminders.tasks.send_messages"
# A tick publishes at most this many messages, oldest due first, in tasks of SEND_TASK_BATCH
# (one claim, SEND_CONCURRENCY sends in flight, like a `send_reminders --loop` batch)...
TICK_PUBLISH_LIMIT = 2000
SEND_TASK_BATCH = 50
# ...and none while this many tasks still wait: the due messages are most likely among them,
# so workers that are behind get no duplicates piled on. Once the queue has (nearly) drained,
# whatever is still due was deferred, requeued or lost, and the next tick publishes it.
TICK_PUBLISH_LOW_WATER = 2


def broker_configured() -> bool:
    return bool(settings.CELERY_BROKER_URL)


def enqueue_send(message: Message) -> None:
    """Have a worker send `message`, due now, as soon as the current transaction commits.

    Without a broker this does nothing: the `send_reminders` loop finds the message. (A
    message due later waits for the tick that finds it due.) A failed publish is logged, not
    raised (the row is committed and the next tick publishes it).
    """
    if broker_configured():
        # A lambda, not a partial: Django names the callback by __qualname__ when it fails.
        transaction.on_commit(lambda: _send_tasks(SEND_MESSAGE_TASK, [message.id]), robust=True)


def publish(message_ids: Sequence[int]) -> int:
    """The due messages as `send_messages` tasks of SEND_TASK_BATCH ids; the number of tasks."""
    batches = [list(message_ids[start:start + SEND_TASK_BATCH])
               for start in range(0, len(message_ids), SEND_TASK_BATCH)]
    _send_tasks(SEND_BATCH_TASK, batches)
    return len(batches)


def _send_tasks(name: str, arguments: list) -> None:
    """One task `name` per argument, over one broker connection."""
    with current_app.connection_for_write() as connection:
        producer = current_app.amqp.Producer(connection)
        for argument in arguments:
            current_app.send_task(name, args=[argument], producer=producer)


def waiting_tasks() -> int:
    """Tasks in the default queue not yet taken by a worker."""
    with current_app.connection_for_read() as connection:
        try:
            declared = connection.default_channel.queue_declare(
                queue=current_app.conf.task_default_queue, passive=True
            )
        except ChannelError:  # Redis keeps no empty queues: nothing is waiting
            return 0
    return declared.message_count


def enqueue_due_messages() -> int:
    """Publish the messages that are due and not claimed; the tick's last step."""
    if waiting_tasks() >= TICK_PUBLISH_LOW_WATER:
        return 0
    due = Message.objects.filter(status=Message.Status.QUEUED, send_after__lte=DatabaseNow())
    ids = list(due.order_by("-priority", "send_after").values_list("id", flat=True)[:TICK_PUBLISH_LIMIT])
    publish(ids)
    return len(ids)
