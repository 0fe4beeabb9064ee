"""scripts/governor.py as users run it (click commands, in-process, on ape's test chain): deploy a governor for a
votes token, then propose a fee increase on an index the timelock governs, vote, queue and execute, with each
step's refusal in the wrong state and the Safe export; and scripts/_governor.py's pure parts."""

import json

import pytest
from click.testing import CliRunner

from keeper.deployment import Deployment, save_deployment
from scripts import governor as governor_script
from scripts._governance import checksum_valid
from scripts._governor import (
    GovernorError,
    GovernorSettings,
    ProposalState,
    create_address,
    custom_error,
    governor_container,
    proposal,
    require_state,
    timelock_container,
)

NETWORK = ["--network", "ethereum:local:test"]
ONE = 10**18
DAY = 86_400
ZERO = "0x" + "00" * 20
SAFE = "0xDF8a1Ce35c9a6ACE153B4e0767942f1E2291a1Aa"


def run(*args: str):
    return CliRunner().invoke(governor_script.cli, [*args, *NETWORK], catch_exceptions=False)


@pytest.fixture(scope="module")
def votes(project, deployer, alice, bob):
    token = project.VotesToken.deploy("Script DAO", "SDAO", sender=deployer)
    for holder, amount in ((alice, 70 * ONE), (bob, 30 * ONE)):
        token.mint(holder, amount, sender=deployer)
        token.invoke_transaction("delegate", holder, sender=holder)
    return token


@pytest.fixture(scope="module")
def deployment_file(tmp_path_factory, factory, deployer, chain):
    """A deployment file for this chain; the governor commands use only its chain check, factory and first block."""
    deployment = Deployment(
        network="ethereum:local", chain_id=chain.chain_id, deployer=deployer.address, oracle_router=ZERO,
        vault_blueprint=factory.VAULT_BLUEPRINT(), policy_blueprint=factory.POLICY_BLUEPRINT(),
        factory=factory.address, lens=ZERO, adapters={},
        genesis_hash=chain.provider.web3.eth.get_block(0)["hash"].to_0x_hex(), block=chain.blocks.head.number,
    )  # fmt: skip
    path = tmp_path_factory.mktemp("governor") / "deployment.json"
    save_deployment(deployment, path)
    return path


@pytest.fixture(scope="module")
def deployed(votes, deployment_file, tmp_path_factory):
    """`governor deploy` run once: (governor, timelock address, the records file)."""
    records = tmp_path_factory.mktemp("records") / "governors.json"
    result = run("deploy", "--token", votes.address, "--account", "TEST::0", "--voting-period", "5", "--quorum", "20",
                 "--threshold", str(ONE), "--timelock-delay", "2d", "--deployment", str(deployment_file),
                 "--out", str(records))  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads(records.read_text())["SDAO"]
    return governor_container().at(record["governor"]), record["timelock"], records


@pytest.fixture(scope="module")
def index(create_vault, tokens, deployed):
    _, timelock, _ = deployed
    return create_vault(tokens, governance=timelock, symbol="GIDX")


@pytest.fixture(scope="module", autouse=True)
def _deploy_before_isolation(votes, deployed, index, placeholder_oracle, governance, guardian, fee_recipient):
    """Deploy the module's contracts before ape's per-test snapshots."""


@pytest.fixture
def gov(deployed, deployment_file):
    """The options every step takes."""
    return ["--governor", deployed[0].address, "--deployment", str(deployment_file)]


def propose_fee(gov, index, account="TEST::4"):
    # The commands connect their own provider, which ape's per-test snapshots do not undo: each test proposes
    # under its own description, so its proposal id is new.
    import os

    test = os.environ["PYTEST_CURRENT_TEST"].split("::")[-1].split(" ")[0]
    return run("propose", "set_fees", "management_fee=0", "mint_fee=0", "redeem_fee=100", "--address", index.address,
               "--description", f"Raise the redeem fee to 1 % ({test})", *gov, "--account", account)  # fmt: skip


def proposal_id(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output.split("proposed ")[1].split(":")[0]


def fee_change_id() -> bytes:
    from eth_abi import encode
    from eth_utils import keccak

    return keccak(encode(["string", "bytes"], ["set_fees", encode(["uint256"] * 3, [0, 0, 100])]))


def mine_past(chain, block: int) -> None:
    chain.mine(max(0, block - chain.blocks.head.number + 1))


# --- the whole path ----------------------------------------------------------------------------------------------


def test_deploy__votes_token__timelock_has_the_governor_as_its_only_proposer_and_no_admin(deployed, votes, deployer):
    governor, timelock_address, _ = deployed
    timelock = timelock_container().at(timelock_address)
    assert governor.token() == votes.address and governor.timelock() == timelock_address
    assert timelock.hasRole(timelock.PROPOSER_ROLE(), governor.address)
    assert not timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), deployer.address)
    assert timelock.hasRole(timelock.EXECUTOR_ROLE(), ZERO)  # anyone may execute what passed
    assert (governor.votingPeriod(), governor.quorumNumerator(), timelock.getMinDelay()) == (5, 20, 2 * DAY)


def test_propose_vote_queue_execute__fee_increase__queued_in_the_index_timelock(gov, index, deployed, chain):
    governor = deployed[0]
    result = propose_fee(gov, index)
    assert result.exit_code == 0, result.output
    pid = proposal_id(result)
    mine_past(chain, governor.proposalSnapshot(int(pid, 16)))
    result = run("vote", "--id", pid, "--support", "for", "--reason", "worth it", *gov, "--account", "TEST::4")
    assert result.exit_code == 0, result.output
    assert f"for {70 * ONE}" in result.output
    mine_past(chain, governor.proposalDeadline(int(pid, 16)))
    result = run("queue", "--id", pid, *gov, "--account", "TEST::5")
    assert result.exit_code == 0, result.output
    assert "executable from" in result.output
    chain.pending_timestamp = governor.proposalEta(int(pid, 16)) + 1
    chain.mine()
    result = run("execute", "--id", pid, *gov, "--account", "TEST::5")
    assert result.exit_code == 0, result.output
    assert governor.state(int(pid, 16)) == ProposalState.EXECUTED
    assert index.eta(fee_change_id()) > 0  # now the index's own timelock holds the fee change


def test_status__queued_proposal__shows_votes_and_eta(gov, index, deployed, chain):
    governor = deployed[0]
    pid = proposal_id(propose_fee(gov, index))
    mine_past(chain, governor.proposalSnapshot(int(pid, 16)))
    run("vote", "--id", pid, "--support", "against", *gov, "--account", "TEST::5")
    result = run("status", "--id", pid, "--governor", governor.address, "--deployment", gov[-1])
    assert result.exit_code == 0, result.output
    assert "active" in result.output and f"against {30 * ONE}" in result.output


# --- refusals ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["vote", "queue", "execute", "status"])
def test_step__unknown_proposal_id__refused_in_one_sentence(gov, step):
    extra = ["--support", "for"] if step == "vote" else []
    account = [] if step == "status" else ["--account", "TEST::5"]
    result = CliRunner().invoke(governor_script.cli, [step, "--id", "0x1234", *extra, *gov, *account, *NETWORK])
    assert result.exit_code == 1, result.output
    assert "no proposal 0x1234 on governor" in result.output
    assert "Traceback" not in result.output


def test_vote__before_the_snapshot__refused_with_the_next_step(gov, index):
    pid = proposal_id(propose_fee(gov, index))
    result = run("vote", "--id", pid, "--support", "for", *gov, "--account", "TEST::4")
    assert result.exit_code == 1
    assert "cannot vote: the proposal is pending; voting has not started" in result.output


def test_vote__account_without_votes__refused(gov, index, deployed, chain):
    pid = proposal_id(propose_fee(gov, index))
    mine_past(chain, deployed[0].proposalSnapshot(int(pid, 16)))
    result = run("vote", "--id", pid, "--support", "for", *gov, "--account", "TEST::6")
    assert result.exit_code == 1
    assert "had no votes delegated to it at the snapshot block" in result.output


def test_queue__defeated_proposal__refused(gov, index, deployed, chain):
    governor = deployed[0]
    pid = proposal_id(propose_fee(gov, index))
    mine_past(chain, governor.proposalSnapshot(int(pid, 16)))
    run("vote", "--id", pid, "--support", "against", *gov, "--account", "TEST::4")
    mine_past(chain, governor.proposalDeadline(int(pid, 16)))
    result = run("queue", "--id", pid, *gov, "--account", "TEST::4")
    assert result.exit_code == 1
    assert "cannot queue: the proposal is defeated" in result.output


def test_execute__before_the_timelock_eta__refused(gov, index, deployed, chain):
    governor = deployed[0]
    pid = proposal_id(propose_fee(gov, index))
    mine_past(chain, governor.proposalSnapshot(int(pid, 16)))
    run("vote", "--id", pid, "--support", "for", *gov, "--account", "TEST::4")
    mine_past(chain, governor.proposalDeadline(int(pid, 16)))
    run("queue", "--id", pid, *gov, "--account", "TEST::4")
    result = run("execute", "--id", pid, *gov, "--account", "TEST::4")
    assert result.exit_code == 1
    assert "cannot execute yet: the timelock holds" in result.output
    assert deployed[0].state(int(pid, 16)) == ProposalState.QUEUED


def test_propose__below_the_threshold__refused_before_sending(gov, index, strategist):
    nonce = strategist.nonce
    result = propose_fee(gov, index, account="TEST::8")
    assert result.exit_code == 1
    assert "below the proposal threshold" in result.output
    assert strategist.nonce == nonce


def test_propose__action_on_the_wrong_kind_of_contract__refused(gov, index, deployed):
    result = run("propose", "allow_adapter", f"adapter={ZERO}", "--address", index.address, "--description", "x",
                 *gov, "--account", "TEST::4")  # fmt: skip
    assert result.exit_code == 1
    assert "is a vault, not a policy" in result.output


def test_propose__not_a_governor__refused(index, deployment_file):
    result = run("propose", "vault.pause_mint", "--address", index.address, "--description", "x",
                 "--governor", index.address, "--deployment", str(deployment_file), "--account", "TEST::4")  # fmt: skip
    assert result.exit_code == 1
    assert "is not an OpenZeppelin Governor" in result.output


def test_deploy__plain_index_token__refused(index, deployment_file, tmp_path):
    result = run("deploy", "--token", index.address, "--account", "TEST::0", "--deployment", str(deployment_file),
                 "--out", str(tmp_path / "g.json"))  # fmt: skip
    assert result.exit_code == 1
    assert "has no ERC-5805 votes" in result.output


# --- Safe export -------------------------------------------------------------------------------------------------


def test_vote__safe_export__writes_a_valid_batch_calling_cast_vote(gov, index, deployed, chain, tmp_path):
    governor = deployed[0]
    pid = proposal_id(propose_fee(gov, index))
    mine_past(chain, governor.proposalSnapshot(int(pid, 16)))
    out = tmp_path / "vote.json"
    result = run("vote", "--id", pid, "--support", "for", *gov, "--safe", SAFE, "--out", str(out))
    assert result.exit_code == 0, result.output
    batch = json.loads(out.read_text())
    assert checksum_valid(batch)
    (tx,) = batch["transactions"]
    assert tx["to"] == governor.address
    assert tx["data"] == "0x" + bytes(governor.castVote.encode_input(int(pid, 16), 1)).hex()


def test_vote__safe_without_out__usage_error(gov, index, deployed, chain):
    governor = deployed[0]
    pid = proposal_id(propose_fee(gov, index))
    mine_past(chain, governor.proposalSnapshot(int(pid, 16)))
    result = run("vote", "--id", pid, "--support", "for", *gov, "--safe", SAFE)
    assert result.exit_code == 2 and "--safe needs --out" in result.output


# --- pure parts --------------------------------------------------------------------------------------------------


def test_proposal__id__matches_the_governors_hash_proposal(deployed, index):
    governor = deployed[0]
    planned = proposal([(index.address, b"\x12\x34")], "anything")
    assert planned.id == governor.hashProposal(*planned.hashed_args())


def test_proposal__empty_description__refused():
    with pytest.raises(GovernorError, match="needs a description"):
        proposal([(ZERO, b"")], "  ")


def test_require_state__other_state__says_what_to_do_next():
    with pytest.raises(GovernorError, match="cannot execute: the proposal is succeeded; it passed: queue it"):
        require_state(ProposalState.SUCCEEDED, ProposalState.QUEUED, "execute")
    require_state(ProposalState.QUEUED, ProposalState.QUEUED, "execute")  # the twin: no error


def test_settings__quorum_above_100__refused():
    with pytest.raises(GovernorError, match="is not a percentage"):
        GovernorSettings(quorum_percent=101).check()


def test_create_address__matches_a_real_deployment(project, deployer):
    predicted = create_address(deployer.address, deployer.nonce)
    assert project.BatchCaller.deploy(sender=deployer).address == predicted


def test_custom_error__governor_error_data__named_with_its_arguments():
    from eth_abi import encode
    from eth_utils import keccak

    data = keccak(text="GovernorUnexpectedProposalState(uint256,uint8,bytes32)")[:4] + encode(
        ["uint256", "uint8", "bytes32"], [7, 3, b"\x00" * 31 + b"\x10"]
    )
    message = custom_error(f"the transaction would revert: 0x{data.hex()}")
    assert message.startswith("the transaction would revert: GovernorUnexpectedProposalState(proposalId=7, current=3,")
    assert custom_error("the transaction would revert: 0xdeadbeef") == "the transaction would revert: 0xdeadbeef"


def test_propose__same_proposal_twice__refused_with_the_governors_error_by_name(gov, index):
    assert propose_fee(gov, index).exit_code == 0
    result = propose_fee(gov, index)
    assert result.exit_code == 1
    assert "the transaction would revert: GovernorUnexpectedProposalState(proposalId=" in result.output


def test_vote__deployment_of_another_chain__refused(deployed, deployment_file, tmp_path):
    other = json.loads(deployment_file.read_text())
    other["genesis_hash"] = "0x" + "ab" * 32
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other))
    result = run("vote", "--id", "1", "--support", "for", "--governor", deployed[0].address, "--deployment", str(path),
                 "--account", "TEST::4")  # fmt: skip
    assert result.exit_code == 1
    assert "block 0" in result.output or "genesis" in result.output


# --- a compliant index: bootstrap its holders' governance ---------------------------------------------------------


@pytest.fixture(scope="module")
def compliant(create_compliant, register, tokens, alice):
    """A compliant index governed by `governance` (an issuer's multisig), alice a registered holder of 10."""
    index = create_compliant(tokens)
    for token, owed in zip(tokens, index.preview_mint(10 * ONE), strict=True):
        token.mint(alice, owed, sender=alice)
        token.approve(index, owed, sender=alice)
    register(alice)
    index.mint(10 * ONE, alice, sender=alice)
    return index


def test_bootstrap__deploy_handover_delegate_and_vote_accept_governance__the_timelock_governs_the_index(
    compliant, deployment_file, tmp_path, chain, governance, alice
):
    dep = ["--deployment", str(deployment_file)]
    records = tmp_path / "governors.json"
    result = run(
        "deploy",
        "--token",
        compliant.address,
        "--account",
        "TEST::0",
        "--voting-period",
        "5",
        "--out",
        str(records),
        *dep,
    )
    assert result.exit_code == 0, result.output
    record = json.loads(records.read_text())["CIDX"]
    assert record["token"] == compliant.address
    governor = governor_container().at(record["governor"])
    gov = ["--governor", governor.address, *dep]

    result = run("handover", "--index", compliant.address, *gov, "--account", "TEST::1")
    assert result.exit_code == 0, result.output
    assert compliant.pending_governance() == record["timelock"]
    result = run("delegate", "--token", compliant.address, "--account", "TEST::4", *dep)
    assert result.exit_code == 0, result.output
    assert compliant.getVotes(alice) == 10 * ONE

    result = run("propose", "index.accept_governance", "--address", compliant.address, "--description", "Take the index", *gov,
                 "--account", "TEST::4")  # fmt: skip
    pid = proposal_id(result)
    mine_past(chain, governor.proposalSnapshot(int(pid, 16)))
    assert run("vote", "--id", pid, "--support", "for", *gov, "--account", "TEST::4").exit_code == 0
    mine_past(chain, governor.proposalDeadline(int(pid, 16)))
    assert run("queue", "--id", pid, *gov, "--account", "TEST::4").exit_code == 0
    chain.pending_timestamp = governor.proposalEta(int(pid, 16)) + 1
    chain.mine()
    result = run("execute", "--id", pid, *gov, "--account", "TEST::4")
    assert result.exit_code == 0, result.output
    assert compliant.governance() == record["timelock"]


def test_propose__via_a_compliant_index__the_proposal_calls_govern_on_the_inner_vault(
    compliant, deployed, deployment_file, chain
):
    governor = deployed[0]
    vault = compliant.vault()
    result = run("propose", "set_fees", "management_fee=0", "mint_fee=0", "redeem_fee=100", "--address", vault,
                 "--via", compliant.address, "--description", "Fees through govern", "--governor", governor.address,
                 "--deployment", str(deployment_file), "--account", "TEST::4")  # fmt: skip
    assert result.exit_code == 0, result.output
    inner_call = governor_script.ACTIONS["set_fees"].calldata(
        "propose_fees", {"management_fee": 0, "mint_fee": 0, "redeem_fee": 100}
    )
    expected = proposal(
        [(compliant.address, governor_script.govern_calldata(vault, bytes.fromhex(inner_call[2:])))],
        "Fees through govern",
    )
    assert proposal_id(result) == f"{expected.id:#x}"
    assert bytes(compliant.govern.encode_input(vault, bytes.fromhex(inner_call[2:]))) == expected.calldatas[0]


def test_handover__not_the_index_governance__refused_with_the_index_reason(compliant, deployed, deployment_file):
    result = run("handover", "--index", compliant.address, "--governor", deployed[0].address, "--deployment", str(deployment_file),
                 "--account", "TEST::4")  # fmt: skip
    assert result.exit_code == 1
    assert "compliant_index: not governance" in result.output


def test_deploy__threshold_not_a_number__usage_error_before_sending(votes, deployment_file, tmp_path, deployer):
    nonce = deployer.nonce
    result = run("deploy", "--token", votes.address, "--threshold", "lots", "--account", "TEST::0",
                 "--deployment", str(deployment_file), "--out", str(tmp_path / "g.json"))  # fmt: skip
    assert result.exit_code == 2 and "'lots' is not a number of votes" in result.output
    assert deployer.nonce == nonce


def test_deploy__quorum_above_100__refused_before_sending(votes, deployment_file, tmp_path, deployer):
    nonce = deployer.nonce
    result = run("deploy", "--token", votes.address, "--quorum", "101", "--account", "TEST::0",
                 "--deployment", str(deployment_file), "--out", str(tmp_path / "g.json"))  # fmt: skip
    assert result.exit_code == 1 and "quorum 101 % is not a percentage" in result.output
    assert deployer.nonce == nonce
