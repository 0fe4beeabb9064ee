"""scripts/_governance.py: every timelocked action encoded byte for byte as the real contracts encode it (proposed
and executed on chain), the immediate calls, command-line parsing, the queue listing and the Safe batch file."""

import json
from dataclasses import dataclass

import ape
import pytest
from fixtures.vaults import Rebalancing

from scripts._governance import (
    ACTIONS,
    CALLS,
    GRACE_PERIOD,
    LIMITS_FIELDS,
    Action,
    GovernanceError,
    Queued,
    SafeTx,
    batch_checksum,
    change_id,
    checksum_valid,
    parse_args,
    queued_changes,
    safe_batch,
    tx_builder_calldata,
)

DAY = 86_400
WEEK = 7 * DAY  # the router's longest heartbeat: feeds set up once stay fresh through every delay below
PRICE = 100 * 10**8  # $100, 8-decimal feeds
ZERO = "0x" + "00" * 20
SAFE = "0xDF8a1Ce35c9a6ACE153B4e0767942f1E2291a1Aa"
TARGET = "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6"
BAD_CHECKSUM = TARGET.replace("E0Ea", "e0Ea")  # one letter's case flipped
# Looser than fixtures.vaults.Limits, with the cooldown at the policy's 15-minute floor and the loss budget at its cap.
LOOSER_LIMITS = dict(zip(LIMITS_FIELDS, (200, 3_000, 100, 100, 900, 1_000, DAY, 500)))
TIGHTER_LIMITS = dict(zip(LIMITS_FIELDS, (50, 1_000, 25, 25, 7_200, 250, 14 * DAY, 100)))  # vs. fixtures.vaults.Limits
ID_A = "0x" + "aa" * 32
ID_B = "0x" + "bb" * 32
VAULT_A = "0x" + "11" * 20
VAULT_B = "0x" + "22" * 20


@dataclass(frozen=True)
class World:
    vault: object
    policy: object
    router: object  # prices the vault's three components and the spare token
    second_router: object  # prices the three components: an oracle the policy may switch to
    tokens: list  # three components, then a spare token to add
    feeds: list
    spare_feed: object
    sequencer: object

    def contract(self, kind: str):
        return {"vault": self.vault, "policy": self.policy, "router": self.router}[kind]

    def refresh(self, sender):
        """Publish every feed's price again, so no check meets a stale round whatever the clock says."""
        for feed in self.feeds:
            feed.set_answer(PRICE, sender=sender)


@pytest.fixture(scope="module")
def world(create_token, create_feed, create_router, set_feed, create_vault, policy_of, governance) -> World:
    tokens = [create_token(18, symbol) for symbol in ("GVA", "GVB", "GVC", "GVD")]
    feeds = [create_feed(8, PRICE) for _ in tokens]
    router, second_router = create_router(delay=DAY), create_router(delay=DAY)
    for token, feed in zip(tokens, feeds):
        set_feed(router, token, feed, heartbeat=WEEK)
    for token, feed in zip(tokens[:3], feeds):
        set_feed(second_router, token, feed, heartbeat=WEEK)
    vault = create_vault(tokens[:3], rebalancing=Rebalancing(router, 3))
    return World(
        vault, policy_of(vault), router, second_router, tokens, feeds, create_feed(8, PRICE), create_feed(0, 0)
    )


def case(world: World, name: str) -> tuple[dict, object]:
    """Arguments for each action that the contract accepts, and a check that its effect is in place."""
    token = world.tokens[0].address
    return {
        "set_fees": (
            {"management_fee": 100, "mint_fee": 50, "redeem_fee": 25},
            lambda: world.vault.fees() == (100, 50, 25),
        ),
        "set_bounds": (
            {"token": token, "min_weight": 100, "max_weight": 9_000},
            lambda: [bounds[0] for bounds in world.policy.targets()[1:]] == [100, 9_000],
        ),
        "set_limits": ({"limits": LOOSER_LIMITS}, lambda: world.policy.limits() == tuple(LOOSER_LIMITS.values())),
        # Any contract passes the policy's adapter check.
        "allow_adapter": ({"adapter": world.spare_feed.address}, lambda: world.policy.is_adapter(world.spare_feed)),
        "set_oracle": (
            {"oracle": world.second_router.address},
            lambda: world.policy.oracle() == world.second_router.address,
        ),
        "add_component": (
            {"token": world.tokens[3].address, "max_weight": 5_000},
            lambda: world.vault.basket()[0][-1] == world.tokens[3].address,
        ),
        "set_feed": (
            {"token": token, "feed": world.spare_feed.address, "heartbeat": 3_600, "min_price": 1, "max_price": 10**30},
            lambda: world.router.feed_config(token).feed == world.spare_feed.address,
        ),
        "set_sequencer": (
            {"sequencer_feed": world.sequencer.address, "grace_period": 3_600},
            lambda: world.router.sequencer_feed() == world.sequencer.address,
        ),
    }[name]


def ape_value(abi_input, value):
    """A struct argument as the tuple ape passes, in the order of the compiled ABI's components."""
    if isinstance(value, dict):
        return tuple(value[component.name] for component in abi_input.components)
    return value


def hex32(value) -> str:
    return "0x" + bytes(value).hex()


def raw(sender, contract, calldata: str):
    """Send calldata as it is, the way a Safe would."""
    return sender.transfer(contract, 0, data=calldata)


def abi_params(contract, function: str) -> tuple:
    [abi] = getattr(contract, function).abis
    return tuple((i.name, i.canonical_type) for i in abi.inputs)


# --- ACTIONS and CALLS against the compiled contracts -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["vault", "policy", "router"])
def test_actions__compiled_contract__cover_every_propose_and_execute(world, kind):
    methods = {method.name for method in world.contract(kind).contract_type.mutable_methods}
    actions = [action for action in ACTIONS.values() if action.contract == kind]
    assert {action.propose for action in actions} == {m for m in methods if m.startswith("propose_")}
    assert {action.execute for action in actions} == {m for m in methods if m.startswith("execute_")}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_action_params__compiled_contract__match_names_and_types(world, name):
    action = ACTIONS[name]
    contract = world.contract(action.contract)
    assert abi_params(contract, action.propose) == action.params
    assert abi_params(contract, action.execute) == action.params


@pytest.mark.parametrize("key", list(CALLS))
def test_call_params__compiled_contract__match_names_and_types(world, key):
    call = CALLS[key]
    assert abi_params(world.contract(call.contract), call.function) == call.params


# --- payload and change_id against the contract -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ACTIONS))
def test_payload__proposed_on_chain__equals_change_queued_payload_and_id(world, governance, name):
    action = ACTIONS[name]
    contract = world.contract(action.contract)
    args, _ = case(world, name)
    propose = getattr(contract, action.propose)
    # Positional arguments in the compiled ABI's order: the contract, not `action.params`, decides the order.
    positional = [ape_value(i, args[i.name]) for i in propose.abis[0].inputs]

    tx = propose(*positional, sender=governance)

    [event] = tx.events.filter(contract.ChangeQueued)
    payload = action.payload(args)
    assert event.action == action.name
    assert bytes(event.payload) == payload
    assert hex32(event.id) == change_id(action.name, payload)
    if action.contract != "vault":  # the vault's blueprint has no room for `change_id`; the policy and router export it
        assert hex32(contract.change_id(action.name, payload)) == change_id(action.name, payload)
    assert action.change_id(args) == change_id(action.name, payload)
    assert event.eta == tx.timestamp + contract.delay()
    assert action.decode(bytes(event.payload)) == args


@pytest.mark.parametrize("name", list(ACTIONS))
def test_calldata__propose_then_execute_after_delay__applies_change(chain, world, governance, name):
    action = ACTIONS[name]
    contract = world.contract(action.contract)
    args, applied = case(world, name)
    expected_id = action.change_id(args)

    queued = raw(governance, contract, action.calldata(action.propose, args))
    assert hex32(queued.events.filter(contract.ChangeQueued)[0].id) == expected_id
    chain.pending_timestamp = chain.pending_timestamp + contract.delay()
    world.refresh(governance)
    executed = raw(governance, contract, action.calldata(action.execute, args))

    [event] = executed.events.filter(contract.ChangeExecuted)
    assert hex32(event.id) == expected_id
    assert event.action == action.name
    assert contract.eta(expected_id) == 0
    assert contract.queued_count() == 0
    assert applied()


def test_calldata__execute_with_other_arguments__reverts_not_queued(chain, world, governance):
    action = ACTIONS["set_fees"]
    args = {"management_fee": 100, "mint_fee": 50, "redeem_fee": 25}
    raw(governance, world.vault, action.calldata("propose_fees", args))
    chain.pending_timestamp = chain.pending_timestamp + DAY
    with ape.reverts("timelock: not queued"):
        raw(governance, world.vault, action.calldata("execute_fees", {**args, "redeem_fee": 26}))


def test_calldata__execute_before_delay__reverts_too_early(world, governance):
    action = ACTIONS["set_fees"]
    args = {"management_fee": 100, "mint_fee": 50, "redeem_fee": 25}
    raw(governance, world.vault, action.calldata("propose_fees", args))
    with ape.reverts("timelock: too early"):
        raw(governance, world.vault, action.calldata("execute_fees", args))


def test_calldata__function_of_no_action__raises():
    with pytest.raises(GovernanceError) as error:
        ACTIONS["set_fees"].calldata("set_fees", {"management_fee": 1, "mint_fee": 1, "redeem_fee": 1})
    assert str(error.value) == "set_fees has no function 'set_fees' (only propose_fees and execute_fees)."


@pytest.mark.parametrize("kind", ["vault", "policy", "router"])
def test_call_cancel__queued_change__clears_it(world, governance, kind):
    action = next(action for action in ACTIONS.values() if action.contract == kind)
    contract = world.contract(kind)
    args, _ = case(world, action.name)
    raw(governance, contract, action.calldata(action.propose, args))
    cancel = CALLS[f"{kind}.cancel"]
    [(param, _)] = cancel.params

    tx = raw(governance, contract, cancel.calldata({param: action.change_id(args)}))

    assert hex32(tx.events.filter(contract.ChangeCancelled)[0].id) == action.change_id(args)
    assert contract.queued_count() == 0


def test_call_calldata__immediate_calls__take_effect(world, governance):
    raw(governance, world.vault, CALLS["vault.pause_mint"].calldata({}))
    raw(governance, world.policy, CALLS["policy.set_limits"].calldata({"limits": TIGHTER_LIMITS}))
    # Governance moves targets like the strategist: here within the tighter limits' 250-bps step.
    raw(governance, world.policy, CALLS["policy.set_targets"].calldata({"targets": [3_500, 3_250, 3_250]}))
    band = {"token": world.tokens[0].address, "min_price": 10**18, "max_price": 10**21}
    raw(governance, world.router, CALLS["router.tighten_band"].calldata(band))

    assert world.vault.mint_paused()
    assert world.policy.limits() == tuple(TIGHTER_LIMITS.values())
    assert world.policy.targets()[0] == [3_500, 3_250, 3_250]
    config = world.router.feed_config(world.tokens[0])
    assert (config.min_price, config.max_price) == (10**18, 10**21)


# --- payload, decode and change_id without a chain --------------------------------------------------------------------


def test_payload__checksummed_or_lowercase_address__same_bytes():
    action = ACTIONS["allow_adapter"]
    assert action.payload({"adapter": TARGET}) == action.payload({"adapter": TARGET.lower()})


def test_payload__limits_as_tuple_or_fields__same_bytes():
    action = ACTIONS["set_limits"]
    assert action.payload({"limits": tuple(LOOSER_LIMITS.values())}) == action.payload({"limits": LOOSER_LIMITS})


@pytest.mark.parametrize(
    "args, message",
    [
        ({"management_fee": 1, "mint_fee": 1}, "set_fees is missing redeem_fee."),
        (
            {"management_fee": 1, "mint_fee": 1, "redeem_fee": 1, "fee": 1},
            "set_fees takes no fee (it takes management_fee, mint_fee, redeem_fee).",
        ),
        (
            {"management_fee": -1, "mint_fee": 1, "redeem_fee": 1},
            "management_fee must be an integer from 0 to 2**256 - 1, got -1.",
        ),
        (
            {"management_fee": 2**256, "mint_fee": 1, "redeem_fee": 1},
            f"management_fee must be an integer from 0 to 2**256 - 1, got {2**256}.",
        ),
        (
            {"management_fee": True, "mint_fee": 1, "redeem_fee": 1},
            "management_fee must be an integer from 0 to 2**256 - 1, got True.",
        ),
        (
            {"management_fee": "1", "mint_fee": 1, "redeem_fee": 1},
            "management_fee must be an integer from 0 to 2**256 - 1, got '1'.",
        ),
    ],
    ids=["missing", "unknown", "negative", "too-large", "bool", "string"],
)
def test_payload__bad_fee_arguments__raises(args, message):
    with pytest.raises(GovernanceError) as error:
        ACTIONS["set_fees"].payload(args)
    assert str(error.value) == message


def test_payload__not_an_address__raises():
    with pytest.raises(GovernanceError) as error:
        ACTIONS["set_oracle"].payload({"oracle": "0x1234"})
    assert str(error.value) == "oracle must be an address, got '0x1234'."


def test_payload__wrong_checksum__raises():
    with pytest.raises(GovernanceError) as error:
        ACTIONS["set_oracle"].payload({"oracle": BAD_CHECKSUM})
    assert str(error.value) == f"oracle must be an address, got '{BAD_CHECKSUM}'."


def test_payload__limits_missing_a_field__raises():
    fields = {k: v for k, v in LOOSER_LIMITS.items() if k != "cooldown"}
    with pytest.raises(GovernanceError) as error:
        ACTIONS["set_limits"].payload({"limits": fields})
    assert str(error.value) == (
        "limits must have exactly the fields max_slippage, max_trade, max_nav_loss, tolerance, cooldown, target_step, "
        "target_period, loss_budget, got ['loss_budget', 'max_nav_loss', 'max_slippage', 'max_trade', 'target_period', "
        "'target_step', 'tolerance']."
    )


def test_payload__limits_field_out_of_range__raises_naming_the_field():
    with pytest.raises(GovernanceError) as error:
        ACTIONS["set_limits"].payload({"limits": {**LOOSER_LIMITS, "tolerance": -5}})
    assert str(error.value) == "limits.tolerance must be an integer from 0 to 2**256 - 1, got -5."


@pytest.mark.parametrize("name", list(ACTIONS))
def test_decode__own_payload__returns_the_arguments(name):
    args = {
        "set_fees": {"management_fee": 500, "mint_fee": 0, "redeem_fee": 100},
        "set_bounds": {"token": TARGET, "min_weight": 0, "max_weight": 10_000},
        "set_limits": {"limits": LOOSER_LIMITS},
        "allow_adapter": {"adapter": TARGET},
        "set_oracle": {"oracle": TARGET},
        "add_component": {"token": TARGET, "max_weight": 1},
        "set_feed": {"token": TARGET, "feed": SAFE, "heartbeat": 1, "min_price": 0, "max_price": 2**128 - 1},
        "set_sequencer": {"sequencer_feed": ZERO, "grace_period": 0},
    }[name]
    assert ACTIONS[name].decode(ACTIONS[name].payload(args)) == args


def test_decode__truncated_payload__raises_not_canonical():
    payload = ACTIONS["set_sequencer"].payload({"sequencer_feed": TARGET, "grace_period": 1})[:-1]
    with pytest.raises(GovernanceError) as error:
        ACTIONS["set_sequencer"].decode(payload)
    assert str(error.value) == f"payload 0x{payload.hex()} is not the contract's encoding of set_sequencer."


def test_decode__trailing_bytes__raises_not_canonical():
    payload = ACTIONS["set_oracle"].payload({"oracle": TARGET}) + b"\x00" * 32
    with pytest.raises(GovernanceError) as error:
        ACTIONS["set_oracle"].decode(payload)
    assert str(error.value) == f"payload 0x{payload.hex()} is not the contract's encoding of set_oracle."


def test_change_id__action_longer_than_32_bytes__raises():
    with pytest.raises(GovernanceError) as error:
        change_id("x" * 33, b"")
    assert str(error.value) == f"action {'x' * 33!r} is longer than 32 bytes."


def test_change_id__payload_longer_than_1024_bytes__raises():
    with pytest.raises(GovernanceError) as error:
        change_id("set_fees", b"\x00" * 1025)
    assert str(error.value) == "payload of 1025 bytes is longer than 1024 bytes."


# --- parse_args -------------------------------------------------------------------------------------------------------


def test_parse_args__feed_texts__typed_and_checksummed():
    texts = [f"token={TARGET.lower()}", f"feed={SAFE}", "heartbeat=3_600", "min_price=1e18", "max_price=0x10"]
    assert parse_args(ACTIONS["set_feed"], texts) == {
        "token": TARGET,
        "feed": SAFE,
        "heartbeat": 3_600,
        "min_price": 10**18,
        "max_price": 16,
    }


def test_parse_args__limits_whole_or_by_field__same_arguments():
    whole = parse_args(ACTIONS["set_limits"], ["limits=200, 3000,100,100,900,1000,86400,500"])
    by_field = parse_args(ACTIONS["set_limits"], [f"{k}={v}" for k, v in LOOSER_LIMITS.items()])
    assert whole == by_field == {"limits": LOOSER_LIMITS}


def test_parse_args__list_and_no_arguments__parsed():
    assert parse_args(CALLS["policy.set_targets"], ["targets=4000,3000,3000"]) == {"targets": [4_000, 3_000, 3_000]}
    assert parse_args(CALLS["policy.set_targets"], ["targets="]) == {"targets": []}
    assert parse_args(CALLS["vault.pause_mint"], []) == {}


def test_parse_args__bytes32__lowercased():
    assert parse_args(CALLS["router.cancel"], ["id=" + ID_A.upper().replace("0X", "0x")]) == {"id": ID_A}


@pytest.mark.parametrize(
    "target, texts, message",
    [
        (ACTIONS["set_oracle"], ["oracle"], "argument 'oracle' is not key=value."),
        (ACTIONS["set_oracle"], ["=0x1"], "argument '=0x1' is not key=value."),
        (ACTIONS["set_oracle"], ["orcale=0x1"], "set_oracle takes no orcale (it takes oracle)."),
        (CALLS["vault.pause_mint"], ["x=1"], "vault.pause_mint takes no x (it takes no arguments)."),
        (ACTIONS["set_oracle"], [f"oracle={TARGET}", f"oracle={SAFE}"], "oracle is given twice."),
        (ACTIONS["set_bounds"], ["min_weight=1"], "set_bounds is missing token, max_weight."),
        (
            ACTIONS["set_oracle"],
            ["oracle=0x1234"],
            "oracle must be an address (0x and 40 hex digits, correctly checksummed if mixed-case), got '0x1234'.",
        ),
        (
            ACTIONS["set_oracle"],
            ["oracle=" + BAD_CHECKSUM],
            (
                "oracle must be an address (0x and 40 hex digits, correctly checksummed if mixed-case), got "
                f"'{BAD_CHECKSUM}'."
            ),
        ),
        (
            ACTIONS["set_sequencer"],
            [f"sequencer_feed={ZERO}", "grace_period=-1"],
            "grace_period must be a whole number (like 1500, 1_500, 3e18 or 0x5dc), got '-1'.",
        ),
        (
            ACTIONS["set_sequencer"],
            [f"sequencer_feed={ZERO}", "grace_period=1.5"],
            "grace_period must be a whole number (like 1500, 1_500, 3e18 or 0x5dc), got '1.5'.",
        ),
        (
            ACTIONS["set_sequencer"],
            [f"sequencer_feed={ZERO}", "grace_period=1e78"],
            "grace_period must be below 2**256, got '1e78'.",
        ),
        (
            ACTIONS["set_limits"],
            ["limits=1,2,3"],
            (
                "limits must be 8 comma-separated values "
                "(max_slippage,max_trade,max_nav_loss,tolerance,cooldown,target_step,target_period,loss_budget), got 3."
            ),
        ),
        (
            ACTIONS["set_limits"],
            ["limits=1,2,3,4,5,6,x,8"],
            "limits.target_period must be a whole number (like 1500, 1_500, 3e18 or 0x5dc), got 'x'.",
        ),
        (
            ACTIONS["set_limits"],
            ["limits=1,2,3,4,5,6,7,8", "cooldown=1"],
            "limits is given both whole and by field (cooldown).",
        ),
        (
            ACTIONS["set_limits"],
            ["max_slippage=1", "max_trade=2"],
            "set_limits is missing max_nav_loss, tolerance, cooldown, target_step, target_period, loss_budget.",
        ),
        (
            ACTIONS["set_limits"],
            [f"{k}={v}" for k, v in LOOSER_LIMITS.items() if k != "tolerance"] + ["tolerance=lots"],
            "tolerance must be a whole number (like 1500, 1_500, 3e18 or 0x5dc), got 'lots'.",
        ),
        (
            CALLS["policy.set_targets"],
            ["targets=1,,2"],
            "targets[1] must be a whole number (like 1500, 1_500, 3e18 or 0x5dc), got ''.",
        ),
        (CALLS["vault.cancel"], ["change_id=0x12"], "change_id must be 0x and 64 hex digits, got '0x12'."),
    ],
    ids=[
        "no-equals",
        "empty-key",
        "unknown-key",
        "key-for-no-arguments",
        "duplicate-key",
        "missing-keys",
        "short-address",
        "bad-checksum",
        "negative",
        "fraction",
        "too-large",
        "struct-too-few-values",
        "struct-bad-value",
        "struct-whole-and-by-field",
        "struct-fields-missing",
        "struct-field-bad-value",
        "list-empty-item",
        "short-bytes32",
    ],
)
def test_parse_args__bad_input__raises_naming_it(target, texts, message):
    with pytest.raises(GovernanceError) as error:
        parse_args(target, texts)
    assert str(error.value) == message


def test_parse_args__parsed__encodes_like_typed_arguments():
    action = ACTIONS["add_component"]
    parsed = parse_args(action, [f"token={TARGET}", "max_weight=2_500"])
    assert action.payload(parsed) == action.payload({"token": TARGET, "max_weight": 2_500})


# --- queued_changes ---------------------------------------------------------------------------------------------------


def queued_event(contract: str, id_: str, eta: int, action: str = "set_oracle", payload: bytes | None = None) -> dict:
    if payload is None:
        payload = ACTIONS["set_oracle"].payload({"oracle": TARGET})
    return {"contract_address": contract, "id": id_, "action": action, "payload": payload, "eta": eta}


@pytest.mark.parametrize(
    "now, status",
    [(999, "waiting"), (1_000, "ready"), (1_000 + GRACE_PERIOD, "ready"), (1_001 + GRACE_PERIOD, "expired")],
)
def test_queued_changes__now_around_eta__status_follows_timelock(now, status):
    [change] = queued_changes([queued_event(VAULT_A, ID_A, 1_000)], set(), now)
    assert change == Queued(
        ID_A,
        "set_oracle",
        {"oracle": TARGET},
        1_000,
        VAULT_A,
        status,
        ACTIONS["set_oracle"].payload({"oracle": TARGET}),
    )


def test_queued_changes__finished_id__left_out():
    events = [queued_event(VAULT_A, ID_A, 1_000), queued_event(VAULT_A, ID_B, 2_000)]
    assert [change.id for change in queued_changes(events, {ID_A}, 0)] == [ID_B]


def test_queued_changes__finished_id_as_bytes_or_uppercase__left_out():
    events = [queued_event(VAULT_A, ID_A, 1_000), queued_event(VAULT_A, ID_B, 2_000)]
    assert queued_changes(events, [bytes.fromhex(ID_A[2:]), "0x" + ID_B[2:].upper()], 0) == []


def test_queued_changes__same_id_on_two_contracts__pair_leaves_out_one():
    events = [queued_event(VAULT_A, ID_A, 1_000), queued_event(VAULT_B, ID_A, 1_000)]
    assert [change.contract_address for change in queued_changes(events, [(VAULT_A, ID_A)], 0)] == [VAULT_B]
    assert queued_changes(events, [ID_A], 0) == []


def test_queued_changes__queued_again_after_finishing__listed_with_latest_eta():
    events = [queued_event(VAULT_A, ID_A, 1_000), queued_event(VAULT_A, ID_A, 5_000)]
    [change] = queued_changes(events, [ID_A], 0)
    assert change.eta == 5_000
    assert queued_changes(events, [ID_A, ID_A], 0) == []


def test_queued_changes__several__sorted_by_eta():
    events = [queued_event(VAULT_A, ID_B, 2_000), queued_event(VAULT_B, ID_A, 1_000)]
    assert [change.eta for change in queued_changes(events, set(), 0)] == [1_000, 2_000]


def test_queued_changes__unknown_action__listed_without_arguments():
    [change] = queued_changes([queued_event(VAULT_A, ID_A, 1_000, "set_thing", b"\x01")], set(), 0)
    assert (change.action, change.args, change.payload) == ("set_thing", None, b"\x01")


def test_queued_changes__event_without_eta__raises():
    event = queued_event(VAULT_A, ID_A, 1_000)
    del event["eta"]
    with pytest.raises(GovernanceError) as error:
        queued_changes([event], set(), 0)
    assert str(error.value) == f"ChangeQueued event {event!r} has no eta."


def test_queued_changes__id_not_32_bytes__raises():
    with pytest.raises(GovernanceError) as error:
        queued_changes([queued_event(VAULT_A, "0x1234", 1_000)], set(), 0)
    assert str(error.value) == "change id '0x1234' is not 32 bytes."


def test_queued_changes__ape_event_logs__decoded_and_filtered(chain, world, governance):
    fees, oracle = ACTIONS["set_fees"], ACTIONS["set_oracle"]
    fee_args = {"management_fee": 100, "mint_fee": 50, "redeem_fee": 25}
    first = raw(governance, world.vault, fees.calldata("propose_fees", fee_args))
    second = raw(governance, world.policy, oracle.calldata("propose_oracle", {"oracle": world.second_router.address}))
    cancelled = raw(governance, world.vault, CALLS["vault.cancel"].calldata({"change_id": fees.change_id(fee_args)}))
    events = [*first.events.filter(world.vault.ChangeQueued), *second.events.filter(world.policy.ChangeQueued)]
    finished = [hex32(event.id) for event in cancelled.events.filter(world.vault.ChangeCancelled)]

    [change] = queued_changes(events, finished, chain.pending_timestamp)

    assert change.contract_address == world.policy.address
    assert change.args == {"oracle": world.second_router.address}
    assert change.eta == second.timestamp + DAY
    assert change.status == "waiting"


# --- Safe Transaction Builder batch -----------------------------------------------------------------------------------

# The test batch and expected checksum of safe-global/safe-react-apps apps/tx-builder/src/lib/checksum.test.js
# ("Add checksum to BatchFile"): computed by `addChecksum`, i.e. with its empty `checksum` key still in `meta`.
SAFE_APP_TEST_BATCH = {
    "version": "1.0",
    "chainId": "4",
    "createdAt": 1646321521061,
    "meta": {
        "name": "test batch file",
        "txBuilderVersion": "1.4.0",
        "checksum": "",
        "createdFromSafeAddress": SAFE,
        "createdFromOwnerAddress": TARGET,
    },
    "transactions": [
        {
            "to": TARGET,
            "value": "0",
            "contractMethod": {
                "inputs": [{"internalType": "address", "name": "paramAddress", "type": "address"}],
                "name": "testAddress",
                "payable": False,
            },
            "contractInputsValues": {"paramAddress": TARGET},
        },
        {
            "to": TARGET,
            "value": "0",
            "contractMethod": {
                "inputs": [{"internalType": "bool", "name": "paramBool", "type": "bool"}],
                "name": "testBool",
                "payable": False,
            },
            "contractInputsValues": {"paramAddress": "", "paramBool": "false"},
        },
        {
            "to": TARGET,
            "value": "2000000000000000000",
            "data": "0x42f4579000000000000000000000000049d4450977e2c95362c13d3a31a09311e0ea26a6",
        },
    ],
}


def fee_batch() -> dict:
    fees = ACTIONS["set_fees"]
    args = {"management_fee": 100, "mint_fee": 50, "redeem_fee": 25}
    transactions = [fees.safe_tx("propose_fees", VAULT_A, args), SafeTx(VAULT_B, "0x", 10**18)]
    return safe_batch(1, SAFE.lower(), transactions, "Raise fees", "Queue new fees", 1_700_000_000_000)


def test_batch_checksum__safe_app_test_vector__matches():
    assert batch_checksum(SAFE_APP_TEST_BATCH) == "0x4ecbfd364aa6759983915644e73f8bd411e85a2dc306f252a387c2728c4db64c"


def test_batch_checksum__keys_in_another_order__same():
    reordered = dict(reversed(list(SAFE_APP_TEST_BATCH.items())))
    reordered["meta"] = dict(reversed(list(SAFE_APP_TEST_BATCH["meta"].items())))
    assert batch_checksum(reordered) == batch_checksum(SAFE_APP_TEST_BATCH)


def test_safe_batch__fee_proposal__tx_builder_shape():
    batch = fee_batch()
    checksum = batch["meta"]["checksum"]
    assert batch == {
        "version": "1.0",
        "chainId": "1",
        "createdAt": 1_700_000_000_000,
        "meta": {
            "name": "Raise fees",
            "description": "Queue new fees",
            "txBuilderVersion": "1.18.2",
            "createdFromSafeAddress": SAFE,
            "createdFromOwnerAddress": "",
            "checksum": checksum,
        },
        "transactions": [
            {
                "to": VAULT_A,
                "value": "0",
                "data": None,  # the tx-builder decodes only a transaction without data (convertToProposedTransactions)
                "contractMethod": {
                    "inputs": [
                        {"internalType": "uint256", "name": name, "type": "uint256"}
                        for name in ("management_fee", "mint_fee", "redeem_fee")
                    ],
                    "name": "propose_fees",
                    "payable": False,
                },
                "contractInputsValues": {"management_fee": "100", "mint_fee": "50", "redeem_fee": "25"},
            },
            {"to": VAULT_B, "value": str(10**18), "data": "0x", "contractMethod": None, "contractInputsValues": None},
        ],
    }


def builder_raw_data(transaction: dict) -> str:
    """The calldata the tx-builder runs for a batch transaction (convertToProposedTransactions: `data` when present,
    else encodeToHexData of the method and inputs)."""
    return transaction["data"] or tx_builder_calldata(transaction["contractMethod"], transaction["contractInputsValues"])


@pytest.mark.parametrize(
    "tx",
    [
        ACTIONS["set_fees"].safe_tx("propose_fees", VAULT_A, {"management_fee": 100, "mint_fee": 50, "redeem_fee": 25}),
        ACTIONS["set_limits"].safe_tx("execute_limits", VAULT_A, {"limits": LOOSER_LIMITS}),
        CALLS["policy.set_targets"].safe_tx(VAULT_A, {"targets": [4_000, 3_000, 3_000]}),
        CALLS["policy.pause_rebalance"].safe_tx(VAULT_A, {}),
        CALLS["vault.set_guardian"].safe_tx(VAULT_A, {"guardian": VAULT_B}),
    ],
    ids=["propose-fees", "limits-struct", "targets-array", "no-arguments", "address"],
)
def test_safe_batch__described_transaction__no_data_and_the_tx_builder_encodes_the_same_calldata(tx):
    [transaction] = safe_batch(1, SAFE, [tx], "n", "d", 0)["transactions"]

    assert transaction["data"] is None and transaction["contractMethod"]["name"]
    assert builder_raw_data(transaction) == tx.data


def test_safe_batch__method_that_does_not_encode_to_the_data__raises():
    tx = CALLS["policy.pause_rebalance"].safe_tx(VAULT_A, {})
    wrong = SafeTx(VAULT_A, CALLS["policy.unpause_rebalance"].calldata({}), method=tx.method, inputs=tx.inputs)

    with pytest.raises(GovernanceError, match="method and inputs do not encode to its data"):
        safe_batch(1, SAFE, [wrong], "n", "d", 0)


def test_safe_batch__written_and_read_back__checksum_valid():
    assert checksum_valid(json.loads(json.dumps(fee_batch(), indent=2)))


def test_safe_batch__renamed__checksum_still_valid():
    batch = fee_batch()
    batch["meta"]["name"] = "Another name"
    assert checksum_valid(batch)


def test_safe_batch__transaction_changed__checksum_invalid():
    batch = fee_batch()
    batch["transactions"][1]["value"] = "1"
    assert not checksum_valid(batch)


def test_safe_batch__limits_input__json_array_of_strings():
    tx = ACTIONS["set_limits"].safe_tx("execute_limits", VAULT_A, {"limits": LOOSER_LIMITS})
    assert tx.inputs == {"limits": '["200","3000","100","100","900","1000","86400","500"]'}
    [limits] = tx.method["inputs"]
    assert [c["name"] for c in limits["components"]] == list(LIMITS_FIELDS)
    assert (limits["name"], limits["type"]) == ("limits", "tuple")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"transactions": []}, "a Safe batch needs at least one transaction."),
        ({"chain_id": 0}, "chain id must be a positive integer, got 0."),
        ({"created_at_ms": 2**53}, f"created_at_ms must be milliseconds since 1970, got {2**53}."),
        ({"safe": "0x12"}, "safe must be an address, got '0x12'."),
        ({"transactions": [SafeTx(VAULT_A, "0x123")]}, "transaction 0 data must be 0x-hex bytes, got '0x123'."),
        (
            {"transactions": [SafeTx(VAULT_A, "0x", -1)]},
            "transaction 0 value must be an integer from 0 to 2**256 - 1, got -1.",
        ),
        ({"transactions": [SafeTx("vault", "0x")]}, "transaction 0 to must be an address, got 'vault'."),
        (
            {"transactions": [SafeTx(VAULT_A, "0x", method={"name": "x", "inputs": [], "payable": False})]},
            "transaction 0 needs both method and inputs, or neither.",
        ),
        (
            {"transactions": [SafeTx(VAULT_A, "0x", method={}, inputs={"amount": 5})]},
            "transaction 0 inputs must all be strings (the tx-builder refuses numbers).",
        ),
    ],
    ids=["no-transactions", "chain-id", "created-at", "safe", "data", "value", "to", "method-alone", "number-input"],
)
def test_safe_batch__bad_input__raises(kwargs, message):
    arguments = {
        "chain_id": 1,
        "safe": SAFE,
        "transactions": [SafeTx(VAULT_A, "0x")],
        "name": "n",
        "description": "d",
        "created_at_ms": 0,
        **kwargs,
    }
    with pytest.raises(GovernanceError) as error:
        safe_batch(**arguments)
    assert str(error.value) == message


def test_action__assigned__raises_frozen():
    with pytest.raises(AttributeError):
        ACTIONS["set_fees"].name = "other"
    assert isinstance(ACTIONS["set_fees"], Action)
