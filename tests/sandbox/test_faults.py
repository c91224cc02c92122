"""The shared fault model (include/sandbox/faults.py): each knob does what it says, and a seed repeats its run."""

from __future__ import annotations

import argparse
import dataclasses
import random
from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

import pytest

from include.sandbox.faults import (
    Answer,
    Drop,
    FaultControls,
    FaultInjector,
    FaultKnobs,
    Hold,
    LoseAnswer,
    add_fault_options,
    faults_from_options,
)


@dataclass
class EveryKnob(FaultKnobs):
    """An emulator offering every knob of the model under the model's own names."""

    latency_ms: int = 0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    timeout_rate: float = 0.0
    lost_answer_rate: float = 0.0
    timeout_hold_s: float = 35.0
    burst_429: int = 0
    retry_after_s: int = 1
    rate_limit_per_minute: int = 0
    max_concurrency: int = 0
    expire_session_after: int = 0


@dataclass
class Renamed(FaultKnobs):
    """An emulator publishing two knobs under names of its own, with errors of its own."""

    ALIASES: ClassVar = {"gateway_timeout_rate": "lost_answer_rate", "burst_retry_after_s": "retry_after_s"}
    ERROR_STATUSES: ClassVar = (502,)

    error_rate: float = 0.0
    gateway_timeout_rate: float = 0.0
    burst_429: int = 0
    burst_retry_after_s: int = 1


def kind(decision) -> str:
    if decision is None:
        return "served"
    if isinstance(decision, Answer):
        return str(decision.status)
    return type(decision).__name__


def decisions(faults: FaultKnobs, seed: int, count: int) -> list[str]:
    injector = FaultInjector(faults, seed=seed)
    return [kind(injector.decide()) for _ in range(count)]


# -- seeded draws ----------------------------------------------------------------------------------------

def test_the_same_seed_repeats_the_same_faults_and_another_seed_does_not():
    faults = dict(error_rate=0.1, drop_rate=0.05, timeout_rate=0.05, lost_answer_rate=0.05, timeout_hold_s=2)
    first = decisions(EveryKnob(**faults), seed=7, count=2000)
    assert first == decisions(EveryKnob(**faults), seed=7, count=2000)
    assert first != decisions(EveryKnob(**faults), seed=8, count=2000)


def test_one_draw_per_request_chooses_among_the_shares_in_their_order():
    """error, drop, timeout, lost answer: one random number a request, so the shares are disjoint."""
    faults = EveryKnob(error_rate=0.1, drop_rate=0.2, timeout_rate=0.3, lost_answer_rate=0.1, timeout_hold_s=2)
    rng = random.Random(3)
    expected = []
    for _ in range(500):
        draw = rng.random()
        if draw < 0.1:
            expected.append(str(rng.choice((500, 503))))
        else:
            expected.append("Drop" if draw < 0.3 else "Hold" if draw < 0.6 else "LoseAnswer" if draw < 0.7
                            else "served")
    assert decisions(faults, seed=3, count=500) == expected


def test_shares_come_out_near_their_settings_over_many_requests():
    counts = Counter(decisions(EveryKnob(error_rate=0.2, drop_rate=0.1, timeout_rate=0.05), seed=11, count=10_000))
    assert 1800 <= counts["500"] + counts["503"] <= 2200
    assert 850 <= counts["Drop"] <= 1150
    assert 400 <= counts["Hold"] <= 600
    assert counts["LoseAnswer"] == 0


def test_a_request_that_no_share_is_set_for_draws_nothing_from_the_seed():
    injector = FaultInjector(EveryKnob(), seed=5)
    assert [injector.decide() for _ in range(10)] == [None] * 10
    injector.faults = EveryKnob(error_rate=0.5)
    rng = random.Random(5)  # the first draw is still the seed's first number
    expected = [str(rng.choice((500, 503))) if rng.random() < 0.5 else "served" for _ in range(50)]
    assert [kind(injector.decide()) for _ in range(50)] == expected


# -- each knob -------------------------------------------------------------------------------------------

def test_error_rate_answers_a_status_drawn_from_the_emulators_error_statuses():
    assert set(decisions(EveryKnob(error_rate=1.0), seed=1, count=200)) == {"500", "503"}
    assert set(decisions(Renamed(error_rate=1.0), seed=1, count=50)) == {"502"}


def test_drop_rate_drops_the_connection():
    assert FaultInjector(EveryKnob(drop_rate=1.0), seed=1).decide() == Drop()


def test_timeout_rate_holds_the_answer_timeout_hold_s():
    assert FaultInjector(EveryKnob(timeout_rate=1.0, timeout_hold_s=2), seed=1).decide() == Hold(2.0)
    assert EveryKnob().timeout_hold_s == 35.0


def test_lost_answer_rate_serves_the_request_and_loses_its_answer():
    assert FaultInjector(EveryKnob(lost_answer_rate=1.0), seed=1).decide() == LoseAnswer()


def test_a_burst_answers_the_next_n_requests_429_with_retry_after_counting_down_on_the_live_settings():
    faults = EveryKnob(burst_429=2, retry_after_s=4, error_rate=1.0)
    injector = FaultInjector(faults, seed=1)
    assert [injector.decide(), injector.decide()] == [Answer(429, 4), Answer(429, 4)]
    assert faults.burst_429 == 0
    assert kind(injector.decide()) in ("500", "503"), "after the burst, the shares apply again"


def test_the_per_minute_limit_answers_429_until_its_window_frees_up():
    now = [1000.0]
    injector = FaultInjector(EveryKnob(rate_limit_per_minute=2), seed=1, clock=lambda: now[0])
    assert injector.decide() is None
    now[0] += 30
    assert injector.decide() is None
    now[0] += 10
    assert injector.decide() == Answer(429, 20), "the first request leaves the window in 20 s"
    now[0] += 20
    assert injector.decide() is None


def test_the_concurrency_cap_refuses_requests_in_flight_above_it_until_one_is_released():
    injector = FaultInjector(EveryKnob(max_concurrency=2, retry_after_s=3), seed=1)
    assert [injector.admit(), injector.admit(), injector.admit()] == [None, None, Answer(429, 3)]
    injector.release()
    assert injector.admit() is None


def test_every_nth_session_request_finds_its_session_expired():
    injector = FaultInjector(EveryKnob(expire_session_after=3), seed=1)
    assert [injector.session_expires_now() for _ in range(7)] == [False, False, True, False, False, True, False]


def test_latency_is_the_delay_of_every_request():
    injector = FaultInjector(EveryKnob(latency_ms=250), seed=1)
    assert injector.delay() == 0.25
    assert FaultInjector(EveryKnob(), seed=1).delay() == 0


def test_new_settings_start_a_fresh_window_and_a_fresh_session_count():
    now = [0.0]
    injector = FaultInjector(EveryKnob(rate_limit_per_minute=1, expire_session_after=2), seed=1, clock=lambda: now[0])
    injector.decide()
    injector.session_expires_now()
    injector.faults = EveryKnob(rate_limit_per_minute=1, expire_session_after=2)
    assert injector.decide() is None
    assert injector.session_expires_now() is False


def test_a_knob_an_emulator_does_not_offer_stays_off():
    injector = FaultInjector(Renamed(), seed=1)
    assert [injector.admit() for _ in range(50)] == [None] * 50  # no concurrency cap
    assert [injector.decide() for _ in range(50)] == [None] * 50  # no rate limit
    assert injector.session_expires_now() is False and injector.delay() == 0


def test_a_knob_published_under_another_name_drives_the_model():
    faults = Renamed(gateway_timeout_rate=1.0, burst_429=1, burst_retry_after_s=9)
    injector = FaultInjector(faults, seed=1)
    assert [injector.decide(), injector.decide()] == [Answer(429, 9), LoseAnswer()]
    assert faults.burst_429 == 0


# -- counting --------------------------------------------------------------------------------------------

def test_every_fault_is_counted_by_kind_until_reset():
    injector = FaultInjector(EveryKnob(burst_429=1, drop_rate=1.0, max_concurrency=1, latency_ms=1), seed=1)
    injector.admit()
    injector.admit()
    injector.decide()
    injector.decide()
    injector.delay()
    assert injector.counts() == {"requests": 2, "concurrency_429": 1, "burst_429": 1, "drop": 1, "latency": 1}
    injector.reset_counts()
    assert injector.counts() == {}


def test_an_emulator_with_counters_of_its_own_receives_each_kind():
    seen: list[str] = []
    injector = FaultInjector(EveryKnob(error_rate=1.0, expire_session_after=1), seed=1, record=seen.append)
    injector.decide()
    injector.session_expires_now()
    assert seen[0] in ("error_500", "error_503") and seen[1:] == ["session_expiry"]
    assert injector.counts() == {}


# -- checks ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("settings", "named"), [
    ({"error_rate": 1.5}, "error_rate"), ({"drop_rate": -0.1}, "drop_rate"), ({"timeout_rate": "0.1"}, "timeout_rate"),
    ({"lost_answer_rate": True}, "lost_answer_rate"), ({"burst_429": -1}, "burst_429"),
    ({"max_concurrency": 1.5}, "max_concurrency"), ({"retry_after_s": True}, "retry_after_s"),
    ({"timeout_hold_s": 0}, "timeout_hold_s"), ({"timeout_hold_s": 3601}, "timeout_hold_s"),
    ({"error_rate": 0.6, "drop_rate": 0.3, "timeout_rate": 0.2}, "error_rate + drop_rate + timeout_rate"),
])
def test_invalid_settings_are_refused_naming_the_knob(settings, named):
    with pytest.raises(ValueError, match=named.replace("+", r"\+")):
        EveryKnob(**settings)


def test_a_renamed_knob_is_checked_under_its_public_name():
    with pytest.raises(ValueError, match="gateway_timeout_rate must be a number between 0 and 1"):
        Renamed(gateway_timeout_rate=2)


def test_a_field_that_is_no_knob_of_the_model_is_a_programming_error():
    @dataclass
    class Typo(FaultKnobs):
        eror_rate: float = 0.0

    with pytest.raises(TypeError, match="eror_rate"):
        Typo()


def test_shares_are_kept_as_floats_and_the_settings_read_back_as_json():
    faults = EveryKnob(error_rate=1, timeout_hold_s=2)
    assert faults.error_rate == 1.0 and isinstance(faults.error_rate, float)
    assert faults.as_dict() == dataclasses.asdict(faults)


# -- what an emulator builds on ------------------------------------------------------------------------

def test_an_emulators_command_line_offers_each_knob_and_the_fault_seed():
    parser = argparse.ArgumentParser()
    add_fault_options(parser, Renamed)
    args = parser.parse_args(["--gateway-timeout-rate", "0.25", "--burst-429", "2", "--fault-seed", "9"])
    assert faults_from_options(Renamed, args) == Renamed(gateway_timeout_rate=0.25, burst_429=2)
    assert args.fault_seed == 9 and parser.parse_args([]).fault_seed is None
    with pytest.raises(ValueError, match="gateway_timeout_rate"):
        faults_from_options(Renamed, parser.parse_args(["--gateway-timeout-rate", "2"]))


def test_a_servers_faults_are_its_injectors_live_settings_and_replacing_them_reaches_the_injector():
    class Server(FaultControls):
        def __init__(self) -> None:
            self.injector = FaultInjector(EveryKnob(), seed=1)

    server = Server()
    server.faults = EveryKnob(drop_rate=1.0)
    assert server.faults is server.injector.faults and server.injector.decide() == Drop()
