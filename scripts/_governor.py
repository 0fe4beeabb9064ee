"""Holders' governance of an index through OpenZeppelin's Governor: the artifacts (our IndexGovernor compiled by
`make build/governor/IndexGovernor.json`, OpenZeppelin's TimelockController from npm), deploying the pair, and the
pure parts of a proposal (ids, description hashes, states) that `scripts/governor.py`, the demo and the tests share.

Nothing here touches a chain on import. The Governor's own rules apply unchanged: a proposal is voted on with the
votes delegated at its snapshot block, needs a quorum of the past supply, is queued in the TimelockController
(which holds the index's governance role) and executed after the TimelockController's delay; then the index's own
timelock (and its fee-free exit window) applies to whatever the proposal queued there.
"""

import importlib.util
import json
import re
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from pathlib import Path

import rlp
from ape.contracts import ContractContainer
from eth_abi import decode
from eth_utils import keccak, to_checksum_address
from ethpm_types import ContractType

GOVERNOR_ARTIFACT = Path("build/governor/IndexGovernor.json")
GOVERNOR_SOURCE = Path("governor/IndexGovernor.sol")
TIMELOCK_ARTIFACT = Path("node_modules/@openzeppelin/contracts/build/contracts/TimelockController.json")
ZERO_ADDRESS = "0x" + "00" * 20
# OpenZeppelin's TimelockController roles (keccak of their names).
PROPOSER_ROLE = keccak(text="PROPOSER_ROLE")
EXECUTOR_ROLE = keccak(text="EXECUTOR_ROLE")
CANCELLER_ROLE = keccak(text="CANCELLER_ROLE")
DEFAULT_ADMIN_ROLE = b"\x00" * 32


class GovernorError(Exception):
    """A governor artifact is missing, a setting is out of range, or a proposal is not in the state a step needs."""


class ProposalState(IntEnum):
    """IGovernor.ProposalState, in OpenZeppelin's order."""

    PENDING = 0
    ACTIVE = 1
    CANCELED = 2
    DEFEATED = 3
    SUCCEEDED = 4
    QUEUED = 5
    EXPIRED = 6
    EXECUTED = 7


class Support(IntEnum):
    """GovernorCountingSimple's vote types."""

    AGAINST = 0
    FOR = 1
    ABSTAIN = 2


# What each step needs, and what to tell someone who tries it in another state.
NEXT_STEP = {
    ProposalState.PENDING: "voting has not started: wait for the snapshot block",
    ProposalState.ACTIVE: "voting is open: wait for the deadline",
    ProposalState.CANCELED: "it was cancelled",
    ProposalState.DEFEATED: "it was defeated (against >= for, or the quorum was not reached)",
    ProposalState.SUCCEEDED: "it passed: queue it",
    ProposalState.QUEUED: "it is queued in the timelock: execute it once the delay has passed",
    ProposalState.EXPIRED: "it expired",
    ProposalState.EXECUTED: "it was already executed",
}


@dataclass(frozen=True)
class GovernorSettings:
    """The IndexGovernor's constructor settings and the TimelockController's delay, checked before deploying."""

    name: str = "Index Governor"
    voting_delay: int = 1  # blocks from proposal to snapshot
    voting_period: int = 50_400  # blocks (about a week of 12-second blocks)
    proposal_threshold: int = 0  # votes (token wei) needed to propose
    quorum_percent: int = 4  # of the past total supply (OpenZeppelin's usual 4 %)
    timelock_delay: int = 2 * 86_400  # seconds the TimelockController holds a passed proposal

    def check(self) -> None:
        if not self.name:
            raise GovernorError("the governor needs a name (its EIP-712 domain)")
        if not 0 <= self.voting_delay < 2**48:
            raise GovernorError(f"voting delay {self.voting_delay} is not a uint48 number of blocks")
        if not 0 < self.voting_period < 2**32:
            raise GovernorError(f"voting period {self.voting_period} must be 1 to 2**32 - 1 blocks")
        if not 0 <= self.quorum_percent <= 100:
            raise GovernorError(f"quorum {self.quorum_percent} % is not a percentage")
        if self.proposal_threshold < 0 or self.timelock_delay < 0:
            raise GovernorError("the proposal threshold and the timelock delay cannot be negative")


@dataclass(frozen=True)
class Proposal:
    """What a Governor proposal executes; its id is the Governor's `hashProposal`."""

    targets: tuple[str, ...]
    values: tuple[int, ...]
    calldatas: tuple[bytes, ...]
    description: str

    @property
    def description_hash(self) -> bytes:
        return keccak(text=self.description)

    @property
    def id(self) -> int:
        """`Governor.hashProposal`: keccak256(abi.encode(targets, values, calldatas, descriptionHash))."""
        from eth_abi import encode

        encoded = encode(
            ["address[]", "uint256[]", "bytes[]", "bytes32"],
            [list(self.targets), list(self.values), list(self.calldatas), self.description_hash],
        )
        return int.from_bytes(keccak(encoded), "big")

    def args(self) -> tuple:
        """(targets, values, calldatas, description) for `propose`."""
        return list(self.targets), list(self.values), list(self.calldatas), self.description

    def hashed_args(self) -> tuple:
        """(targets, values, calldatas, descriptionHash) for `queue`, `execute` and `cancel`."""
        return list(self.targets), list(self.values), list(self.calldatas), self.description_hash


def proposal(calls: list[tuple[str, bytes]], description: str, value: int = 0) -> Proposal:
    """A proposal of `(target, calldata)` calls, in order, sending no ether unless `value` (to each)."""
    if not calls:
        raise GovernorError("a proposal needs at least one call")
    if not description.strip():
        raise GovernorError("a proposal needs a description (it is part of its id)")
    return Proposal(
        tuple(to_checksum_address(target) for target, _ in calls),
        tuple(value for _ in calls),
        tuple(bytes(data) for _, data in calls),
        description,
    )


def require_state(state: int, wanted: ProposalState, step: str) -> None:
    """Refuse `step` in one sentence unless the proposal is in `wanted`."""
    if state != wanted:
        raise GovernorError(
            f"cannot {step}: the proposal is {ProposalState(state).name.lower()}; {NEXT_STEP[ProposalState(state)]}"
        )


def create_address(sender: str, nonce: int) -> str:
    """The address a CREATE from `sender` at `nonce` deploys to."""
    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:])


@cache
def _container(path: Path, name: str) -> ContractContainer:
    if not path.is_file():
        hint = "run `make build/governor/IndexGovernor.json`" if path == GOVERNOR_ARTIFACT else "run `make setup`"
        raise GovernorError(f"{path} is missing: {hint}")
    data = json.loads(path.read_text())
    return ContractContainer(
        ContractType(contractName=name, abi=data["abi"], deploymentBytecode={"bytecode": data["bytecode"]})
    )


def governor_container(root: Path | None = None) -> ContractContainer:
    """Our IndexGovernor (OpenZeppelin 5.4.0 compiled by solc-js 0.8.30), deployable and attachable (`.at`). Built
    first (about 10 s, as `make build/governor/IndexGovernor.json` does) when the artifact is missing or older than
    its source, so a fresh clone's scripts work without a make step."""
    root = root or _root()
    artifact, source = root / GOVERNOR_ARTIFACT, root / GOVERNOR_SOURCE
    if source.is_file() and (not artifact.is_file() or artifact.stat().st_mtime < source.stat().st_mtime):
        # Loaded by path: `ape run governor` has a module called `governor` already (scripts/governor.py).
        spec = importlib.util.spec_from_file_location("index_governor_build", root / "governor" / "build.py")
        build = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(build)
        try:
            build.build(artifact)
        except build.GovernorBuildError as error:
            raise GovernorError(str(error)) from None
        _container.cache_clear()
    return _container(artifact, "IndexGovernor")


def timelock_container(root: Path | None = None) -> ContractContainer:
    """OpenZeppelin's TimelockController from the pinned npm package's build artifact."""
    return _container((root or _root()) / TIMELOCK_ARTIFACT, "TimelockController")


def _root() -> Path:
    from ape import project  # deferred: resolving the project is not import-time work

    return Path(project.path)


def _errors() -> dict[bytes, tuple[str, list[str], list[str]]]:
    """selector -> (name, argument names, argument types) of the Governor's and the TimelockController's errors."""
    found = {}
    for container in (governor_container(), timelock_container()):
        for error in container.contract_type.errors:
            types = [str(i.canonical_type) for i in error.inputs]
            found[keccak(text=f"{error.name}({','.join(types)})")[:4]] = (
                error.name,
                [i.name for i in error.inputs],
                types,
            )
    return found


def custom_error(message: str) -> str:
    """`message` with raw revert data (0x...) replaced by the Governor's or timelock's error it encodes, if any."""

    def name(match: re.Match) -> str:
        data = bytes.fromhex(match.group(0)[2:])
        known = _errors().get(data[:4])
        if known is None:
            return match.group(0)
        error, names, types = known
        try:
            values = decode(types, data[4:])
        except Exception:  # noqa: BLE001 -- not this error's encoding after all
            return match.group(0)
        shown = [f"{n}={'0x' + v.hex() if isinstance(v, bytes) else v}" for n, v in zip(names, values)]
        return f"{error}({', '.join(shown)})"

    return re.sub(r"0x[0-9a-fA-F]{8,}", name, message)


def deploy_governor(deployer, token: str, settings: GovernorSettings, root: Path | None = None) -> tuple:
    """Deploy a TimelockController and an IndexGovernor voting with `token`; return (governor, timelock).

    The timelock is deployed first, naming the governor's future address (the deployer's next CREATE) as its only
    proposer and canceller, anyone as executor, and no admin: from the first block nobody but a passed proposal
    can schedule anything, and no one can grant roles. The index must then name the timelock its governance
    (at creation, or `transfer_governance` followed by a proposal that calls `accept_governance`).
    """
    settings.check()
    predicted = create_address(deployer.address, deployer.nonce + 1)
    timelock = timelock_container(root).deploy(
        settings.timelock_delay, [predicted], [ZERO_ADDRESS], ZERO_ADDRESS, sender=deployer
    )
    governor = _deploy_governor(deployer, token, timelock, settings, root)
    if governor.address != predicted:
        raise GovernorError(
            f"the governor landed at {governor.address}, not {predicted}: the timelock names the wrong proposer"
        )
    if not timelock.hasRole(PROPOSER_ROLE, governor.address) or timelock.hasRole(DEFAULT_ADMIN_ROLE, deployer.address):
        raise GovernorError("the timelock's roles are not governor-only")
    return governor, timelock


def _deploy_governor(deployer, token: str, timelock, settings: GovernorSettings, root: Path | None):
    """The IndexGovernor voting with `token` through `timelock`, with `settings`."""
    return governor_container(root).deploy(
        settings.name,
        token,
        timelock.address,
        settings.voting_delay,
        settings.voting_period,
        settings.proposal_threshold,
        settings.quorum_percent,
        sender=deployer,
    )


def deploy_timelock(deployer, delay: int, root: Path | None = None):
    """A TimelockController for a governor not deployed yet (the token it votes with may not exist either: a compliant
    index is created with this timelock as its governance, then the governor for its token). The deployer is its
    admin only until `attach_governor` hands the roles to the governor and renounces."""
    if delay < 0:
        raise GovernorError("the timelock delay cannot be negative")
    return timelock_container(root).deploy(delay, [], [ZERO_ADDRESS], deployer.address, sender=deployer)


def attach_governor(deployer, token: str, timelock, settings: GovernorSettings, root: Path | None = None):
    """Deploy the IndexGovernor for `token` on a timelock from `deploy_timelock`, make it the timelock's only proposer
    and canceller, and renounce the deployer's admin role; returns the governor."""
    settings.check()
    if timelock.getMinDelay() != settings.timelock_delay:
        raise GovernorError(
            f"the timelock's delay is {timelock.getMinDelay()} s, not the settings' {settings.timelock_delay} s"
        )
    governor = _deploy_governor(deployer, token, timelock, settings, root)
    timelock.grantRole(PROPOSER_ROLE, governor.address, sender=deployer)
    timelock.grantRole(CANCELLER_ROLE, governor.address, sender=deployer)
    timelock.renounceRole(DEFAULT_ADMIN_ROLE, deployer.address, sender=deployer)
    if not timelock.hasRole(PROPOSER_ROLE, governor.address) or timelock.hasRole(DEFAULT_ADMIN_ROLE, deployer.address):
        raise GovernorError("the timelock's roles are not governor-only")
    return governor
