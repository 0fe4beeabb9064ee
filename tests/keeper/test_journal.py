"""keeper.journal.Journal: intents with their sends written atomically, ordering, keys, statuses, breakers, prices,
the failure streak, a restart from the same file, and a failed write that leaves nothing behind."""

import sqlite3

import pytest

from keeper.journal import GLOBAL, Journal, Send

VAULT_A = "0x" + "aa" * 20
VAULT_B = "0x" + "bb" * 20
WETH = "0x" + "11" * 20
WBTC = "0x" + "22" * 20
GWEI = 10**9
ORACLE = "0x" + "0c" * 20
OTHER_ORACLE = "0x" + "0d" * 20


def send(tx_hash: str, intent_id: int = 0, max_fee: int = 20 * GWEI, priority_fee: int = GWEI, block: int = 100,
         cancel: bool = False) -> Send:  # fmt: skip
    return Send(tx_hash, intent_id, f"0x02{tx_hash[2:]}", max_fee, priority_fee, block, cancel)


def record(journal: Journal, key: str, nonce: int, tx_hash: str | None = None, vault: str = VAULT_A,
           kind: str = "rebalance", value_in: int = 0, block: int = 100):  # fmt: skip
    return journal.record_intent(
        key=key, vault=vault, kind=kind, to_address=vault, calldata="0xabcd", nonce=nonce, gas_limit=300_000,
        value_in=value_in, block=block, send=send(tx_hash or f"0x{nonce:064x}"),
    )  # fmt: skip


@pytest.fixture
def journal():
    j = Journal(":memory:")
    yield j
    j.close()


# --- record_intent, record_send, sends ------------------------------------------------------------------------------


def test_record_intent__new_intent__stored_pending_with_its_first_send(journal):
    intent = record(journal, "rebalance:a", nonce=7, tx_hash="0x" + "01" * 32, value_in=3 * 10**30, block=123)

    assert journal.intent(intent.id) == intent
    assert (intent.key, intent.vault, intent.kind, intent.nonce, intent.gas_limit) == (
        "rebalance:a", VAULT_A, "rebalance", 7, 300_000)  # fmt: skip
    assert (intent.status, intent.created_block, intent.value_in) == ("pending", 123, 3 * 10**30)
    assert (intent.mined_block, intent.mined_hash, intent.gas_used, intent.gas_cost, intent.reason) == (None,) * 5
    (first,) = journal.sends(intent.id)
    assert first == send("0x" + "01" * 32, intent_id=intent.id)  # the send's own intent_id is replaced by the row id


def test_record_intent__same_bytes_as_a_rejected_intent__both_keep_their_send(journal):
    rejected = record(journal, "rebalance:a", nonce=0, tx_hash="0x" + "01" * 32)
    journal.set_status(rejected.id, "rejected", reason="insufficient funds")

    again = record(journal, "rebalance:a", nonce=0, tx_hash="0x" + "01" * 32)

    assert journal.sends(rejected.id) == [send("0x" + "01" * 32, intent_id=rejected.id)]
    assert journal.sends(again.id) == [send("0x" + "01" * 32, intent_id=again.id)]
    assert journal.live() == [again]


def test_record_intent__send_write_fails__no_intent_row(journal):
    kept = record(journal, "rebalance:a", nonce=0, tx_hash="0x" + "01" * 32)
    broken = Send(None, 0, "0xraw", 1, 1, 100, False)  # tx_hash NOT NULL: the second insert of the pair fails

    with pytest.raises(sqlite3.IntegrityError, match=r"^NOT NULL constraint failed: sends\.tx_hash$"):
        journal.record_intent(
            key="rebalance:b", vault=VAULT_A, kind="rebalance", to_address=VAULT_A, calldata="0x", nonce=1,
            gas_limit=1, value_in=0, block=100, send=broken,
        )  # fmt: skip

    assert journal.intents() == [kept]
    assert not journal.has_key("rebalance:b")


def test_record_send__replacements__listed_after_the_first_send_in_order(journal):
    intent = record(journal, "rebalance:a", nonce=0, tx_hash="0x" + "01" * 32)
    bumped = send("0x" + "02" * 32, intent.id, max_fee=23 * GWEI, block=103)
    cancel = send("0x" + "03" * 32, intent.id, max_fee=26 * GWEI, block=106, cancel=True)

    journal.record_send(bumped)
    journal.record_send(cancel)

    assert [s.tx_hash for s in journal.sends(intent.id)] == ["0x" + "01" * 32, "0x" + "02" * 32, "0x" + "03" * 32]
    assert journal.sends(intent.id)[1:] == [bumped, cancel]
    assert [s.cancel for s in journal.sends(intent.id)] == [False, False, True]


def test_record_send__hash_already_journaled__integrity_error_and_sends_unchanged(journal):
    intent = record(journal, "rebalance:a", nonce=0, tx_hash="0x" + "01" * 32)

    with pytest.raises(sqlite3.IntegrityError, match=r"^UNIQUE constraint failed: sends\.tx_hash, sends\.intent_id$"):
        journal.record_send(send("0x" + "01" * 32, intent.id, max_fee=99 * GWEI))

    assert journal.sends(intent.id) == [send("0x" + "01" * 32, intent_id=intent.id)]


# --- intents, live --------------------------------------------------------------------------------------------------


def test_intents__recorded_out_of_nonce_order__oldest_nonce_first(journal):
    for nonce in (5, 2, 9, 0):
        record(journal, f"k{nonce}", nonce=nonce)

    assert [i.nonce for i in journal.intents()] == [0, 2, 5, 9]


def test_intents__statuses_given__only_those_statuses_by_nonce(journal):
    ids = {nonce: record(journal, f"k{nonce}", nonce=nonce).id for nonce in (3, 1, 2, 0)}
    journal.set_status(ids[0], "final")
    journal.set_status(ids[2], "failed")
    journal.set_status(ids[3], "final")

    assert [i.nonce for i in journal.intents("final")] == [0, 3]
    assert [i.nonce for i in journal.intents("final", "failed")] == [0, 2, 3]
    assert [i.nonce for i in journal.intents("dropped")] == []


def test_live__pending_and_mined__listed_by_nonce_others_not(journal):
    statuses = ["mined", "final", "pending", "failed", "cancelled", "dropped", "rejected", "pending"]
    for nonce, status in enumerate(statuses):
        journal.set_status(record(journal, f"k{nonce}", nonce=nonce).id, status)

    assert [(i.nonce, i.status) for i in journal.live()] == [(0, "mined"), (2, "pending"), (7, "pending")]


# --- has_key --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "mined", "final"])
def test_has_key__intent_live_or_landed__true(journal, status):
    journal.set_status(record(journal, "rebalance:a", nonce=0).id, status)

    assert journal.has_key("rebalance:a")


@pytest.mark.parametrize("status", ["failed", "cancelled", "dropped", "rejected"])
def test_has_key__intent_failed_or_gone__false(journal, status):
    journal.set_status(record(journal, "rebalance:a", nonce=0).id, status)

    assert not journal.has_key("rebalance:a")


def test_has_key__never_recorded__false(journal):
    record(journal, "rebalance:a", nonce=0)

    assert not journal.has_key("rebalance:b")


# --- set_status -----------------------------------------------------------------------------------------------------


def test_set_status__with_fields__updates_status_and_fields(journal):
    intent = record(journal, "rebalance:a", nonce=0)

    journal.set_status(intent.id, "mined", mined_block=105, mined_hash="0x" + "ee" * 32, gas_used=123_456,
                       gas_cost=str(2**70), reason="cancel")  # fmt: skip

    mined = journal.intent(intent.id)
    assert (mined.status, mined.mined_block, mined.mined_hash) == ("mined", 105, "0x" + "ee" * 32)
    assert (mined.gas_used, int(mined.gas_cost), mined.reason) == (123_456, 2**70, "cancel")


def test_set_status__without_fields__other_columns_untouched(journal):
    intent = record(journal, "rebalance:a", nonce=0)
    journal.set_status(intent.id, "mined", mined_block=105, reason="x")

    journal.set_status(intent.id, "final")

    final = journal.intent(intent.id)
    assert (final.status, final.mined_block, final.reason) == ("final", 105, "x")


def test_set_status__unknown_column__operational_error_and_status_unchanged(journal):
    intent = record(journal, "rebalance:a", nonce=0)

    with pytest.raises(sqlite3.OperationalError, match=r"^no such column: colour$"):
        journal.set_status(intent.id, "final", colour="red")

    assert journal.intent(intent.id).status == "pending"


# --- max_live_nonce, last_trade -------------------------------------------------------------------------------------


def test_max_live_nonce__live_intents__highest_live_nonce(journal):
    for nonce in (3, 4):
        record(journal, f"k{nonce}", nonce=nonce)
    journal.set_status(record(journal, "k5", nonce=5).id, "rejected")
    journal.set_status(record(journal, "k1", nonce=1).id, "mined")

    assert journal.max_live_nonce() == 4


def test_max_live_nonce__nothing_live__none(journal):
    journal.set_status(record(journal, "k5", nonce=5).id, "final")

    assert journal.max_live_nonce() is None


def test_last_trade__several_rebalances__latest_recorded_for_that_vault(journal):
    record(journal, "a1", nonce=0, vault=VAULT_A)
    latest = record(journal, "a2", nonce=1, vault=VAULT_A)
    record(journal, "b1", nonce=2, vault=VAULT_B)
    record(journal, "filler:3", nonce=3, vault=VAULT_A, kind="filler")

    assert journal.last_trade(VAULT_A) == latest


def test_last_trade__vault_never_traded__none(journal):
    record(journal, "a1", nonce=0, vault=VAULT_A)
    record(journal, "filler:1", nonce=1, vault=VAULT_B, kind="filler")

    assert journal.last_trade(VAULT_B) is None


# --- breakers -------------------------------------------------------------------------------------------------------


def test_trip__tripped_twice__first_reason_stays(journal):
    journal.trip(VAULT_A, "oracle price of WETH moved +5000 bps", 100)
    journal.trip(VAULT_A, "a later reason", 101)
    journal.trip(GLOBAL, "3 failures in a row", 102)

    assert journal.breakers() == {VAULT_A: "oracle price of WETH moved +5000 bps", GLOBAL: "3 failures in a row"}


def test_breakers__never_tripped__empty(journal):
    assert journal.breakers() == {}


def test_reset__one_scope__clears_that_breaker_prices_and_streak_returns_one(journal):
    journal.trip(VAULT_A, "a", 100)
    journal.trip(VAULT_B, "b", 100)
    journal.record_prices(ORACLE, {WETH: 2_000 * 10**18}, 100)
    journal.count_failure()

    assert journal.reset(VAULT_A) == 1

    assert journal.breakers() == {VAULT_B: "b"}
    assert journal.last_prices() == {}
    assert journal.failures() == 0


def test_reset__scope_not_tripped__returns_zero_and_still_forgets_prices_and_streak(journal):
    journal.trip(VAULT_B, "b", 100)
    journal.record_prices(ORACLE, {WETH: 2_000 * 10**18}, 100)
    journal.count_failure()

    assert journal.reset(VAULT_A) == 0

    assert journal.breakers() == {VAULT_B: "b"}
    assert journal.last_prices() == {}
    assert journal.failures() == 0


def test_reset__all__clears_every_breaker_and_returns_count(journal):
    journal.trip(VAULT_A, "a", 100)
    journal.trip(VAULT_B, "b", 100)
    journal.trip(GLOBAL, "g", 100)
    journal.record_prices(ORACLE, {WETH: 1}, 100)
    journal.count_failure()
    journal.count_failure()

    assert journal.reset() == 3

    assert (journal.breakers(), journal.last_prices(), journal.failures()) == ({}, {}, 0)


def test_reset__nothing_tripped__returns_zero(journal):
    assert journal.reset() == 0


# --- prices ---------------------------------------------------------------------------------------------------------


def test_record_prices__values_past_64_bits__round_trip_exactly(journal):
    prices = {WETH: 2**64 + 1, WBTC: 2**255 - 19}

    journal.record_prices(ORACLE, prices, 100)

    assert journal.last_prices() == {(ORACLE, token): price for token, price in prices.items()}


def test_record_prices__token_seen_again__latest_price_replaces_it(journal):
    journal.record_prices(ORACLE, {WETH: 2_000, WBTC: 50_000}, 100)

    journal.record_prices(ORACLE, {WETH: 2_100}, 101)

    assert journal.last_prices() == {(ORACLE, WETH): 2_100, (ORACLE, WBTC): 50_000}


def test_record_prices__same_token_from_two_oracles__each_oracle_keeps_its_own_price(journal):
    journal.record_prices(ORACLE, {WETH: 2_000}, 100)

    journal.record_prices(OTHER_ORACLE, {WETH: 3_000}, 101)

    assert journal.last_prices() == {(ORACLE, WETH): 2_000, (OTHER_ORACLE, WETH): 3_000}


def test_last_prices__never_recorded__empty(journal):
    assert journal.last_prices() == {}


# --- failure streak -------------------------------------------------------------------------------------------------


def test_count_failure__consecutive_failures__returns_growing_streak(journal):
    assert [journal.count_failure() for _ in range(3)] == [1, 2, 3]
    assert journal.failures() == 3


def test_clear_failures__after_a_streak__back_to_zero_and_counts_from_one(journal):
    journal.count_failure()
    journal.count_failure()

    journal.clear_failures()

    assert journal.failures() == 0
    assert journal.count_failure() == 1


def test_count_failure__a_vault_and_the_keeper__separate_streaks(journal):
    journal.count_failure(VAULT_A)
    journal.count_failure(VAULT_A)
    journal.count_failure()

    assert (journal.failures(VAULT_A), journal.failures(VAULT_B), journal.failures()) == (2, 0, 1)


def test_clear_failures__one_vault__other_streaks_kept(journal):
    journal.count_failure(VAULT_A)
    journal.count_failure(VAULT_B)
    journal.count_failure()

    journal.clear_failures(VAULT_A)

    assert (journal.failures(VAULT_A), journal.failures(VAULT_B), journal.failures()) == (0, 1, 1)


def test_reset__one_vault__clears_its_streak_and_the_keepers_not_other_vaults(journal):
    journal.count_failure(VAULT_A)
    journal.count_failure(VAULT_B)
    journal.count_failure()

    journal.reset(VAULT_A)

    assert (journal.failures(VAULT_A), journal.failures(VAULT_B), journal.failures()) == (0, 1, 0)


def test_reset__all__clears_every_streak(journal):
    journal.count_failure(VAULT_A)
    journal.count_failure()

    journal.reset()

    assert (journal.failures(VAULT_A), journal.failures()) == (0, 0)


# --- a file, reopened -----------------------------------------------------------------------------------------------


def test_journal__file_reopened__everything_kept(tmp_path):
    path = tmp_path / "nested" / "journal.sqlite"
    first = Journal(path)
    intent = record(first, "rebalance:a", nonce=4, value_in=2**80)
    first.record_send(send("0x" + "02" * 32, intent.id, max_fee=23 * GWEI, block=103))
    first.set_status(record(first, "rebalance:b", nonce=5).id, "final")
    first.trip(GLOBAL, "3 failures in a row", 100)
    first.record_prices(ORACLE, {WETH: 2**70}, 100)
    first.count_failure()
    first.close()

    reopened = Journal(path)

    assert [(i.key, i.status, i.value_in) for i in reopened.intents()] == [
        ("rebalance:a", "pending", 2**80), ("rebalance:b", "final", 0)]  # fmt: skip
    assert [s.tx_hash for s in reopened.sends(intent.id)] == [f"0x{4:064x}", "0x" + "02" * 32]
    assert reopened.max_live_nonce() == 4
    assert reopened.has_key("rebalance:b")
    assert reopened.breakers() == {GLOBAL: "3 failures in a row"}
    assert reopened.last_prices() == {(ORACLE, WETH): 2**70}
    assert reopened.failures() == 1
    reopened.close()


def test_journal__failed_write_then_reopened__nothing_half_written(tmp_path):
    path = tmp_path / "journal.sqlite"
    first = Journal(path)
    record(first, "rebalance:a", nonce=0, tx_hash="0x" + "01" * 32)
    with pytest.raises(sqlite3.IntegrityError, match=r"^NOT NULL constraint failed: sends\.tx_hash$"):
        first.record_intent(
            key="rebalance:b", vault=VAULT_A, kind="rebalance", to_address=VAULT_A, calldata="0x", nonce=1,
            gas_limit=1, value_in=0, block=100, send=Send(None, 0, "0xraw", 1, 1, 100, False),
        )  # fmt: skip
    first.close()

    reopened = Journal(path)

    assert [(i.key, i.nonce) for i in reopened.intents()] == [("rebalance:a", 0)]
    assert reopened.max_live_nonce() == 0
    reopened.close()
