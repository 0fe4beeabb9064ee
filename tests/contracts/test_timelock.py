"""The timelock module on its own, through TimelockHost (which exposes the internal functions to anyone)."""

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak

DAY = 86_400
MIN_DELAY = DAY
MAX_DELAY = 30 * DAY
GRACE_PERIOD = 14 * DAY
DELAY = 2 * DAY

ACTION = "set_thing"
PAYLOAD = encode(["address", "uint256"], ["0x" + "11" * 20, 42])


def reference_id(action: str, payload: bytes) -> bytes:
    """keccak256(abi_encode(action, payload)), as scripts and Safe users compute it off-chain."""
    return keccak(encode(["string", "bytes"], [action, payload]))


@pytest.fixture
def host(project, deployer):
    return project.TimelockHost.deploy(DELAY, sender=deployer)


@pytest.fixture
def queued(host, alice):
    """`host` with (ACTION, PAYLOAD) queued; returns (host, eta)."""
    tx = host.queue(ACTION, PAYLOAD, sender=alice)
    return host, tx.timestamp + DELAY


# --- __init__ ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delay", [MIN_DELAY, MAX_DELAY])
def test___init____delay_within_bounds__sets_delay(project, deployer, delay):
    host = project.TimelockHost.deploy(delay, sender=deployer)
    assert host.delay() == delay
    assert host.queued_count() == 0


def test___init____delay_below_minimum__reverts(project, deployer):
    with ape.reverts("timelock: delay below minimum"):
        project.TimelockHost.deploy(MIN_DELAY - 1, sender=deployer)


def test___init____delay_above_maximum__reverts(project, deployer):
    with ape.reverts("timelock: delay above maximum"):
        project.TimelockHost.deploy(MAX_DELAY + 1, sender=deployer)


def test_constants__read__match_spec(host):
    assert host.MIN_DELAY() == MIN_DELAY
    assert host.MAX_DELAY() == MAX_DELAY
    assert host.GRACE_PERIOD() == GRACE_PERIOD


# --- change_id --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action, payload", [(ACTION, PAYLOAD), ("", b""), ("x" * 32, b"\xff" * 1024)])
def test_change_id__any_change__is_keccak_of_abi_encoded_action_and_payload(host, action, payload):
    assert host.change_id(action, payload) == reference_id(action, payload)


def test_change_id__same_bytes_split_differently__differs(host):
    # concat("ab", "c") == concat("a", "bc"); abi_encode keeps the two changes apart.
    assert host.change_id("ab", b"c") != host.change_id("a", b"bc")


# --- _queue -----------------------------------------------------------------------------------------------------------


def test_queue__new_change__sets_eta_counts_and_emits_full_payload(host, alice):
    tx = host.queue(ACTION, PAYLOAD, sender=alice)
    change_id = reference_id(ACTION, PAYLOAD)
    eta = tx.timestamp + DELAY
    assert host.eta(change_id) == eta
    assert host.queued_count() == 1
    [event] = tx.events.filter(host.ChangeQueued)
    assert event.event_arguments == {"id": change_id, "action": ACTION, "payload": PAYLOAD, "eta": eta}


def test_queue__already_queued__reverts(queued, alice):
    host, _ = queued
    with ape.reverts("timelock: already queued"):
        host.queue(ACTION, PAYLOAD, sender=alice)


def test_queue__largest_payload__emits_it_whole(host, alice):
    payload = bytes(range(256)) * 4  # 1024 bytes, the module's bound
    tx = host.queue(ACTION, payload, sender=alice)
    [event] = tx.events.filter(host.ChangeQueued)
    assert event.payload == payload


def test_queue__same_action_other_payload__queues_separately(queued, alice):
    host, _ = queued
    other = encode(["address", "uint256"], ["0x" + "11" * 20, 43])
    host.queue(ACTION, other, sender=alice)
    assert host.queued_count() == 2


# --- _execute ---------------------------------------------------------------------------------------------------------


def test_execute__at_eta__clears_entry_and_emits(queued, alice, warp):
    host, eta = queued
    warp(eta)
    tx = host.execute(ACTION, PAYLOAD, sender=alice)
    change_id = reference_id(ACTION, PAYLOAD)
    assert host.eta(change_id) == 0
    assert host.queued_count() == 0
    assert host.executed_count() == 1
    [event] = tx.events.filter(host.ChangeExecuted)
    assert event.event_arguments == {"id": change_id, "action": ACTION}


def test_execute__one_second_before_eta__reverts(queued, alice, warp):
    host, eta = queued
    warp(eta - 1)
    with ape.reverts("timelock: too early"):
        host.execute(ACTION, PAYLOAD, sender=alice)


def test_execute__last_second_of_grace_period__succeeds(queued, alice, warp):
    host, eta = queued
    warp(eta + GRACE_PERIOD)
    host.execute(ACTION, PAYLOAD, sender=alice)
    assert host.executed_count() == 1


def test_execute__after_grace_period__reverts(queued, alice, warp):
    host, eta = queued
    warp(eta + GRACE_PERIOD + 1)
    with ape.reverts("timelock: expired"):
        host.execute(ACTION, PAYLOAD, sender=alice)


def test_execute__not_queued__reverts(host, alice):
    with ape.reverts("timelock: not queued"):
        host.execute(ACTION, PAYLOAD, sender=alice)


def test_execute__payload_differs_from_queued__reverts(queued, alice, warp):
    host, eta = queued
    warp(eta)
    with ape.reverts("timelock: not queued"):
        host.execute(ACTION, PAYLOAD + b"\x00", sender=alice)


def test_execute__already_executed__reverts(queued, alice, warp):
    host, eta = queued
    warp(eta)
    host.execute(ACTION, PAYLOAD, sender=alice)
    with ape.reverts("timelock: not queued"):
        host.execute(ACTION, PAYLOAD, sender=alice)


def test_lifecycle__propose_too_early_execute_then_requeue_expires__each_step_right(host, alice, warp):
    tx = host.queue(ACTION, PAYLOAD, sender=alice)
    eta = tx.timestamp + DELAY
    with ape.reverts("timelock: too early"):
        host.execute(ACTION, PAYLOAD, sender=alice)
    warp(eta)
    host.execute(ACTION, PAYLOAD, sender=alice)
    # The same change can be queued again once done, and then left to expire.
    tx = host.queue(ACTION, PAYLOAD, sender=alice)
    warp(tx.timestamp + DELAY + GRACE_PERIOD + 1)
    with ape.reverts("timelock: expired"):
        host.execute(ACTION, PAYLOAD, sender=alice)
    assert host.executed_count() == 1


# --- _cancel ----------------------------------------------------------------------------------------------------------


def test_cancel__queued__clears_entry_and_emits(queued, alice):
    host, _ = queued
    change_id = reference_id(ACTION, PAYLOAD)
    tx = host.cancel(change_id, sender=alice)
    assert host.eta(change_id) == 0
    assert host.queued_count() == 0
    [event] = tx.events.filter(host.ChangeCancelled)
    assert event.event_arguments == {"id": change_id}


def test_cancel__not_queued__reverts(host, alice):
    with ape.reverts("timelock: not queued"):
        host.cancel(reference_id(ACTION, PAYLOAD), sender=alice)


def test_cancel__then_execute__reverts(queued, alice, warp):
    host, eta = queued
    host.cancel(reference_id(ACTION, PAYLOAD), sender=alice)
    warp(eta)
    with ape.reverts("timelock: not queued"):
        host.execute(ACTION, PAYLOAD, sender=alice)


def test_cancel__expired__clears_entry(queued, alice, warp):
    host, eta = queued
    warp(eta + GRACE_PERIOD + 1)
    host.cancel(reference_id(ACTION, PAYLOAD), sender=alice)
    assert host.queued_count() == 0


# --- discard_expired --------------------------------------------------------------------------------------------------


def test_discard_expired__after_grace_period__clears_entry_and_emits(queued, bob, warp):
    host, eta = queued
    change_id = reference_id(ACTION, PAYLOAD)
    warp(eta + GRACE_PERIOD + 1)
    tx = host.discard_expired(change_id, sender=bob)
    assert host.eta(change_id) == 0
    assert host.queued_count() == 0
    [event] = tx.events.filter(host.ChangeDiscarded)
    assert event.event_arguments == {"id": change_id}


def test_discard_expired__last_second_of_grace_period__reverts(queued, bob, warp):
    host, eta = queued
    warp(eta + GRACE_PERIOD)
    with ape.reverts("timelock: not expired"):
        host.discard_expired(reference_id(ACTION, PAYLOAD), sender=bob)


def test_discard_expired__not_queued__reverts(host, bob):
    with ape.reverts("timelock: not queued"):
        host.discard_expired(reference_id(ACTION, PAYLOAD), sender=bob)


# --- queued_count -----------------------------------------------------------------------------------------------------


def test_queued_count__queue_execute_cancel_discard__goes_up_and_down(host, alice, warp):
    payloads = [encode(["uint256"], [i]) for i in range(4)]
    counts = []
    start = None
    for payload in payloads:
        tx = host.queue(ACTION, payload, sender=alice)
        start = start or tx.timestamp
        counts.append(host.queued_count())
    host.cancel(reference_id(ACTION, payloads[0]), sender=alice)
    counts.append(host.queued_count())
    warp(start + DELAY + 100)
    host.execute(ACTION, payloads[1], sender=alice)
    counts.append(host.queued_count())
    warp(start + DELAY + GRACE_PERIOD + 100)
    host.discard_expired(reference_id(ACTION, payloads[2]), sender=alice)
    counts.append(host.queued_count())
    host.cancel(reference_id(ACTION, payloads[3]), sender=alice)
    counts.append(host.queued_count())
    assert counts == [1, 2, 3, 4, 3, 2, 1, 0]
