"""The intake's waiting room: update order kept across out-of-order arrivals, a gap waited for briefly."""

from __future__ import annotations

import pytest

from bot.arrivals import Arrivals


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_out_of_order_arrivals_are_handed_out_in_order_once_the_gap_is_filled() -> None:
    clock = FakeClock()
    arrivals: Arrivals[str] = Arrivals(gap_wait=1.0, clock=clock)
    arrivals.start_after(9)
    arrivals.add(11, "b")
    arrivals.add(12, "c")
    assert arrivals.take(10) == []
    assert arrivals.wait_left() == 1.0
    arrivals.add(10, "a")
    arrivals.add(10, "a again")  # a redelivery while waiting: once
    assert arrivals.take(10) == [(10, "a"), (11, "b"), (12, "c")]
    assert arrivals.wait_left() is None


def test_a_gap_is_waited_for_briefly_then_what_is_behind_it_goes_on() -> None:
    clock = FakeClock()
    arrivals: Arrivals[str] = Arrivals(gap_wait=1.0, clock=clock)
    arrivals.start_after(9)
    arrivals.add(12, "c")
    assert arrivals.take(10) == []
    clock.now += 0.6
    assert arrivals.take(10) == []
    assert arrivals.wait_left() == pytest.approx(0.4)
    clock.now += 0.4
    assert arrivals.take(10) == [(12, "c")]
    arrivals.add(10, "late")  # later than the wait: handed out at once
    assert arrivals.take(10) == [(10, "late")]


def test_a_complete_batch_waits_for_nothing() -> None:
    arrivals: Arrivals[str] = Arrivals(gap_wait=1.0, clock=FakeClock())
    arrivals.start_after(9)
    arrivals.add(15, "x")
    arrivals.add(17, "y")
    arrivals.known_through(17)
    assert arrivals.take(1) == [(15, "x")]
    assert arrivals.take(10) == [(17, "y")]


def test_a_gap_being_stored_is_waited_for_however_long_that_takes() -> None:
    clock = FakeClock()
    arrivals: Arrivals[str] = Arrivals(gap_wait=1.0, clock=clock)
    arrivals.start_after(9)
    arrivals.expect([10])
    arrivals.add(11, "b")
    clock.now += 5
    assert arrivals.take(10) == []
    assert arrivals.wait_left() is None  # the commit of 10 wakes the intake, not a timer
    arrivals.abandon([10])  # storing it failed: Telegram will send it again, the gap is timed now
    assert arrivals.take(10) == []
    clock.now += 1
    assert arrivals.take(10) == [(11, "b")]
