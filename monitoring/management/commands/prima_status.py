from django.core.management.base import BaseCommand

from monitoring.status import system_status
from reminders.phones import mask_phones


class Command(BaseCommand):
    help = (
        "Print PRIMA's health: whether messages really go out (\"sending: ok\" only with a WhatsApp backend "
        "that reaches people, no pause and nothing stuck past its lease; the email backend likewise), outbox "
        "depth (due, deferred, stale leases) and lateness, Cloud API messages waiting for a template, sends and "
        "failures in the last hour, held locks, "
        "the busiest rate-limit keys (phone numbers masked), webhook events failed, unprocessed or ignored as "
        "naming a number not ours, disconnected devices, each device's remaining Fonnte quota, schedules the "
        "scheduler cannot handle, and the age of the scheduler's last tick (and its last failure)."
    )

    def handle(self, *args, **options) -> None:
        status = system_status()
        tick = "never" if status.tick_age is None else f"{status.tick_age.total_seconds():.0f}s ago"
        lines = [
            f"scheduler: last tick {tick} ({'ok' if status.tick_is_fresh else 'STALE'})",
            *([f"  last tick failure at {status.tick_failure[0]:%Y-%m-%d %H:%M:%S}: {status.tick_failure[1]}"]
              if status.tick_failure else []),
            "sending: " + ("; ".join([*status.not_sending, *(
                f"{mask_phones(p.scope)} PAUSED since {p.since:%Y-%m-%d %H:%M:%S}: {p.reason}"
                for p in status.sending_pauses)]) or "ok"),
            f"email: {status.email_problem or 'ok'}",
            f"schedules the scheduler cannot handle: {status.schedule_problems}",
            f"emergencies nobody could be told about (7 days): {status.untold_emergencies}",
            *(f"  schedule {s.id} ({s.patient}): {s.scheduling_problem}" for s in status.problem_schedules),
            f"outbox: due={status.queue.due} deferred={status.queue.deferred} "
            f"stale_leases={status.queue.stale_leases} oldest_due_late={status.lateness.total_seconds():.0f}s",
            f"waiting for a WhatsApp template: {status.waiting_for_template}",
            *(f"  {hold.count} via {mask_phones(hold.device)}: {hold.reason}" for hold in status.template_holds),
            f"last hour: sent={status.last_hour.sent} failed={status.last_hour.failed}",
            f"replies needing attention: {status.replies_waiting}",
            f"webhooks: failed={status.webhooks_failed} unprocessed={status.webhooks_unprocessed} "
            f"refused_7d={status.webhooks_refused} "
            f"not_ours_7d={status.webhooks_not_ours.total} (replies={status.webhooks_not_ours.replies})"
            + (f" naming {', '.join(mask_phones(n) for n in status.webhooks_not_ours.numbers)}"
               if status.webhooks_not_ours.total else ""),
            "devices disconnected: " + (", ".join(d.device for d in status.disconnected_devices) or "none"),
            f"device quota (alert below {status.quota_alert_below}): "
            + (", ".join(f"{d.device} {d.quota_remaining} left" + (" LOW" if d.quota_is_low else "")
                         for d in status.devices if d.quota_remaining is not None) or "not reported yet"),
            f"held locks: {len(status.held_locks)}",
            *(f"  {lock.key} by {lock.holder}, {lock.remaining.total_seconds():.0f}s left" for lock in status.held_locks),
            f"busiest rate-limit keys: {len(status.busiest_keys)}",
            *(f"  {usage.key}: {usage.recent_hits} recent hit(s)"
              + (f", {usage.in_use}/{usage.limit['limit']} in use" if usage.limit else "")
              for usage in status.busiest_keys),
        ]
        self.stdout.write("\n".join(lines))
