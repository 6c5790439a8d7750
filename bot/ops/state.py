"""What the running bot tells its operations endpoint: one object the doors update as they work.

Why one object passed in, not module globals: tests and benchmarks run several bots in one
process, and each must report only its own health and counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.messages import Reply
from bot.ops.health import Health, check
from bot.ops.metrics import Metrics, new_metrics


@dataclass
class Ops:
    health: Health = field(default_factory=Health)
    metrics: Metrics = field(default_factory=new_metrics)
    listen: str | None = None  # WIJKBOT_OPS_LISTEN; the endpoint is off without it
    max_update_age: float = 120.0
    max_send_age: float = 300.0

    def healthy(self) -> bool:
        ok, _ = check(
            self.health, max_update_age=self.max_update_age, max_send_age=self.max_send_age
        )
        return ok

    def content(self, version: str) -> None:
        self.health.content_loaded = True
        self.health.content_version = version
        self.metrics.content_info.info({"version": version})

    def replied(self, reply: Reply, seconds: float) -> None:
        """A core reply: its decision and language, why an alarm fired (rule or model), how long."""
        self.metrics.replies_total.labels(reply.decision, reply.language).inc()
        self.metrics.reply_seconds.observe(seconds)
        if reply.alarm or reply.crisis_text is not None:
            for source in alarm_sources(reply.reasons):
                self.metrics.alarms_total.labels(reply.danger or "unknown", source).inc()

    def sending(self, endpoint: str) -> None:
        if endpoint.startswith("send"):
            self.health.sending()

    def sent(self, endpoint: str) -> None:
        if endpoint.startswith("send"):
            self.health.sent_ok()

    def retried(self, endpoint: str, too_many: bool) -> None:
        self.metrics.send_retries_total.labels(endpoint).inc()
        if too_many:
            self.metrics.telegram_429_total.inc()

    def updates(self) -> None:
        """A successful getUpdates, or a webhook update received."""
        self.health.updates_ok()

    def live_call(self, service: str, ok: bool) -> None:
        self.metrics.live_calls_total.labels(service, "ok" if ok else "failed").inc()


def alarm_sources(reasons: tuple[str, ...]) -> list[str]:
    """'rule:inbraak_nu', 'model:medisch 0.91', 'button:brand' -> rule, model, button."""
    sources = dict.fromkeys(r.split(":", 1)[0] for r in reasons if ":" in r)
    return list(sources) or ["rule"]
