"""MockAggregator: Chainlink's AggregatorV3Interface, rounds kept for history, failure rounds on demand."""

import json
from pathlib import Path

import ape
import pytest

# Installed by `npm install` (package.json pins @chainlink/contracts 1.2.0, which ships the ABI but no bytecode).
CHAINLINK_ABI = Path(__file__).parents[2] / "node_modules/@chainlink/contracts/abi/v0.8/AggregatorV3Interface.json"


def _signatures(abi) -> dict:
    """name -> (input types, output types, state mutability) of every function in an ABI."""
    return {
        item["name"]: (
            tuple(i["type"] for i in item["inputs"]),
            tuple(o["type"] for o in item["outputs"]),
            item["stateMutability"],
        )
        for item in abi
        if item["type"] == "function"
    }


def test_abi__compared_to_chainlink_aggregator_v3_interface__implements_every_function_exactly(project):
    chainlink = _signatures(json.loads(CHAINLINK_ABI.read_text()))
    mock = _signatures(json.loads(project.MockAggregator.contract_type.model_dump_json(by_alias=True))["abi"])
    assert set(chainlink) == {"decimals", "description", "version", "getRoundData", "latestRoundData"}
    assert {name: mock[name] for name in chainlink} == chainlink
    # Anything else the mock has is for driving it in tests.
    assert set(mock) - set(chainlink) == {"set_answer", "set_round", "latest_round"}


@pytest.mark.parametrize("decimals", [0, 8, 18])
def test___init____decimals_and_answer__round_one_updated_now(create_feed, decimals):
    feed = create_feed(decimals, 123)
    deployed_at = feed.creation_metadata.receipt.timestamp
    assert feed.decimals() == decimals
    assert feed.description() == "MOCK / USD"
    assert feed.version() == 4
    assert feed.latestRoundData() == (1, 123, deployed_at, deployed_at, 1)
    assert feed.getRoundData(1) == (1, 123, deployed_at, deployed_at, 1)


def test_set_answer__twice__starts_new_complete_rounds_and_keeps_history(create_feed, alice):
    feed = create_feed(8, 100)
    first = feed.creation_metadata.receipt.timestamp
    second = feed.set_answer(-5, sender=alice).timestamp
    third = feed.set_answer(300, sender=alice).timestamp
    assert feed.latest_round() == 3
    assert feed.latestRoundData() == (3, 300, third, third, 3)
    assert feed.getRoundData(1) == (1, 100, first, first, 1)
    assert feed.getRoundData(2) == (2, -5, second, second, 2)


def test_set_answer__new_round__emits_answer_updated(create_feed, alice):
    feed = create_feed(8, 100)
    tx = feed.set_answer(7, sender=alice)
    [event] = tx.events.filter(feed.AnswerUpdated)
    assert event.event_arguments == {"current": 7, "round_id": 2, "updated_at": tx.timestamp}


def test_set_round__arbitrary_round__becomes_latest_and_readable(create_feed, alice):
    feed = create_feed(8, 100)
    feed.set_round(10, 55, 1_000, 0, 9, sender=alice)
    assert feed.latestRoundData() == (10, 55, 1_000, 0, 9)
    assert feed.getRoundData(10) == (10, 55, 1_000, 0, 9)
    # set_answer continues from the round set last.
    tx = feed.set_answer(56, sender=alice)
    assert feed.latestRoundData() == (11, 56, tx.timestamp, tx.timestamp, 11)


def test_set_round__zero_round_id__reverts(create_feed, alice):
    feed = create_feed(8, 100)
    with ape.reverts("mock_aggregator: zero round id"):
        feed.set_round(0, 55, 1_000, 1_000, 0, sender=alice)


def test_get_round_data__written_round_with_all_zero_fields__returns_it(create_feed, alice):
    feed = create_feed(8, 100)
    feed.set_round(5, 0, 0, 0, 0, sender=alice)
    assert feed.getRoundData(5) == (5, 0, 0, 0, 0)


def test_get_round_data__round_never_written__reverts(create_feed):
    feed = create_feed(8, 100)
    with ape.reverts("mock_aggregator: no data present"):
        feed.getRoundData(2)
