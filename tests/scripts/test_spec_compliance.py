"""The `compliance:` section of an index spec (scripts/_spec.py): every validation error with its exact message
beside an accepted twin at the limit, the example income.yaml, and the factory argument layout of
`create_compliant_vault`. Pure Python: no chain."""

from decimal import Decimal
from pathlib import Path

import pytest
from test_spec import ACCOUNTS, minimal, parse

from scripts._spec import (
    MAX_BLOCKED_COUNTRIES,
    MAX_INITIAL_ROLES,
    MAX_LOCKUP,
    ComplianceSpec,
    SpecError,
    compliance_params,
    create_compliant_vault_args,
    create_vault_args,
    load_spec,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ONE = 10**18
DAY = 86_400
REGISTRY = "0x" + "ab" * 20


def with_compliance(**fields) -> dict:
    spec = minimal()
    spec["compliance"] = {"registry": "deploy", **fields}
    return spec


def error_of(spec: dict) -> str:
    with pytest.raises(SpecError) as error:
        parse(spec)
    return str(error.value)


def test_compliance__absent__a_plain_index():
    assert parse(minimal()).compliance is None


def test_compliance__registry_deploy_and_defaults__no_limits():
    assert parse(with_compliance()).compliance == ComplianceSpec(None, (), 0, 0, 0, ())


def test_compliance__every_field__parsed():
    spec = parse(
        with_compliance(
            registry=REGISTRY,
            blocked_countries=[408, "004"],
            max_holders=500,
            max_balance=Decimal("1.5"),
            lockup="30d",
            agents=["deployer", "0x" + "01" * 20],
        )
    )
    assert spec.compliance == ComplianceSpec(
        "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB", (408, 4), 500, 3 * ONE // 2, 30 * DAY,
        (ACCOUNTS["deployer"], "0x0101010101010101010101010101010101010101"),
    )  # fmt: skip


def test_income_example__parses_as_a_compliant_index():
    from test_spec import parse as parse_with_world

    spec = parse_with_world(load_spec(EXAMPLES / "income.yaml"), accounts={**ACCOUNTS, "agent": "0x" + "a9" * 20})
    assert spec.compliance.registry is None and spec.compliance.blocked_countries == (408, 364, 760, 192)
    assert spec.compliance.max_balance == 100_000 * ONE and spec.compliance.lockup == 30 * DAY


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"registry": None}, "compliance.registry: required field is missing"),
        ({"registry": "new"}, 'compliance.registry: expected an IdentityRegistry\'s 0x address or "deploy", got \'new\''),
        ({"registry": "0x" + "00" * 20}, "compliance.registry: the zero address cannot be a registry"),
        ({"registry": "0x12"}, "compliance.registry: '0x12' is not an address (0x and 40 hex digits)"),
        ({"rules": 1}, ("compliance.rules: unknown field (expected one of registry, blocked_countries, max_holders, "
                       "max_balance, lockup, agents)")),
        ({"blocked_countries": 408}, ("compliance.blocked_countries: expected a list of ISO 3166-1 numeric codes, "
                                     "got the number 408")),
        ({"blocked_countries": [1000]}, "compliance.blocked_countries[0]: 1000 is not an ISO 3166-1 numeric code (1..999)"),
        ({"blocked_countries": [0]}, "compliance.blocked_countries[0]: 0 is not an ISO 3166-1 numeric code (1..999)"),
        ({"blocked_countries": ["KP"]}, ("compliance.blocked_countries[0]: expected an ISO 3166-1 numeric code such as "
                                        "840 or \"004\", got 'KP'")),
        ({"blocked_countries": [408, "408"]}, ("compliance.blocked_countries[1]: duplicate of "
                                              "compliance.blocked_countries[0] (408)")),
        ({"blocked_countries": list(range(1, MAX_BLOCKED_COUNTRIES + 2))},
         "compliance.blocked_countries: 17 countries, above the contract's limit of 16"),
        ({"max_holders": -1}, "compliance.max_holders: must not be negative, got -1"),
        ({"max_holders": True}, ("compliance.max_holders: expected a whole number, got the boolean true (YAML reads "
                                "yes/no/on/off as booleans: quote it if it is text)")),
        ({"max_balance": "lots"}, "compliance.max_balance: expected a number of index tokens, got 'lots'"),
        ({"max_balance": Decimal("0.0000000000000000001")},
         "compliance.max_balance: 1E-19 has more than 18 decimal places"),
        ({"lockup": "1y"}, "compliance.lockup: expected seconds or a duration such as 90s, 15m, 1h or 2d, got '1y'"),
        ({"lockup": MAX_LOCKUP + 1}, "compliance.lockup: 157680001s is above 1825d (five years): a typo?"),
        ({"agents": ["nobody"]}, "compliance.agents[0]: unknown account 'nobody' (known: deployer, dao, keeper)"),
        ({"agents": ["dao", "dao"]}, "compliance.agents[1]: duplicate of compliance.agents[0]"),
        ({"agents": ["0x" + "00" * 20]}, "compliance.agents[0]: the zero address cannot be an agent"),
        ({"agents": ["0x" + f"{i + 1:040x}" for i in range(MAX_INITIAL_ROLES + 1)]},
         "compliance.agents: 9 agents, above 8 (governance can add more later)"),
    ],
)  # fmt: skip
def test_compliance__bad_field__names_it(fields, message):
    assert error_of(with_compliance(**fields)) == message


def test_compliance__limits_at_their_bounds__accepted():
    # The twins of the errors above: the largest lists and values that are still valid.
    spec = parse(
        with_compliance(
            blocked_countries=list(range(1, MAX_BLOCKED_COUNTRIES + 1)),
            lockup=MAX_LOCKUP,
            max_balance=Decimal("0.000000000000000001"),
            agents=["0x" + f"{i + 1:040x}" for i in range(MAX_INITIAL_ROLES)],
        )
    )
    assert len(spec.compliance.blocked_countries) == 16 and spec.compliance.lockup == MAX_LOCKUP
    assert spec.compliance.max_balance == 1 and len(spec.compliance.agents) == 8


def test_compliance__not_a_mapping__refused():
    spec = minimal()
    spec["compliance"] = ["deploy"]
    assert error_of(spec) == (
        "compliance: expected a mapping of fields (registry, blocked_countries, max_holders, max_balance, lockup, "
        "agents), got a list"
    )


def test_create_compliant_vault_args__plain_arguments_then_the_compliance_params():
    spec = parse(with_compliance(blocked_countries=[408], max_holders=2, max_balance=10, lockup="1d"))
    units = [1, 2]
    args = create_compliant_vault_args(spec, units, "0x" + "0c" * 20, REGISTRY)
    assert args[:-1] == create_vault_args(spec, units, "0x" + "0c" * 20)
    assert args[-1] == ("0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB", [408], 2, 10 * ONE, DAY)


def test_compliance_params__plain_index__refused():
    with pytest.raises(ValueError, match="TI is a plain index"):
        compliance_params(parse(minimal()), REGISTRY)
