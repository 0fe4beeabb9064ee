"""OracleRouter configuration: constructor, governance, timelocked feed and sequencer changes, immediate risk cuts."""

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak
from fixtures.oracles import DAY, DELAY, GRACE_PERIOD, HEARTBEAT, HOUR, MAX_PRICE, SEQUENCER_GRACE

ZERO = "0x" + "00" * 20
MAX_HEARTBEAT = 7 * DAY
MAX_SEQUENCER_GRACE = DAY
MIN = 1_000 * 10**18
MAX = 3_000 * 10**18


def feed_id(token, feed, heartbeat, min_price, max_price) -> bytes:
    payload = encode(
        ["address", "address", "uint256", "uint256", "uint256"],
        [str(token), str(feed), heartbeat, min_price, max_price],
    )
    return keccak(encode(["string", "bytes"], ["set_feed", payload]))


def sequencer_id(sequencer_feed, grace_period) -> bytes:
    payload = encode(["address", "uint256"], [str(sequencer_feed), grace_period])
    return keccak(encode(["string", "bytes"], ["set_sequencer", payload]))


# --- __init__ ---------------------------------------------------------------------------------------------------------


def test___init____no_sequencer__sets_roles_delay_and_emits(create_router, governance):
    router = create_router()
    tx = router.creation_metadata.receipt
    assert router.governance() == governance
    assert router.pending_governance() == ZERO
    assert router.delay() == DELAY
    assert router.sequencer_feed() == ZERO
    assert router.sequencer_grace_period() == 0
    [transferred] = tx.events.filter(router.GovernanceTransferred)
    assert transferred.event_arguments == {"previous_governance": ZERO, "governance": governance.address}
    [sequencer_set] = tx.events.filter(router.SequencerSet)
    assert sequencer_set.event_arguments == {"sequencer_feed": ZERO, "grace_period": 0}


def test___init____grace_period_without_sequencer__stores_zero(create_router):
    router = create_router(grace_period=HOUR)
    assert router.sequencer_grace_period() == 0


def test___init____zero_governance__reverts(create_router):
    with ape.reverts("oracle_router: zero governance"):
        create_router(gov=ZERO)


def test___init____delay_below_minimum__reverts(create_router):
    with ape.reverts("timelock: delay below minimum"):
        create_router(delay=DAY - 1)


def test___init____delay_above_maximum__reverts(create_router):
    with ape.reverts("timelock: delay above maximum"):
        create_router(delay=30 * DAY + 1)


@pytest.mark.parametrize("grace_period", [1, MAX_SEQUENCER_GRACE])
def test___init____sequencer_with_grace_in_bounds__stores_both(create_router, sequencer, grace_period):
    router = create_router(sequencer_feed=sequencer, grace_period=grace_period)
    assert router.sequencer_feed() == sequencer
    assert router.sequencer_grace_period() == grace_period


def test___init____sequencer_feed_not_a_contract__reverts(create_router, alice):
    with ape.reverts("oracle_router: sequencer feed is not a contract"):
        create_router(sequencer_feed=alice.address, grace_period=HOUR)


def test___init____sequencer_with_zero_grace__reverts(create_router, sequencer):
    with ape.reverts("oracle_router: zero grace period"):
        create_router(sequencer_feed=sequencer, grace_period=0)


def test___init____sequencer_grace_above_maximum__reverts(create_router, sequencer):
    with ape.reverts("oracle_router: grace period above maximum"):
        create_router(sequencer_feed=sequencer, grace_period=MAX_SEQUENCER_GRACE + 1)


def test_timelock_constants__read__exported_from_module(router):
    assert (router.MIN_DELAY(), router.MAX_DELAY(), router.GRACE_PERIOD()) == (DAY, 30 * DAY, GRACE_PERIOD)


# --- governance transfer ----------------------------------------------------------------------------------------------


def test_transfer_governance__by_governance__sets_pending_and_emits(router, governance, alice):
    tx = router.transfer_governance(alice, sender=governance)
    assert router.pending_governance() == alice
    assert router.governance() == governance
    [event] = tx.events.filter(router.GovernanceTransferStarted)
    assert event.event_arguments == {"governance": governance.address, "pending_governance": alice.address}


def test_transfer_governance__by_other__reverts(router, alice):
    with ape.reverts("oracle_router: not governance"):
        router.transfer_governance(alice, sender=alice)


def test_accept_governance__by_pending__transfers_and_emits(router, governance, alice):
    router.transfer_governance(alice, sender=governance)
    tx = router.accept_governance(sender=alice)
    assert router.governance() == alice
    assert router.pending_governance() == ZERO
    [event] = tx.events.filter(router.GovernanceTransferred)
    assert event.event_arguments == {"previous_governance": governance.address, "governance": alice.address}


def test_accept_governance__by_other__reverts(router, governance, alice, bob):
    router.transfer_governance(alice, sender=governance)
    with ape.reverts("oracle_router: not pending governance"):
        router.accept_governance(sender=bob)


def test_accept_governance__after_transfer_to_zero__reverts(router, governance, alice):
    router.transfer_governance(alice, sender=governance)
    router.transfer_governance(ZERO, sender=governance)
    with ape.reverts("oracle_router: not pending governance"):
        router.accept_governance(sender=alice)


# --- propose_feed -----------------------------------------------------------------------------------------------------


def test_propose_feed__valid__queues_with_full_payload_and_sets_nothing_yet(router, token, feed, governance):
    tx = router.propose_feed(token, feed, HEARTBEAT, MIN, MAX, sender=governance)
    change_id = feed_id(token, feed, HEARTBEAT, MIN, MAX)
    [event] = tx.events.filter(router.ChangeQueued)
    assert event.event_arguments == {
        "id": change_id,
        "action": "set_feed",
        "payload": encode(
            ["address", "address", "uint256", "uint256", "uint256"],
            [token.address, feed.address, HEARTBEAT, MIN, MAX],
        ),
        "eta": tx.timestamp + DELAY,
    }
    assert router.eta(change_id) == tx.timestamp + DELAY
    assert router.queued_count() == 1
    assert router.feed_config(token).feed == ZERO


def test_propose_feed__by_other__reverts(router, token, feed, alice):
    with ape.reverts("oracle_router: not governance"):
        router.propose_feed(token, feed, HEARTBEAT, MIN, MAX, sender=alice)


def test_propose_feed__same_change_twice__reverts(router, token, feed, governance):
    router.propose_feed(token, feed, HEARTBEAT, MIN, MAX, sender=governance)
    with ape.reverts("timelock: already queued"):
        router.propose_feed(token, feed, HEARTBEAT, MIN, MAX, sender=governance)


def test_propose_feed__zero_token__reverts(router, feed, governance):
    with ape.reverts("oracle_router: zero token"):
        router.propose_feed(ZERO, feed, HEARTBEAT, MIN, MAX, sender=governance)


def test_propose_feed__zero_feed__reverts(router, token, governance):
    with ape.reverts("oracle_router: zero feed"):
        router.propose_feed(token, ZERO, HEARTBEAT, MIN, MAX, sender=governance)


def test_propose_feed__token_not_a_contract__reverts(router, feed, governance, alice):
    with ape.reverts("oracle_router: token is not a contract"):
        router.propose_feed(alice, feed, HEARTBEAT, MIN, MAX, sender=governance)


def test_propose_feed__feed_not_a_contract__reverts(router, token, governance, alice):
    with ape.reverts("oracle_router: feed is not a contract"):
        router.propose_feed(token, alice, HEARTBEAT, MIN, MAX, sender=governance)


def test_propose_feed__max_heartbeat__queues(router, token, feed, governance):
    router.propose_feed(token, feed, MAX_HEARTBEAT, MIN, MAX, sender=governance)
    assert router.queued_count() == 1


def test_propose_feed__zero_heartbeat__reverts(router, token, feed, governance):
    with ape.reverts("oracle_router: zero heartbeat"):
        router.propose_feed(token, feed, 0, MIN, MAX, sender=governance)


def test_propose_feed__heartbeat_above_maximum__reverts(router, token, feed, governance):
    with ape.reverts("oracle_router: heartbeat above maximum"):
        router.propose_feed(token, feed, MAX_HEARTBEAT + 1, MIN, MAX, sender=governance)


def test_propose_feed__single_price_band_at_max_price__queues(router, token, feed, governance):
    router.propose_feed(token, feed, HEARTBEAT, MAX_PRICE, MAX_PRICE, sender=governance)
    assert router.queued_count() == 1


def test_propose_feed__zero_max_price__reverts(router, token, feed, governance):
    with ape.reverts("oracle_router: zero max price"):
        router.propose_feed(token, feed, HEARTBEAT, 0, 0, sender=governance)


def test_propose_feed__max_price_above_128_bits__reverts(router, token, feed, governance):
    with ape.reverts("oracle_router: max price too large"):
        router.propose_feed(token, feed, HEARTBEAT, MIN, MAX_PRICE + 1, sender=governance)


def test_propose_feed__min_above_max__reverts(router, token, feed, governance):
    with ape.reverts("oracle_router: min price above max price"):
        router.propose_feed(token, feed, HEARTBEAT, MAX + 1, MAX, sender=governance)


def test_propose_feed__feed_with_18_decimals__queues(router, token, create_feed, governance):
    router.propose_feed(token, create_feed(18, 10**18), HEARTBEAT, MIN, MAX, sender=governance)
    assert router.queued_count() == 1


def test_propose_feed__feed_with_19_decimals__reverts(router, token, create_feed, governance):
    with ape.reverts("oracle_router: feed decimals above 18"):
        router.propose_feed(token, create_feed(19, 10**19), HEARTBEAT, MIN, MAX, sender=governance)


def test_propose_feed__token_with_24_decimals__queues(router, create_token, feed, governance):
    router.propose_feed(create_token(24), feed, HEARTBEAT, MIN, MAX, sender=governance)
    assert router.queued_count() == 1


def test_propose_feed__token_with_25_decimals__reverts(router, create_token, feed, governance):
    with ape.reverts("oracle_router: token decimals above 24"):
        router.propose_feed(create_token(25), feed, HEARTBEAT, MIN, MAX, sender=governance)


def test_propose_feed__token_without_decimals__reverts(router, project, deployer, feed, governance):
    not_a_token = project.TimelockHost.deploy(DELAY, sender=deployer)
    with ape.reverts("oracle_router: token has no decimals"):
        router.propose_feed(not_a_token, feed, HEARTBEAT, MIN, MAX, sender=governance)


# --- execute_feed -----------------------------------------------------------------------------------------------------


@pytest.fixture
def proposed(router, token, feed, governance):
    """`router` with (token, feed, HEARTBEAT, MIN, MAX) proposed; returns its eta."""
    tx = router.propose_feed(token, feed, HEARTBEAT, MIN, MAX, sender=governance)
    return tx.timestamp + DELAY


@pytest.mark.parametrize("token_decimals", [0, 6, 18, 24])
def test_execute_feed__after_delay__stores_config_with_decimals_and_emits(
    router, create_token, create_feed, governance, warp, token_decimals
):
    token = create_token(token_decimals)
    feed = create_feed(18, 10**18)
    router.propose_feed(token, feed, HEARTBEAT, MIN, MAX, sender=governance)
    warp(router.eta(feed_id(token, feed, HEARTBEAT, MIN, MAX)))
    tx = router.execute_feed(token, feed, HEARTBEAT, MIN, MAX, sender=governance)
    assert router.feed_config(token) == (feed.address, HEARTBEAT, MIN, MAX, token_decimals, 18)
    assert router.queued_count() == 0
    [executed] = tx.events.filter(router.ChangeExecuted)
    assert executed.event_arguments == {"id": feed_id(token, feed, HEARTBEAT, MIN, MAX), "action": "set_feed"}
    [event] = tx.events.filter(router.FeedSet)
    assert event.event_arguments == {
        "token": token.address,
        "feed": feed.address,
        "heartbeat": HEARTBEAT,
        "min_price": MIN,
        "max_price": MAX,
        "token_decimals": token_decimals,
        "feed_decimals": 18,
    }


def test_execute_feed__before_eta__reverts(router, proposed, token, feed, governance, warp):
    warp(proposed - 1)
    with ape.reverts("timelock: too early"):
        router.execute_feed(token, feed, HEARTBEAT, MIN, MAX, sender=governance)


def test_execute_feed__after_grace_period__reverts(router, proposed, token, feed, governance, warp):
    warp(proposed + GRACE_PERIOD + 1)
    with ape.reverts("timelock: expired"):
        router.execute_feed(token, feed, HEARTBEAT, MIN, MAX, sender=governance)


def test_execute_feed__arguments_differ_from_proposal__reverts(router, proposed, token, feed, governance, warp):
    warp(proposed)
    with ape.reverts("timelock: not queued"):
        router.execute_feed(token, feed, HEARTBEAT, MIN, MAX + 1, sender=governance)


def test_execute_feed__by_other__reverts(router, proposed, token, feed, alice, warp):
    warp(proposed)
    with ape.reverts("oracle_router: not governance"):
        router.execute_feed(token, feed, HEARTBEAT, MIN, MAX, sender=alice)


def test_feed_config__no_feed__all_zero(router, token):
    assert router.feed_config(token) == (ZERO, 0, 0, 0, 0, 0)


def test_propose_feed__replace_feed_and_widen_band__applies_only_after_delay(
    priced, token, create_feed, governance, warp
):
    new_feed = create_feed(18, 2_000 * 10**18)
    tx = priced.propose_feed(token, new_feed, 2 * HEARTBEAT, 0, MAX_PRICE, sender=governance)
    assert priced.feed_config(token).feed != new_feed.address  # still the old one during the delay
    warp(tx.timestamp + DELAY)
    priced.execute_feed(token, new_feed, 2 * HEARTBEAT, 0, MAX_PRICE, sender=governance)
    assert priced.feed_config(token) == (new_feed.address, 2 * HEARTBEAT, 0, MAX_PRICE, 18, 18)


# --- cancel -----------------------------------------------------------------------------------------------------------


def test_cancel__queued_feed__clears_and_emits(router, proposed, token, feed, governance, warp):
    change_id = feed_id(token, feed, HEARTBEAT, MIN, MAX)
    tx = router.cancel(change_id, sender=governance)
    assert router.eta(change_id) == 0
    assert router.queued_count() == 0
    [event] = tx.events.filter(router.ChangeCancelled)
    assert event.event_arguments == {"id": change_id}
    warp(proposed)
    with ape.reverts("timelock: not queued"):
        router.execute_feed(token, feed, HEARTBEAT, MIN, MAX, sender=governance)


def test_cancel__by_other__reverts(router, proposed, token, feed, guardian):
    with ape.reverts("oracle_router: not governance"):
        router.cancel(feed_id(token, feed, HEARTBEAT, MIN, MAX), sender=guardian)


def test_cancel__not_queued__reverts(router, token, feed, governance):
    with ape.reverts("timelock: not queued"):
        router.cancel(feed_id(token, feed, HEARTBEAT, MIN, MAX), sender=governance)


def test_discard_expired__expired_proposal_by_anyone__lowers_queued_count(router, proposed, token, feed, bob, warp):
    warp(proposed + GRACE_PERIOD + 1)
    router.discard_expired(feed_id(token, feed, HEARTBEAT, MIN, MAX), sender=bob)
    assert router.queued_count() == 0


def test_discard_expired__live_proposal__reverts(router, proposed, token, feed, bob):
    with ape.reverts("timelock: not expired"):
        router.discard_expired(feed_id(token, feed, HEARTBEAT, MIN, MAX), sender=bob)


def test_change_id__feed_change__matches_off_chain_id(router, token, feed):
    payload = encode(
        ["address", "address", "uint256", "uint256", "uint256"], [token.address, feed.address, HEARTBEAT, MIN, MAX]
    )
    assert router.change_id("set_feed", payload) == feed_id(token, feed, HEARTBEAT, MIN, MAX)


# --- remove_feed ------------------------------------------------------------------------------------------------------


def test_remove_feed__set_feed__clears_at_once_and_emits(priced, token, feed, governance):
    tx = priced.remove_feed(token, sender=governance)
    assert priced.feed_config(token) == (ZERO, 0, 0, 0, 0, 0)
    [event] = tx.events.filter(priced.FeedRemoved)
    assert event.event_arguments == {"token": token.address, "feed": feed.address}
    with ape.reverts("oracle_router: no feed"):
        priced.price(token)


def test_remove_feed__by_other__reverts(priced, token, alice):
    with ape.reverts("oracle_router: not governance"):
        priced.remove_feed(token, sender=alice)


def test_remove_feed__no_feed__reverts(router, token, governance):
    with ape.reverts("oracle_router: no feed"):
        router.remove_feed(token, sender=governance)


# --- tighten_band -----------------------------------------------------------------------------------------------------


@pytest.fixture
def banded(router, token, feed, set_feed):
    """`router` with `token` priced by `feed` ($2,000) in the band [MIN, MAX] = [$1,000, $3,000]."""
    set_feed(router, token, feed, HEARTBEAT, MIN, MAX)
    return router


@pytest.mark.parametrize(
    "new_min, new_max", [(MIN, MAX), (MIN + 1, MAX), (MIN, MAX - 1), (2_000 * 10**18, 2_000 * 10**18)]
)
def test_tighten_band__within_current_band__applies_at_once_and_emits(banded, token, governance, new_min, new_max):
    tx = banded.tighten_band(token, new_min, new_max, sender=governance)
    config = banded.feed_config(token)
    assert (config.min_price, config.max_price) == (new_min, new_max)
    assert banded.queued_count() == 0
    [event] = tx.events.filter(banded.BandTightened)
    assert event.event_arguments == {"token": token.address, "min_price": new_min, "max_price": new_max}
    assert banded.price(token) == 2_000 * 10**18


@pytest.mark.parametrize("new_min, new_max", [(MIN - 1, MAX), (MIN, MAX + 1), (MIN - 1, MAX + 1)])
def test_tighten_band__outside_current_band__reverts(banded, token, governance, new_min, new_max):
    with ape.reverts("oracle_router: band not tighter"):
        banded.tighten_band(token, new_min, new_max, sender=governance)


def test_tighten_band__min_above_max__reverts(banded, token, governance):
    with ape.reverts("oracle_router: min price above max price"):
        banded.tighten_band(token, MIN + 2, MIN + 1, sender=governance)


def test_tighten_band__by_other__reverts(banded, token, alice):
    with ape.reverts("oracle_router: not governance"):
        banded.tighten_band(token, MIN, MAX, sender=alice)


def test_tighten_band__no_feed__reverts(router, token, governance):
    with ape.reverts("oracle_router: no feed"):
        router.tighten_band(token, MIN, MAX, sender=governance)


# --- propose_sequencer / execute_sequencer ----------------------------------------------------------------------------


def test_propose_sequencer__valid__queues_with_payload(router, sequencer, governance):
    tx = router.propose_sequencer(sequencer, SEQUENCER_GRACE, sender=governance)
    [event] = tx.events.filter(router.ChangeQueued)
    assert event.action == "set_sequencer"
    assert event.payload == encode(["address", "uint256"], [sequencer.address, SEQUENCER_GRACE])
    assert router.eta(sequencer_id(sequencer, SEQUENCER_GRACE)) == tx.timestamp + DELAY
    assert router.sequencer_feed() == ZERO


def test_propose_sequencer__by_other__reverts(router, sequencer, alice):
    with ape.reverts("oracle_router: not governance"):
        router.propose_sequencer(sequencer, SEQUENCER_GRACE, sender=alice)


def test_propose_sequencer__not_a_contract__reverts(router, governance, alice):
    with ape.reverts("oracle_router: sequencer feed is not a contract"):
        router.propose_sequencer(alice, SEQUENCER_GRACE, sender=governance)


def test_propose_sequencer__zero_grace__reverts(router, sequencer, governance):
    with ape.reverts("oracle_router: zero grace period"):
        router.propose_sequencer(sequencer, 0, sender=governance)


def test_propose_sequencer__grace_above_maximum__reverts(router, sequencer, governance):
    with ape.reverts("oracle_router: grace period above maximum"):
        router.propose_sequencer(sequencer, MAX_SEQUENCER_GRACE + 1, sender=governance)


def test_execute_sequencer__after_delay__sets_and_emits(router, sequencer, governance, warp):
    tx = router.propose_sequencer(sequencer, SEQUENCER_GRACE, sender=governance)
    warp(tx.timestamp + DELAY)
    tx = router.execute_sequencer(sequencer, SEQUENCER_GRACE, sender=governance)
    assert (router.sequencer_feed(), router.sequencer_grace_period()) == (sequencer.address, SEQUENCER_GRACE)
    [event] = tx.events.filter(router.SequencerSet)
    assert event.event_arguments == {"sequencer_feed": sequencer.address, "grace_period": SEQUENCER_GRACE}


def test_execute_sequencer__before_eta__reverts(router, sequencer, governance, warp):
    tx = router.propose_sequencer(sequencer, SEQUENCER_GRACE, sender=governance)
    warp(tx.timestamp + DELAY - 1)
    with ape.reverts("timelock: too early"):
        router.execute_sequencer(sequencer, SEQUENCER_GRACE, sender=governance)


def test_execute_sequencer__by_other__reverts(router, sequencer, governance, alice, warp):
    tx = router.propose_sequencer(sequencer, SEQUENCER_GRACE, sender=governance)
    warp(tx.timestamp + DELAY)
    with ape.reverts("oracle_router: not governance"):
        router.execute_sequencer(sequencer, SEQUENCER_GRACE, sender=alice)


def test_execute_sequencer__zero_address__removes_check_after_delay(create_router, sequencer, governance, warp):
    router = create_router(sequencer_feed=sequencer, grace_period=SEQUENCER_GRACE)
    tx = router.propose_sequencer(ZERO, 0, sender=governance)
    warp(tx.timestamp + DELAY)
    router.execute_sequencer(ZERO, 0, sender=governance)
    assert (router.sequencer_feed(), router.sequencer_grace_period()) == (ZERO, 0)


def test_queued_count__feed_and_sequencer_proposals__counts_both_kinds(router, token, feed, sequencer, governance):
    router.propose_feed(token, feed, HEARTBEAT, MIN, MAX, sender=governance)
    router.propose_sequencer(sequencer, SEQUENCER_GRACE, sender=governance)
    assert router.queued_count() == 2
    router.cancel(sequencer_id(sequencer, SEQUENCER_GRACE), sender=governance)
    assert router.queued_count() == 1
