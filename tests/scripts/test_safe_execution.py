"""The DAO path end to end: a real Safe (SafeL2 1.4.1, its proxy factory and MultiSendCallOnly, from the npm package
`@safe-global/safe-contracts@1.4.1`) is an index's governance; `ape run governance ... --safe SAFE --out batch.json`
exports a batch, which is turned into calls exactly as the Safe Transaction Builder does (`convertToProposedTransactions`:
`data` if present, else the method and inputs encoded), packed for MultiSendCallOnly as the Safe app packs a batch,
and executed by the Safe with two of its three owners' signatures. One signature is not enough."""

import json
from pathlib import Path

import pytest
from ape.contracts import ContractContainer
from click.testing import CliRunner
from eth_abi.packed import encode_packed
from eth_account import Account
from ethpm_types import ContractType

from keeper.deployment import Deployment, save_deployment
from scripts import governance
from scripts._governance import ACTIONS, checksum_valid, tx_builder_calldata

SAFE_BUILD = Path(__file__).resolve().parents[2] / "node_modules/@safe-global/safe-contracts/build/artifacts/contracts"
ZERO = "0x" + "00" * 20
CALL, DELEGATECALL = 0, 1
FEES = {"management_fee": 50, "mint_fee": 10, "redeem_fee": 10}


def safe_artifact(path: str) -> ContractContainer:
    data = json.loads((SAFE_BUILD / f"{path}.json").read_text())
    return ContractContainer(ContractType(contractName=data["contractName"], abi=data["abi"],
                                          deploymentBytecode={"bytecode": data["bytecode"]}))  # fmt: skip


@pytest.fixture(scope="module")
def safe_world(accounts, deployer):
    """A 2-of-3 Safe (owners: accounts 1, 2, 3) through the proxy factory, as the Safe app creates one."""
    singleton = safe_artifact("SafeL2.sol/SafeL2").deploy(sender=deployer)
    proxy_factory = safe_artifact("proxies/SafeProxyFactory.sol/SafeProxyFactory").deploy(sender=deployer)
    multisend = safe_artifact("libraries/MultiSendCallOnly.sol/MultiSendCallOnly").deploy(sender=deployer)
    handler = safe_artifact("handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler").deploy(
        sender=deployer
    )
    owners = [accounts[1], accounts[2], accounts[3]]
    setup = singleton.setup.as_transaction(
        [o.address for o in owners], 2, ZERO, b"", handler.address, ZERO, 0, ZERO, sender=deployer
    ).data
    tx = proxy_factory.createProxyWithNonce(singleton.address, setup, 0, sender=deployer)
    safe = safe_artifact("SafeL2.sol/SafeL2").at(tx.events.filter(proxy_factory.ProxyCreation)[0].proxy)
    assert safe.getThreshold() == 2 and len(safe.getOwners()) == 3
    return safe, multisend, owners


@pytest.fixture(scope="module")
def safe_vault(safe_world, create_managed_vault):
    safe, _, _ = safe_world
    return create_managed_vault(governance=safe.address)


@pytest.fixture
def deployment_file(tmp_path, market, factory, deployer, chain):
    deployment = Deployment(
        network="ethereum:local", chain_id=chain.chain_id, deployer=deployer.address,
        oracle_router=market.router.address, vault_blueprint=factory.VAULT_BLUEPRINT(),
        policy_blueprint=factory.POLICY_BLUEPRINT(), factory=factory.address, lens=ZERO.replace("00", "11", 1),
        adapters={}, genesis_hash=chain.provider.web3.eth.get_block(0)["hash"].to_0x_hex(),
        block=chain.blocks.head.number,
    )  # fmt: skip
    path = tmp_path / "deployment.json"
    save_deployment(deployment, path)
    return path


def builder_calls(batch: dict) -> list[tuple[str, int, bytes]]:
    """(to, value, calldata) per transaction, as the tx-builder's convertToProposedTransactions builds `raw`."""
    calls = []
    for tx in batch["transactions"]:
        data = tx.get("data") or tx_builder_calldata(tx["contractMethod"], tx["contractInputsValues"])
        calls.append((tx["to"], int(tx["value"]), bytes.fromhex(data.removeprefix("0x"))))
    return calls


def multisend_data(multisend, calls) -> bytes:
    """MultiSendCallOnly.multiSend(transactions): operation(1) | to(20) | value(32) | length(32) | data, per call."""
    packed = b"".join(
        encode_packed(["uint8", "address", "uint256", "uint256", "bytes"], [CALL, to, value, len(data), data])
        for to, value, data in calls
    )
    return bytes(multisend.multiSend.as_transaction(packed, sender=multisend.address).data)


def exec_batch(safe, multisend, signers, batch: dict, sender):
    """The Safe runs the batch (a DELEGATECALL to MultiSendCallOnly) with `signers`' signatures of its tx hash."""
    data = multisend_data(multisend, builder_calls(batch))
    args = (multisend.address, 0, data, DELEGATECALL, 0, 0, 0, ZERO, ZERO)
    safe_tx_hash = safe.getTransactionHash(*args, safe.call_view_method("nonce"))  # `safe.nonce` is the account nonce
    signatures = b""
    for signer in sorted(signers, key=lambda s: int(s.address, 16)):  # the Safe wants owners in ascending order
        signed = Account.unsafe_sign_hash(safe_tx_hash, signer.private_key)
        signatures += signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])
    return safe.execTransaction(*args, signatures, sender=sender)


def export(tmp_path, deployment_file, safe, *args) -> dict:
    out = tmp_path / "batch.json"
    result = CliRunner().invoke(governance.cli, [*args, "--safe", safe.address, "--out", str(out), "--deployment",
                                                 str(deployment_file), "--network", "ethereum:local:test"])  # fmt: skip
    assert result.exit_code == 0, result.output
    batch = json.loads(out.read_text())
    assert checksum_valid(batch) and all(tx["data"] is None for tx in batch["transactions"])
    return batch


def test_safe__exported_proposal_signed_by_two_of_three__fees_queued(safe_world, safe_vault, deployment_file, tmp_path,
                                                                      alice):  # fmt: skip
    safe, multisend, owners = safe_world
    batch = export(tmp_path, deployment_file, safe, "propose", "set_fees", *(f"{k}={v}" for k, v in FEES.items()),
                   "--address", safe_vault.address)  # fmt: skip

    receipt = exec_batch(safe, multisend, owners[:2], batch, sender=alice)

    assert not receipt.failed and receipt.events.filter(safe.ExecutionSuccess)
    change_id = ACTIONS["set_fees"].change_id(FEES)
    assert safe_vault.eta(change_id) > 0


def test_safe__exported_call_signed_by_one_owner__rejected_and_nothing_changes(safe_world, safe_vault, deployment_file,
                                                                                tmp_path, alice):  # fmt: skip
    safe, multisend, owners = safe_world
    batch = export(tmp_path, deployment_file, safe, "call", "vault.pause_mint", "--address", safe_vault.address)

    with pytest.raises(Exception, match="GS020"):  # Safe: signatures data too short (threshold 2)
        exec_batch(safe, multisend, owners[:1], batch, sender=alice)
    assert not safe_vault.mint_paused()

    exec_batch(safe, multisend, [owners[0], owners[2]], batch, sender=alice)
    assert safe_vault.mint_paused()
