"""The send pacer's contract, with a fake clock (no sleeps): an even 30/s overall, about 1/s per
private chat with a short burst, 20/min per group, alarms first, a 429 pauses only its chat."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time

import pytest

from bot.telegram.pacing import ALARM, NORMAL, Pacer, PacingState, Rates


def drain(
    state: PacingState, start: float = 0.0, limit: int = 10_000
) -> list[tuple[float, object]]:
    """Releases everything waiting, jumping the clock to each wake-up time."""
    now, released = start, []
    for _ in range(limit):
        item, wake = state.release(now)
        if item is not None:
            released.append((now, item.chat))
            state.answered(item.seq, now)  # an instant answer: the window is the pacer's own
        elif wake is None:
            return released
        else:
            now = wake
    raise AssertionError("did not drain")


def approx(value: float) -> object:
    return pytest.approx(value, abs=1e-6)


def most_in_a_second(times: list[float]) -> int:
    return max(sum(1 for u in times if t <= u < t + 1.0) for t in times)


def test_overall_at_most_30_in_any_second_and_evenly_spaced() -> None:
    state = PacingState(Rates())
    for chat in range(200):
        state.add(chat, group=False)
    times = [t for t, _ in drain(state)]
    assert len(times) == 200
    assert most_in_a_second(times) <= 30
    # even: 1/30 s apart, never faster, and never 31 within a second
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1 / 30 - 1e-9
    assert max(gaps) <= 1 / 30 + 1e-6
    assert times[-1] <= 199 / 30 + 1e-6


def test_an_answered_send_ends_its_second_sooner_but_never_fits_31_on_arrival() -> None:
    """Telegram counts a send when it arrives: after it left, before its answer. With answers
    after 2 ms the 31st send goes at 1.002 s."""
    state = PacingState(Rates())
    for chat in range(120):
        state.add(chat, group=False)
    now, departures = 0.0, []
    while len(departures) < 120:
        item, wake = state.release(now)
        if item is None:
            assert wake is not None
            now = wake
            continue
        departures.append(now)
        state.answered(item.seq, now + 0.002)
    assert departures[30] == approx(1.002)
    # every arrival between departure and answer: still at most 30 in any second
    for delay in (0.0, 0.002):
        assert most_in_a_second([t + delay for t in departures]) <= 30
    assert departures[-1] <= 119 / 30 * 1.003


@pytest.mark.parametrize("seed", range(20))
def test_answers_in_any_order_never_fit_31_arrivals_into_a_second(seed: int) -> None:
    """Answers come back after 1 ms or after half a second, in any order: wherever each send
    arrives between leaving and its answer, no second holds 31 arrivals."""
    rng = random.Random(seed)
    state = PacingState(Rates())
    for chat in range(300):
        state.add(chat, group=False)
    now, arrivals, pending = 0.0, [], []
    while len(arrivals) < 300:
        for at, seq in [p for p in pending if p[0] <= now]:
            state.answered(seq, at)
            pending.remove((at, seq))
        item, wake = state.release(now)
        if item is None:
            assert wake is not None
            now = min([wake, *(at for at, _ in pending)])
            continue
        delay = rng.choice([0.001, 0.002, 0.005, 0.5])  # 0.5: a slow answer, or a timeout
        arrivals.append(rng.uniform(now, now + delay))
        pending.append((now + delay, item.seq))
    assert most_in_a_second(sorted(arrivals)) <= 30
    assert now <= 300 / 30 * 1.2


def test_a_send_on_its_way_holds_its_slot_until_answered() -> None:
    state = PacingState(Rates())
    for chat in range(31):
        state.add(chat, group=False)
    sent = []
    now = 0.0
    while len(sent) < 30:
        item, wake = state.release(now)
        if item is None:
            assert wake is not None
            now = wake
        else:
            sent.append(item)
    item, wake = state.release(5.0)  # seconds later, but no answer has come back
    assert item is None and wake is not None and wake <= 5.0 + 0.1
    state.answered(sent[0].seq, 5.0)
    item, _ = state.release(6.0 + 1e-6)
    assert item is not None


def test_a_private_chat_gets_a_short_burst_then_one_a_second() -> None:
    state = PacingState(Rates())
    for _ in range(6):
        state.add(7, group=False)
    times = [t for t, _ in drain(state)]
    # three at once (a two-message reply is never held back), then one a second
    assert times[:3] == [0.0, approx(1 / 30), approx(2 / 30)]
    assert times[3:] == [approx(1.0), approx(2.0), approx(3.0)]


def test_a_group_gets_twenty_a_minute() -> None:
    state = PacingState(Rates())
    for _ in range(23):
        state.add(-100, group=True)
    times = [t for t, _ in drain(state)]
    assert sum(t < 60 for t in times) <= 3 + 20
    assert times[-1] >= 60 - 1e-6


def test_a_message_waiting_for_its_chat_holds_no_overall_slot() -> None:
    state = PacingState(Rates())
    for _ in range(10):
        state.add("busy", group=False)
    drain_until = [state.release(t * 0.04)[0] for t in range(3)]  # the burst goes
    assert all(item is not None for item in drain_until)
    state.add("other", group=False)  # arrives later, but its chat is free
    item, _ = state.release(0.5)
    assert item is not None and item.chat == "other"


def test_an_alarm_goes_before_everything_that_waits() -> None:
    state = PacingState(Rates())
    for chat in range(50):
        state.add(chat, group=False, priority=NORMAL)
    state.add(999, group=False, priority=ALARM)
    first = drain(state)[0]
    assert first[1] == 999


def test_a_429_pauses_only_its_own_chat() -> None:
    state = PacingState(Rates())
    state.pause(1, until=5.0)
    state.add(1, group=False)
    state.add(2, group=False)
    released = drain(state)
    assert released[0] == (0.0, 2)
    assert released[1][1] == 1 and released[1][0] >= 5.0


def test_idle_chats_are_forgotten() -> None:
    state = PacingState(Rates())
    for chat in range(100):
        state.add(chat, group=False)
    drain(state)
    state.forget_idle(now=1000.0)
    assert state._buckets == {}


async def test_the_pacer_runs_the_state_on_the_event_loop() -> None:
    """The asyncio wrapper around PacingState: every waiter released once, the alarm first."""
    pacer = Pacer(Rates(overall=200, private=200, private_burst=100), clock=time.monotonic)
    order: list[int] = []

    async def send(chat: int, alarm: bool) -> None:
        await pacer.acquire(chat, group=False, alarm=alarm)
        order.append(chat)

    tasks = [asyncio.create_task(send(c, alarm=c == 9)) for c in range(10)]
    await asyncio.gather(*tasks)
    await pacer.close()
    assert sorted(order) == list(range(10))
    assert order.index(9) <= 1  # the first send may already have gone when the alarm came


def test_a_send_never_answered_stops_holding_its_slot_after_a_minute() -> None:
    state = PacingState(Rates())
    for chat in range(31):
        state.add(chat, group=False)
    now = 0.0
    for _ in range(30):
        item, wake = state.release(now)
        while item is None:
            assert wake is not None
            now = wake
            item, wake = state.release(now)
    assert state.release(59.0)[0] is None  # 30 on their way, none answered
    assert state.release(61.0)[0] is not None  # lost: the window goes on


async def test_a_cancelled_send_frees_its_slot() -> None:
    """A waiter released and then cancelled (its update timed out) never reaches Telegram."""
    pacer = Pacer(Rates(overall=2, private=100, private_burst=100))
    first = asyncio.create_task(pacer.acquire(1, group=False))
    second = asyncio.create_task(pacer.acquire(2, group=False))
    await asyncio.sleep(0)
    second.cancel()  # released (the rate allows two), cancelled before it ran
    await first
    with contextlib.suppress(asyncio.CancelledError):
        await second
    third = await asyncio.wait_for(pacer.acquire(3, group=False), timeout=2.0)
    assert third > 0
    await pacer.close()


def test_late_wake_ups_cost_no_slots_and_never_break_the_limit() -> None:
    """The event loop wakes the pacer a few milliseconds late under load: the schedule, not the
    late send, sets the next slot, so 300 sends still take 10 s, never 31 in one second."""
    state = PacingState(Rates())
    for chat in range(300):
        state.add(chat, group=False)
    now, times = 0.0, []
    for step in range(100_000):
        item, wake = state.release(now)
        if item is not None:
            times.append(now)
            state.answered(item.seq, now + 0.002)
        elif wake is None:
            break
        else:
            now = wake + (0.012 if step % 3 else 0.002)  # woken late, by varying amounts
    assert len(times) == 300
    assert most_in_a_second(times) <= 30
    assert times[-1] <= 300 / 30 * 1.003 + 0.05  # late by 0.7 s per 100 before
