"""OracleRouter reads: normalisation to 18-decimal USD, `value` fuzzed against a Python reference, every rejection."""

import ape
import pytest
from fixtures.oracles import HEARTBEAT, MAX_PRICE, SEQUENCER_GRACE
from hypothesis import example, given
from hypothesis import strategies as st

MAX_UINT256 = 2**256 - 1
FEED_DECIMALS = (8, 18)
TOKEN_DECIMALS = (0, 6, 18, 24)
PAIRS = [(f, t) for f in FEED_DECIMALS for t in TOKEN_DECIMALS]


def reference_price(answer: int, feed_decimals: int) -> int:
    """USD per whole token with 18 decimals: the feed's answer scaled up from its own decimals."""
    return answer * 10 ** (18 - feed_decimals)


def reference_value(amount: int, answer: int, feed_decimals: int, token_decimals: int) -> int:
    """USD (18 decimals) of `amount` smallest units: amount * price / 10**token_decimals, rounded down."""
    return amount * reference_price(answer, feed_decimals) // 10**token_decimals


def answer_1234_56789(feed_decimals: int) -> int:
    """A feed answer of $1,234.56789 in `feed_decimals` (8 or 18)."""
    return 123_456_789 * 10 ** (feed_decimals - 5)


# --- fixtures ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix(create_router, create_token, create_feed, governance, chain):
    """One router pricing a token of every decimals (0, 6, 18, 24) through feeds of 8 and 18 decimals.

    Module-scoped so the Hypothesis test below reuses it; returns (router, {(feed_dec, token_dec): (token, feed)}).
    """
    router = create_router()
    pairs = {(f, t): (create_token(t, f"T{f}x{t}"), create_feed(f, answer_1234_56789(f))) for f, t in PAIRS}
    for token, feed in pairs.values():
        router.propose_feed(token, feed, HEARTBEAT, 1, MAX_PRICE, sender=governance)
    chain.pending_timestamp += router.delay()
    for token, feed in pairs.values():
        router.execute_feed(token, feed, HEARTBEAT, 1, MAX_PRICE, sender=governance)
    return router, pairs


def _fresh(feed, answer, sender):
    """Publish `answer` as a fresh round; returns its timestamp."""
    return feed.set_answer(answer, sender=sender).timestamp


# --- normalisation ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("feed_decimals, token_decimals", PAIRS)
def test_price__feed_and_token_decimals__matches_reference(matrix, governance, feed_decimals, token_decimals):
    router, pairs = matrix
    token, feed = pairs[(feed_decimals, token_decimals)]
    answer = answer_1234_56789(feed_decimals)
    _fresh(feed, answer, governance)
    assert router.price(token) == reference_price(answer, feed_decimals) == 1_234_567_890 * 10**12
    whole = 10**token_decimals
    assert router.value(token, whole) == router.price(token)
    assert router.value(token, 3 * whole // 2) == reference_value(3 * whole // 2, answer, feed_decimals, token_decimals)
    assert router.value(token, 1) == reference_value(1, answer, feed_decimals, token_decimals)


def test_value__usdc_at_one_dollar__known_amounts(matrix, governance):
    router, pairs = matrix
    usdc, feed = pairs[(8, 6)]
    _fresh(feed, 10**8, governance)
    assert router.price(usdc) == 10**18
    assert router.value(usdc, 1_000_000) == 10**18
    assert router.value(usdc, 1) == 10**12
    assert router.value(usdc, 0) == 0


def test_value__24_decimal_token_dust__rounds_down_to_zero(matrix, governance):
    router, pairs = matrix
    token, feed = pairs[(8, 24)]
    _fresh(feed, 5 * 10**7, governance)  # $0.50: one smallest unit is worth 5e-25 USD, far below 1e-18
    assert router.value(token, 1) == 0
    assert router.value(token, 2 * 10**6) == 1  # exactly 1e-18 USD


@given(
    pair=st.sampled_from(PAIRS),
    answer_fraction=st.integers(min_value=1, max_value=2**128 - 1),
    amount=st.integers(min_value=0, max_value=MAX_UINT256),
)
@example(pair=(8, 6), answer_fraction=10**8, amount=0)
@example(pair=(8, 6), answer_fraction=10**8, amount=1)
@example(pair=(8, 0), answer_fraction=10**8, amount=MAX_UINT256)  # overflows: must revert, not wrap
@example(pair=(18, 24), answer_fraction=1, amount=MAX_UINT256)  # the largest amount that still fits
@example(pair=(18, 24), answer_fraction=2**128 - 1, amount=MAX_UINT256)
@example(pair=(8, 18), answer_fraction=2**128 - 1, amount=1)  # the largest 8-decimal answer inside the widest band
def test_value__fuzzed_amount_and_answer__matches_reference_or_reverts_on_overflow(
    matrix, governance, pair, answer_fraction, amount
):
    router, pairs = matrix
    feed_decimals, token_decimals = pair
    token, feed = pairs[pair]
    # Any answer whose 18-decimal price fits the widest band (price < 2**128).
    answer = max(1, answer_fraction // 10 ** (18 - feed_decimals))
    _fresh(feed, answer, governance)
    expected = reference_value(amount, answer, feed_decimals, token_decimals)
    if expected > MAX_UINT256:
        with ape.reverts("math: mul_div overflow"):
            router.value(token, amount)
    else:
        assert router.value(token, amount) == expected


# --- prices (batch) ---------------------------------------------------------------------------------------------------


def test_prices__several_tokens__each_price_in_order(matrix, governance):
    router, pairs = matrix
    tokens, expected = [], []
    for i, pair in enumerate(PAIRS):
        feed_decimals = pair[0]
        token, feed = pairs[pair]
        answer = (i + 1) * 10**feed_decimals
        _fresh(feed, answer, governance)
        tokens.append(token)
        expected.append(reference_price(answer, feed_decimals))
    assert router.prices(tokens[::-1]) == expected[::-1]
    assert router.prices([]) == []


def test_prices__one_token_without_feed__reverts(matrix, create_token, governance):
    router, pairs = matrix
    token, feed = pairs[(8, 18)]
    _fresh(feed, 10**8, governance)
    with ape.reverts("oracle_router: no feed"):
        router.prices([token, create_token(18)])


# --- rejections -------------------------------------------------------------------------------------------------------


def test_price__token_without_feed__reverts(router, token):
    with ape.reverts("oracle_router: no feed"):
        router.price(token)


def test_value__token_without_feed__reverts(router, token):
    with ape.reverts("oracle_router: no feed"):
        router.value(token, 10**18)


def test_price__at_heartbeat_boundary__accepted(priced, token, feed, at):
    updated_at = feed.latestRoundData()[3]
    at(updated_at + HEARTBEAT)
    assert priced.price(token) == 2_000 * 10**18


def test_price__one_second_past_heartbeat__reverts_stale(priced, token, feed, at):
    updated_at = feed.latestRoundData()[3]
    at(updated_at + HEARTBEAT + 1)
    with ape.reverts("oracle_router: stale price"):
        priced.price(token)


def test_price__positive_answer__accepted(priced, token, feed, alice):
    feed.set_answer(1, sender=alice)
    assert priced.price(token) == 10**10


@pytest.mark.parametrize("answer", [0, -1, -(2**255)])
def test_price__non_positive_answer__reverts(priced, token, feed, alice, answer):
    feed.set_answer(answer, sender=alice)
    with ape.reverts("oracle_router: non-positive answer"):
        priced.price(token)


def test_price__complete_round__accepted(priced, token, feed, alice, chain):
    now = chain.pending_timestamp
    feed.set_round(7, 3_000 * 10**8, now, now, 7, sender=alice)
    assert priced.price(token) == 3_000 * 10**18


def test_price__round_never_updated__reverts_incomplete(priced, token, feed, alice, chain):
    feed.set_round(7, 3_000 * 10**8, chain.pending_timestamp, 0, 7, sender=alice)
    with ape.reverts("oracle_router: incomplete round"):
        priced.price(token)


def test_price__answer_carried_over_from_earlier_round__reverts_incomplete(priced, token, feed, alice, chain):
    now = chain.pending_timestamp
    feed.set_round(7, 3_000 * 10**8, now, now, 6, sender=alice)
    with ape.reverts("oracle_router: incomplete round"):
        priced.price(token)


@pytest.fixture
def banded(router, token, feed, set_feed):
    """`token` priced by an 8-decimal `feed` with the band [$1,000, $3,000]."""
    set_feed(router, token, feed, HEARTBEAT, 1_000 * 10**18, 3_000 * 10**18)
    return router


@pytest.mark.parametrize("dollars", [1_000, 3_000])
def test_price__answer_on_band_edge__accepted(banded, token, feed, alice, dollars):
    feed.set_answer(dollars * 10**8, sender=alice)
    assert banded.price(token) == dollars * 10**18


@pytest.mark.parametrize("answer", [1_000 * 10**8 - 1, 3_000 * 10**8 + 1, 2**128, 2**255 - 1])
def test_price__answer_outside_band__reverts(banded, token, feed, alice, answer):
    feed.set_answer(answer, sender=alice)
    with ape.reverts("oracle_router: answer out of band"):
        banded.price(token)


def test_price__band_tightened_below_answer__reverts_at_once(banded, token, feed, governance):
    banded.tighten_band(token, 1_000 * 10**18, 1_999 * 10**18, sender=governance)
    with ape.reverts("oracle_router: answer out of band"):
        banded.price(token)


def test_price__each_bad_answer_in_turn__reverts_with_its_own_reason(banded, token, feed, alice, at):
    """Scenario: one healthy feed goes stale, zero, negative, out of band, and recovers."""
    assert banded.price(token) == 2_000 * 10**18
    at(feed.latestRoundData()[3] + HEARTBEAT + 1)
    with ape.reverts("oracle_router: stale price"):
        banded.price(token)
    for answer, reason in [
        (0, "oracle_router: non-positive answer"),
        (-2_000 * 10**8, "oracle_router: non-positive answer"),
        (10 * 10**8, "oracle_router: answer out of band"),
        (10_000 * 10**8, "oracle_router: answer out of band"),
    ]:
        feed.set_answer(answer, sender=alice)
        with ape.reverts(reason):
            banded.price(token)
        with ape.reverts(reason):
            banded.value(token, 10**18)
        with ape.reverts(reason):
            banded.prices([token])
    feed.set_answer(2_500 * 10**8, sender=alice)
    assert banded.price(token) == 2_500 * 10**18


# --- L2 sequencer -----------------------------------------------------------------------------------------------------


@pytest.fixture
def on_l2(create_router, sequencer, token, feed, set_feed, alice, chain):
    """A router with a sequencer feed that has been up for a day, pricing `token`; returns the router."""
    router = create_router(sequencer_feed=sequencer, grace_period=SEQUENCER_GRACE)
    set_feed(router, token, feed)
    now = chain.pending_timestamp
    sequencer.set_round(2, 0, now - 86_400, now - 86_400, 2, sender=alice)
    return router


def test_price__sequencer_up_past_grace__accepted(on_l2, token):
    assert on_l2.price(token) == 2_000 * 10**18
    assert on_l2.prices([token]) == [2_000 * 10**18]
    assert on_l2.value(token, 10**18) == 2_000 * 10**18


def test_price__sequencer_down__reverts(on_l2, token, sequencer, alice, chain):
    now = chain.pending_timestamp
    sequencer.set_round(3, 1, now, now, 3, sender=alice)
    with ape.reverts("oracle_router: sequencer down"):
        on_l2.price(token)
    with ape.reverts("oracle_router: sequencer down"):
        on_l2.value(token, 10**18)
    with ape.reverts("oracle_router: sequencer down"):
        on_l2.prices([token])


def test_price__sequencer_back_up_within_grace__reverts(on_l2, token, feed, sequencer, alice, chain, at):
    back_up = chain.pending_timestamp - SEQUENCER_GRACE + 10  # came back up ten seconds before the grace ends
    sequencer.set_round(3, 0, back_up, back_up, 3, sender=alice)
    feed.set_answer(2_000 * 10**8, sender=alice)
    at(back_up + SEQUENCER_GRACE)  # the last second of the grace period
    with ape.reverts("oracle_router: sequencer grace period"):
        on_l2.price(token)
    with ape.reverts("oracle_router: sequencer grace period"):
        on_l2.prices([token])


def test_price__sequencer_back_up_one_second_after_grace__accepted(on_l2, token, feed, sequencer, alice, chain, at):
    back_up = chain.pending_timestamp - SEQUENCER_GRACE + 10
    sequencer.set_round(3, 0, back_up, back_up, 3, sender=alice)
    feed.set_answer(2_000 * 10**8, sender=alice)
    at(back_up + SEQUENCER_GRACE + 1)
    assert on_l2.price(token) == 2_000 * 10**18


def test_price__sequencer_round_invalid__reverts(on_l2, token, sequencer, alice):
    sequencer.set_round(3, 0, 0, 0, 3, sender=alice)
    with ape.reverts("oracle_router: sequencer status unknown"):
        on_l2.price(token)


def test_price__sequencer_status_changed_in_the_future__reverts_grace(on_l2, token, sequencer, alice, chain):
    future = chain.pending_timestamp + 86_400
    sequencer.set_round(3, 0, future, future, 3, sender=alice)
    with ape.reverts("oracle_router: sequencer grace period"):
        on_l2.price(token)
