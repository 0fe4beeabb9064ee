"""Each test-only token in contracts/mocks/ really shows the weirdness it advertises."""

import ape
import pytest

DECIMALS = 18
ONE = 10**DECIMALS


@pytest.fixture(scope="module")
def create_mock(project, deployer):
    """Deploys `contract_name` with ("Mock", "MCK", decimals, *extra) and funds nobody."""

    def create(contract_name, *extra, decimals=DECIMALS):
        return getattr(project, contract_name).deploy("Mock", "MCK", decimals, *extra, sender=deployer)

    return create


@pytest.fixture(scope="module")
def funded(create_mock, alice):
    """Deploys a token and mints 100 whole tokens to alice."""

    def create(contract_name, *extra):
        token = create_mock(contract_name, *extra)
        token.mint(alice, 100 * ONE, sender=alice)
        return token

    return create


# --- MockERC20 ---


@pytest.mark.parametrize("decimals", [0, 2, 6, 8, 18, 24])
def test_deploy__any_decimals__reports_them(create_mock, decimals):
    token = create_mock("MockERC20", decimals=decimals)
    assert token.decimals() == decimals
    assert token.name() == "Mock"
    assert token.symbol() == "MCK"


def test_transfer__enough_balance__moves_amount(funded, alice, bob):
    token = funded("MockERC20")
    assert token.transfer(bob, ONE, sender=alice).return_value is True
    assert token.balanceOf(alice) == 99 * ONE
    assert token.balanceOf(bob) == ONE


def test_transfer__short_balance__reverts(funded, alice, bob):
    token = funded("MockERC20")
    with ape.reverts("mock_erc20: insufficient balance"):
        token.transfer(bob, 100 * ONE + 1, sender=alice)


def test_transfer_from__enough_allowance__spends_it(funded, alice, bob):
    token = funded("MockERC20")
    token.approve(bob, 3 * ONE, sender=alice)
    token.transferFrom(alice, bob, 2 * ONE, sender=bob)
    assert token.balanceOf(bob) == 2 * ONE
    assert token.allowance(alice, bob) == ONE


def test_transfer_from__short_allowance__reverts(funded, alice, bob):
    token = funded("MockERC20")
    token.approve(bob, ONE - 1, sender=alice)
    with ape.reverts("mock_erc20: insufficient allowance"):
        token.transferFrom(alice, bob, ONE, sender=bob)


def test_transfer_from__short_balance__reverts(funded, alice, bob):
    token = funded("MockERC20")
    token.approve(bob, 2**256 - 1, sender=alice)
    with ape.reverts("mock_erc20: insufficient balance"):
        token.transferFrom(alice, bob, 100 * ONE + 1, sender=bob)


def test_transfer_from__infinite_allowance__stays_infinite(funded, alice, bob):
    token = funded("MockERC20")
    token.approve(bob, 2**256 - 1, sender=alice)
    token.transferFrom(alice, bob, ONE, sender=bob)
    assert token.allowance(alice, bob) == 2**256 - 1


def test_mint__any_caller__raises_balance_and_supply(create_mock, bob):
    token = create_mock("MockERC20")
    token.mint(bob, 7, sender=bob)
    assert token.balanceOf(bob) == 7
    assert token.totalSupply() == 7


# --- FeeOnTransferToken ---


def test_transfer__fee_token__receiver_gets_less_and_fee_is_burnt(funded, alice, bob):
    token = funded("FeeOnTransferToken", 100)  # 1%
    token.transfer(bob, 10 * ONE, sender=alice)
    assert token.balanceOf(alice) == 90 * ONE
    assert token.balanceOf(bob) == 10 * ONE - ONE // 10
    assert token.totalSupply() == 100 * ONE - ONE // 10


def test_transfer_from__fee_token__receiver_gets_less_and_full_allowance_is_spent(funded, alice, bob):
    token = funded("FeeOnTransferToken", 250)  # 2.5%
    token.approve(bob, 10 * ONE, sender=alice)
    token.transferFrom(alice, bob, 10 * ONE, sender=bob)
    assert token.balanceOf(bob) == 10 * ONE - ONE // 4
    assert token.allowance(alice, bob) == 0


def test_transfer__fee_token_zero_fee__receiver_gets_all(funded, alice, bob):
    token = funded("FeeOnTransferToken", 0)
    token.transfer(bob, ONE, sender=alice)
    assert token.balanceOf(bob) == ONE


def test_transfer__fee_token_short_balance__reverts(funded, alice, bob):
    token = funded("FeeOnTransferToken", 100)
    with ape.reverts("fee_on_transfer_token: insufficient balance"):
        token.transfer(bob, 100 * ONE + 1, sender=alice)


def test_deploy__fee_above_100_percent__reverts(create_mock):
    with ape.reverts("fee_on_transfer_token: fee above 100%"):
        create_mock("FeeOnTransferToken", 10_001)


# --- NoReturnToken ---


def test_abi__no_return_token__transfer_approve_have_no_outputs(create_mock):
    token = create_mock("NoReturnToken")
    for name in ("transfer", "transferFrom", "approve"):
        assert token.contract_type.mutable_methods[name].outputs == []


def test_transfer__no_return_token__returns_empty_data_and_moves_funds(chain, funded, alice, bob):
    token = funded("NoReturnToken")
    calldata = token.transfer.encode_input(bob, ONE)
    raw = chain.provider.web3.eth.call({"from": alice.address, "to": token.address, "data": calldata})
    assert bytes(raw) == b""
    token.transfer(bob, ONE, sender=alice)
    assert token.balanceOf(bob) == ONE


def test_transfer_from__no_return_token__returns_empty_data_and_moves_funds(chain, funded, alice, bob):
    token = funded("NoReturnToken")
    token.approve(bob, ONE, sender=alice)
    calldata = token.transferFrom.encode_input(alice, bob, ONE)
    raw = chain.provider.web3.eth.call({"from": bob.address, "to": token.address, "data": calldata})
    assert bytes(raw) == b""
    token.transferFrom(alice, bob, ONE, sender=bob)
    assert token.balanceOf(bob) == ONE
    assert token.allowance(alice, bob) == 0


def test_transfer__no_return_token_short_balance__reverts(funded, alice, bob):
    token = funded("NoReturnToken")
    with ape.reverts("no_return_token: insufficient balance"):
        token.transfer(bob, 100 * ONE + 1, sender=alice)


def test_transfer_from__no_return_token_short_allowance__reverts(funded, alice, bob):
    token = funded("NoReturnToken")
    with ape.reverts("no_return_token: insufficient allowance"):
        token.transferFrom(alice, bob, 1, sender=bob)


# --- FalseReturnToken ---


def test_transfer__false_return_token_enough_balance__returns_true(funded, alice, bob):
    token = funded("FalseReturnToken")
    assert token.transfer.call(bob, ONE, sender=alice) is True
    token.transfer(bob, ONE, sender=alice)
    assert token.balanceOf(bob) == ONE


def test_transfer__false_return_token_short_balance__returns_false_and_moves_nothing(funded, alice, bob):
    token = funded("FalseReturnToken")
    assert token.transfer.call(bob, 100 * ONE + 1, sender=alice) is False
    token.transfer(bob, 100 * ONE + 1, sender=alice)  # does not revert
    assert token.balanceOf(alice) == 100 * ONE
    assert token.balanceOf(bob) == 0


def test_transfer_from__false_return_token_short_allowance__returns_false_and_moves_nothing(funded, alice, bob):
    token = funded("FalseReturnToken")
    token.approve(bob, ONE - 1, sender=alice)
    assert token.transferFrom.call(alice, bob, ONE, sender=bob) is False
    token.transferFrom(alice, bob, ONE, sender=bob)
    assert token.balanceOf(bob) == 0
    assert token.allowance(alice, bob) == ONE - 1


def test_transfer__false_return_token_set_fail__returns_false_and_moves_nothing(funded, alice, bob):
    token = funded("FalseReturnToken")
    token.set_fail(True, sender=bob)
    assert token.transfer.call(bob, ONE, sender=alice) is False
    token.transfer(bob, ONE, sender=alice)
    assert token.balanceOf(bob) == 0


def test_transfer_from__false_return_token_set_fail__returns_false_and_keeps_allowance(funded, alice, bob):
    token = funded("FalseReturnToken")
    token.approve(bob, ONE, sender=alice)
    token.set_fail(True, sender=bob)
    assert token.transferFrom.call(alice, bob, ONE, sender=bob) is False
    token.transferFrom(alice, bob, ONE, sender=bob)
    assert token.balanceOf(bob) == 0
    assert token.allowance(alice, bob) == ONE


def test_set_fail__cleared__transfers_work_again(funded, alice, bob):
    token = funded("FalseReturnToken")
    token.set_fail(True, sender=bob)
    token.set_fail(False, sender=bob)
    assert token.transfer.call(bob, ONE, sender=alice) is True


# --- RebasingToken ---


def test_rebase__positive__scales_balances_and_supply_up(funded, alice, deployer):
    token = funded("RebasingToken")
    token.rebase(11, 10, sender=deployer)
    assert token.balanceOf(alice) == 110 * ONE
    assert token.totalSupply() == 110 * ONE
    assert token.shares(alice) == 100 * ONE


def test_rebase__negative__scales_balances_and_supply_down(funded, alice, deployer):
    token = funded("RebasingToken")
    token.rebase(1, 2, sender=deployer)
    assert token.balanceOf(alice) == 50 * ONE
    assert token.totalSupply() == 50 * ONE


def test_rebase__zero_denominator__reverts(funded, deployer):
    token = funded("RebasingToken")
    with ape.reverts("rebasing_token: zero denominator"):
        token.rebase(1, 0, sender=deployer)


def test_rebase__zero_numerator__reverts(funded, deployer):
    token = funded("RebasingToken")
    with ape.reverts("rebasing_token: index would be zero"):
        token.rebase(0, 1, sender=deployer)


def test_transfer__rebasing_token_after_rebase__moves_share_equivalent_rounded_down(funded, alice, bob, deployer):
    token = funded("RebasingToken")
    token.rebase(3, 1, sender=deployer)  # index 3: 100 tokens become 300
    token.transfer(bob, 10, sender=alice)
    assert token.shares(bob) == 3  # floor(10 / 3)
    assert token.balanceOf(bob) == 9  # the receiver gets less than `amount`
    assert token.balanceOf(alice) == 300 * ONE - 9


def test_transfer__rebasing_token_short_balance__reverts(funded, alice, bob, deployer):
    token = funded("RebasingToken")
    token.rebase(1, 2, sender=deployer)
    with ape.reverts("rebasing_token: insufficient balance"):
        token.transfer(bob, 50 * ONE + 1, sender=alice)


def test_transfer_from__rebasing_token_short_allowance__reverts(funded, alice, bob):
    token = funded("RebasingToken")
    with ape.reverts("rebasing_token: insufficient allowance"):
        token.transferFrom(alice, bob, 1, sender=bob)


def test_mint__rebasing_token_after_rebase__credits_amount(create_mock, alice, deployer):
    token = create_mock("RebasingToken")
    token.rebase(2, 1, sender=deployer)
    token.mint(alice, 10 * ONE, sender=alice)
    assert token.balanceOf(alice) == 10 * ONE
    assert token.shares(alice) == 5 * ONE


# --- BlacklistToken ---


def test_transfer__blacklist_token_sender_frozen__reverts(funded, alice, bob, deployer):
    token = funded("BlacklistToken")
    token.freeze(alice, sender=deployer)
    with ape.reverts("blacklist_token: frozen"):
        token.transfer(bob, ONE, sender=alice)


def test_transfer__blacklist_token_receiver_frozen__reverts(funded, alice, bob, deployer):
    token = funded("BlacklistToken")
    token.freeze(bob, sender=deployer)
    with ape.reverts("blacklist_token: frozen"):
        token.transfer(bob, ONE, sender=alice)


def test_transfer_from__blacklist_token_owner_frozen__reverts(funded, alice, bob, deployer):
    token = funded("BlacklistToken")
    token.approve(bob, ONE, sender=alice)
    token.freeze(alice, sender=deployer)
    with ape.reverts("blacklist_token: frozen"):
        token.transferFrom(alice, bob, ONE, sender=bob)


def test_transfer_from__blacklist_token_receiver_frozen__reverts(funded, alice, bob, deployer):
    token = funded("BlacklistToken")
    token.approve(bob, ONE, sender=alice)
    token.freeze(bob, sender=deployer)
    with ape.reverts("blacklist_token: frozen"):
        token.transferFrom(alice, bob, ONE, sender=bob)


def test_transfer__blacklist_token_unfrozen__moves_amount(funded, alice, bob, deployer):
    token = funded("BlacklistToken")
    token.freeze(bob, sender=deployer)
    token.unfreeze(bob, sender=deployer)
    token.transfer(bob, ONE, sender=alice)
    assert token.balanceOf(bob) == ONE
    assert token.frozen(bob) is False


def test_transfer__blacklist_token_short_balance__reverts(funded, alice, bob):
    token = funded("BlacklistToken")
    with ape.reverts("blacklist_token: insufficient balance"):
        token.transfer(bob, 100 * ONE + 1, sender=alice)


# --- ReentrantToken ---


@pytest.fixture
def armed(funded, create_mock, alice, bob, deployer):
    """A ReentrantToken armed to mint 123 of a separate MockERC20 (`other`) to bob."""
    token = funded("ReentrantToken")
    other = create_mock("MockERC20")
    token.arm(other.address, other.mint.encode_input(bob, 123), sender=deployer)
    return token, other


def test_transfer__reentrant_token_armed__fires_once_then_disarms(armed, alice, bob):
    token, other = armed
    token.transfer(bob, ONE, sender=alice)
    assert other.balanceOf(bob) == 123
    assert token.balanceOf(bob) == ONE
    assert token.target() == "0x0000000000000000000000000000000000000000"
    token.transfer(bob, ONE, sender=alice)
    assert other.balanceOf(bob) == 123


def test_transfer_from__reentrant_token_armed__fires_once_then_disarms(armed, alice, bob):
    token, other = armed
    token.approve(bob, 2 * ONE, sender=alice)
    token.transferFrom(alice, bob, ONE, sender=bob)
    token.transferFrom(alice, bob, ONE, sender=bob)
    assert other.balanceOf(bob) == 123
    assert token.balanceOf(bob) == 2 * ONE


def test_transfer__reentrant_token_unarmed__fires_nothing(funded, create_mock, alice, bob):
    token = funded("ReentrantToken")
    other = create_mock("MockERC20")
    token.transfer(bob, ONE, sender=alice)
    assert other.totalSupply() == 0


def test_transfer__reentrant_token_target_reverts__bubbles_reason_and_stays_armed(
    funded, create_mock, alice, bob, deployer
):
    token = funded("ReentrantToken")
    other = create_mock("MockERC20")
    # The token holds none of `other`, so the armed call fails inside `other`.
    token.arm(other.address, other.transfer.encode_input(bob, 1), sender=deployer)
    with ape.reverts("mock_erc20: insufficient balance"):
        token.transfer(bob, ONE, sender=alice)
    assert token.balanceOf(bob) == 0
    assert token.target() == other.address


def test_arm__zero_target__reverts(funded, deployer):
    token = funded("ReentrantToken")
    with ape.reverts("reentrant_token: zero target"):
        token.arm("0x0000000000000000000000000000000000000000", b"", sender=deployer)


def test_transfer__reentrant_token_short_balance__reverts(funded, alice, bob):
    token = funded("ReentrantToken")
    with ape.reverts("reentrant_token: insufficient balance"):
        token.transfer(bob, 100 * ONE + 1, sender=alice)
