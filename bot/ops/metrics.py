"""The bot's Prometheus metrics, in a registry of their own.

Why not prometheus_client's global registry: registering the same name twice there raises, so
two bots in one process (tests, benchmarks) would clash, and every test would see the counts of
the tests before it. `new_metrics()` gives each bot a fresh registry and the metrics on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    generate_latest,
)

# A rule-only reply takes about a millisecond, one with the semantic layer tens of milliseconds,
# one behind a slow live service seconds: buckets from 1 ms to 10 s, about three per decade.
REPLY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Metrics:
    """Every metric of one bot, and the registry they are exported from."""

    registry: CollectorRegistry
    replies_total: Counter
    alarms_total: Counter
    telegram_429_total: Counter
    send_retries_total: Counter
    inbox_backlog: Gauge
    live_calls_total: Counter
    reply_seconds: Histogram
    content_info: Info
    healthy: Gauge


def new_metrics() -> Metrics:
    """Create the metrics on a new registry (see the module docstring for why not the global)."""
    r = CollectorRegistry()
    return Metrics(
        registry=r,
        replies_total=Counter(
            "wijkbot_replies_total",
            "Replies sent, by decision and language.",
            ["decision", "language"],
            registry=r,
        ),
        alarms_total=Counter(
            "wijkbot_alarms_total",
            "Urgent messages flagged; source is 'rule' or 'model'.",
            ["kind", "source"],
            registry=r,
        ),
        telegram_429_total=Counter(
            "wijkbot_telegram_429_total", "Bot API answers 429 Too Many Requests.", registry=r
        ),
        send_retries_total=Counter(
            "wijkbot_send_retries_total",
            "Bot API calls retried, by method.",
            ["method"],
            registry=r,
        ),
        inbox_backlog=Gauge(
            "wijkbot_inbox_backlog", "Updates stored in the inbox and not answered yet.", registry=r
        ),
        live_calls_total=Counter(
            "wijkbot_live_calls_total",
            "Calls to live services; outcome is 'ok' or 'failed'.",
            ["service", "outcome"],
            registry=r,
        ),
        reply_seconds=Histogram(
            "wijkbot_reply_seconds",
            "Time from a received message to its reply being ready.",
            buckets=REPLY_BUCKETS,
            registry=r,
        ),
        content_info=Info("wijkbot_content", "The content version being served.", registry=r),
        healthy=Gauge(
            "wijkbot_healthy", "1 when the last health check passed, else 0.", registry=r
        ),
    )


def render(metrics: Metrics) -> tuple[bytes, str]:
    """The Prometheus text exposition of `metrics` and its content type, for an HTTP answer."""
    return generate_latest(metrics.registry), CONTENT_TYPE_LATEST
