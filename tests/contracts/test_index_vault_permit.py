"""IndexVault: EIP-2612 `permit` on the index token, signed off-chain as EIP-712 typed data."""

import ape
import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from fixtures.tokens import PERMIT_TYPES

ONE = 10**18
HOUR = 3_600



def domain(vault, chain):
    return {"name": vault.name(), "version": "1", "chainId": chain.chain_id, "verifyingContract": vault.address}


@pytest.fixture
def sign_permit(vault, chain):
    """Sign a Permit with `signer`'s key; returns the (v, r, s) the contract takes."""

    def sign_permit(signer, owner, spender, value, deadline, nonce=None):
        message = {
            "owner": owner.address,
            "spender": spender.address,
            "value": value,
            "nonce": vault.nonces(owner) if nonce is None else nonce,
            "deadline": deadline,
        }
        signed = Account.sign_typed_data(signer.private_key, domain(vault, chain), PERMIT_TYPES, message)
        return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")

    return sign_permit


@pytest.fixture
def deadline(chain):
    return chain.pending_timestamp + HOUR


def test_domain_separator__eip712_domain__matches_off_chain_encoding(vault, chain):
    fields, name, version, chain_id, verifying_contract, salt, extensions = vault.eip712Domain()
    assert (name, version, chain_id, verifying_contract) == ("Test Index", "1", chain.chain_id, vault.address)
    assert fields == b"\x0f"  # name, version, chainId, verifyingContract
    message = {"owner": vault.address, "spender": vault.address, "value": 0, "nonce": 0, "deadline": 0}
    # An EIP-712 signable message's header is the domain separator.
    assert vault.DOMAIN_SEPARATOR() == encode_typed_data(domain(vault, chain), PERMIT_TYPES, message).header


def test_permit__valid_signature__sets_allowance_and_bumps_nonce(vault, alice, bob, sign_permit, deadline):
    assert vault.nonces(alice) == 0
    v, r, s = sign_permit(alice, alice, bob, 5 * ONE, deadline)
    tx = vault.permit(alice, bob, 5 * ONE, deadline, v, r, s, sender=bob)
    assert vault.allowance(alice, bob) == 5 * ONE
    assert vault.nonces(alice) == 1
    assert vault.nonces(bob) == 0
    event = tx.events.filter(vault.Approval)[0]
    assert (event.owner, event.spender, event.value) == (alice.address, bob.address, 5 * ONE)


def test_permit__submitted_by_a_third_party__sets_allowance(vault, alice, bob, carol, sign_permit, deadline):
    v, r, s = sign_permit(alice, alice, bob, ONE, deadline)
    vault.permit(alice, bob, ONE, deadline, v, r, s, sender=carol)
    assert vault.allowance(alice, bob) == ONE


def test_permit__deadline_is_this_block__succeeds(vault, alice, bob, sign_permit, chain):
    deadline = chain.pending_timestamp + 100
    chain.pending_timestamp = deadline
    v, r, s = sign_permit(alice, alice, bob, ONE, deadline)
    tx = vault.permit(alice, bob, ONE, deadline, v, r, s, sender=bob)
    assert tx.timestamp == deadline
    assert vault.allowance(alice, bob) == ONE


def test_permit__deadline_passed__reverts(vault, alice, bob, sign_permit, chain):
    deadline = chain.pending_timestamp + 100
    v, r, s = sign_permit(alice, alice, bob, ONE, deadline)
    chain.pending_timestamp = deadline + 1
    with ape.reverts("erc20: expired deadline"):
        vault.permit(alice, bob, ONE, deadline, v, r, s, sender=bob)
    assert vault.allowance(alice, bob) == 0
    assert vault.nonces(alice) == 0


def test_permit__signed_by_someone_else__reverts(vault, alice, bob, sign_permit, deadline):
    v, r, s = sign_permit(bob, alice, bob, ONE, deadline)  # bob signs a permit over alice's tokens
    with ape.reverts("erc20: invalid signature"):
        vault.permit(alice, bob, ONE, deadline, v, r, s, sender=bob)
    assert vault.allowance(alice, bob) == 0
    assert vault.nonces(alice) == 0


def test_permit__replayed_signature__reverts(vault, alice, bob, sign_permit, deadline):
    v, r, s = sign_permit(alice, alice, bob, ONE, deadline)
    vault.permit(alice, bob, ONE, deadline, v, r, s, sender=bob)
    vault.approve(bob, 0, sender=alice)
    with ape.reverts("erc20: invalid signature"):
        vault.permit(alice, bob, ONE, deadline, v, r, s, sender=bob)
    assert vault.allowance(alice, bob) == 0
    assert vault.nonces(alice) == 1


@pytest.mark.parametrize("field", ["spender", "value", "deadline", "nonce"])
def test_permit__signed_fields_differ_from_call__reverts(vault, alice, bob, carol, sign_permit, deadline, field):
    signed = {"spender": bob, "value": ONE, "deadline": deadline, "nonce": 0}
    signed[field] = {"spender": carol, "value": ONE + 1, "deadline": deadline + 1, "nonce": 1}[field]
    v, r, s = sign_permit(alice, alice, signed["spender"], signed["value"], signed["deadline"], signed["nonce"])
    with ape.reverts("erc20: invalid signature"):
        vault.permit(alice, bob, ONE, deadline, v, r, s, sender=bob)
    assert vault.allowance(alice, bob) == 0


def test_permit__signed_for_another_vault__reverts(create_vault, tokens, vault, alice, bob, deadline, chain):
    other = create_vault(tokens, name="Test Index")  # same name, different verifyingContract
    message = {"owner": alice.address, "spender": bob.address, "value": ONE, "nonce": 0, "deadline": deadline}
    signed = Account.sign_typed_data(alice.private_key, domain(other, chain), PERMIT_TYPES, message)
    with ape.reverts("erc20: invalid signature"):
        vault.permit(alice, bob, ONE, deadline, signed.v, signed.r.to_bytes(32, "big"),
                     signed.s.to_bytes(32, "big"), sender=bob)


def test_transfer_from__after_permit__moves_index_tokens(vault, alice, bob, carol, mint_for, sign_permit, deadline):
    mint_for(vault, alice, 3 * ONE)
    v, r, s = sign_permit(alice, alice, bob, 2 * ONE, deadline)
    vault.permit(alice, bob, 2 * ONE, deadline, v, r, s, sender=bob)
    vault.transferFrom(alice, carol, 2 * ONE, sender=bob)
    assert vault.balanceOf(alice) == ONE
    assert vault.balanceOf(carol) == 2 * ONE
    assert vault.allowance(alice, bob) == 0
    assert vault.totalSupply() == 3 * ONE


def test_transfer_from__more_than_permitted__reverts(vault, alice, bob, carol, mint_for, sign_permit, deadline):
    mint_for(vault, alice, 3 * ONE)
    v, r, s = sign_permit(alice, alice, bob, 2 * ONE, deadline)
    vault.permit(alice, bob, 2 * ONE, deadline, v, r, s, sender=bob)
    with ape.reverts("erc20: insufficient allowance"):
        vault.transferFrom(alice, carol, 2 * ONE + 1, sender=bob)
    assert vault.balanceOf(alice) == 3 * ONE
