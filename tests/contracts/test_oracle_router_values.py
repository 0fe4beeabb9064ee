"""OracleRouter.values: the batch of `value(token, amount)` the policy prices NAV and trades with; every check of a
single `value` applies to each entry, plus the length check and the sequencer check once per call."""

import ape
import pytest
from fixtures.oracles import HEARTBEAT, MAX_PRICE, MIN_PRICE

ONE = 10**18
DAY = 86_400

# (token decimals, feed decimals, answer): USDC-, WETH-, WBTC-like and a 24-decimal token priced by an 18-decimal feed.
BOOK = [
    (6, 8, 100_000_000),  # $1
    (18, 8, 2_000 * 10**8),  # $2,000
    (8, 8, 50_000 * 10**8),  # $50,000
    (24, 18, 123_456_789 * 10**13),  # $1,234.56789
]


def reference_value(amount: int, answer: int, feed_decimals: int, token_decimals: int) -> int:
    """amount * (answer scaled to 18 decimals) / 10**token_decimals, rounded down."""
    return amount * answer * 10 ** (18 - feed_decimals) // 10**token_decimals


@pytest.fixture(scope="module")
def book(create_router, create_token, create_feed, governance, chain):
    """A router pricing one token per BOOK entry (1-hour heartbeat).

    Returns (router, [(token, feed, token decimals, feed decimals, answer)])."""
    router = create_router()
    entries = [(create_token(td, f"T{td}"), create_feed(fd, answer), td, fd, answer) for td, fd, answer in BOOK]
    for token, feed, *_ in entries:
        router.propose_feed(token, feed, HEARTBEAT, MIN_PRICE, MAX_PRICE, sender=governance)
    chain.pending_timestamp += router.delay()
    for token, feed, *_ in entries:
        router.execute_feed(token, feed, HEARTBEAT, MIN_PRICE, MAX_PRICE, sender=governance)
    return router, entries


def refresh(entries, sender):
    """Publish every entry's answer again as a fresh round."""
    for _, feed, _, _, answer in entries:
        feed.set_answer(answer, sender=sender)


def test_values__several_tokens_and_decimals__each_equals_value_and_reference(book, alice):
    router, entries = book
    refresh(entries, alice)
    tokens = [e[0] for e in entries]
    amounts = [1_234_567, 3 * ONE // 2, 12_345_678, 7 * 10**23 + 1]
    expected = [reference_value(a, answer, fd, td) for a, (_, _, td, fd, answer) in zip(amounts, entries)]
    assert expected == [1_234_567 * 10**12, 3_000 * ONE, 6_172_839 * 10**15, 864_197_523 * 10**12]
    assert router.values(tokens, amounts) == expected
    assert [router.value(t, a) for t, a in zip(tokens, amounts)] == expected


def test_values__reversed_and_repeated_tokens__follow_the_input_order(book, alice):
    router, entries = book
    refresh(entries, alice)
    usdc, weth = entries[0][0], entries[1][0]
    assert router.values([weth, usdc, weth], [ONE, 10**6, 2 * ONE]) == [2_000 * ONE, ONE, 4_000 * ONE]


def test_values__zero_and_dust_amounts__round_down(book, alice):
    router, entries = book
    refresh(entries, alice)
    tokens = [e[0] for e in entries]
    # 1 wei of the 24-decimal token is worth 1.23e-21 USD: below 1e-18, so 0.
    assert router.values(tokens, [0, 1, 1, 1]) == [0, 2_000, 5 * 10**14, 0]


def test_values__empty_arrays__returns_empty(book):
    router, _ = book
    assert router.values([], []) == []


@pytest.mark.parametrize("token_count, amount_count", [(2, 1), (1, 2), (0, 1), (1, 0)])
def test_values__length_mismatch__reverts(book, alice, token_count, amount_count):
    router, entries = book
    refresh(entries, alice)
    with ape.reverts("oracle_router: length mismatch"):
        router.values([e[0] for e in entries[:token_count]], [ONE] * amount_count)


def test_values__one_stale_feed_among_them__reverts(book, alice, chain):
    router, entries = book
    refresh(entries, alice)
    stale_feed = entries[2][1]
    chain.pending_timestamp = stale_feed.latestRoundData()[3] + HEARTBEAT + 1
    refresh(entries[:2] + entries[3:], alice)  # every other feed fresh at that time
    tokens = [e[0] for e in entries]
    with ape.reverts("oracle_router: stale price"):
        router.values(tokens, [ONE] * 4)
    fresh = [e[0] for e in entries[:2] + entries[3:]]
    assert router.values(fresh, [10**6, ONE, 10**24]) == [ONE, 2_000 * ONE, 1_234_567_890 * 10**12]


def test_values__one_token_without_feed__reverts(book, create_token, alice):
    router, entries = book
    refresh(entries, alice)
    with ape.reverts("oracle_router: no feed"):
        router.values([entries[0][0], create_token(18, "NOFEED")], [ONE, ONE])


def test_values__sequencer_down__reverts_even_when_empty(
    create_router, sequencer, create_token, create_feed, set_feed, alice, chain
):
    router = create_router(sequencer_feed=sequencer, grace_period=3_600)
    token, feed = create_token(18, "L2"), create_feed(8, 2_000 * 10**8)
    set_feed(router, token, feed)
    now = chain.pending_timestamp
    sequencer.set_round(2, 0, now - DAY, now - DAY, 2, sender=alice)
    assert router.values([token], [ONE]) == [2_000 * ONE]
    sequencer.set_round(3, 1, now, now, 3, sender=alice)
    with ape.reverts("oracle_router: sequencer down"):
        router.values([token], [ONE])
    with ape.reverts("oracle_router: sequencer down"):
        router.values([], [])
