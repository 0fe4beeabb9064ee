"""`keeper backtest` as an operator runs it: strategies over the bundled CSV, one row each beside buy-and-hold."""

from click.testing import CliRunner

from keeper.cli import main


def test_backtest__two_strategies__one_row_each_and_the_reference():
    result = CliRunner().invoke(main, ["backtest", "--strategy", "momentum", "--strategy", "equal-weight"])

    assert result.exit_code == 0, result.output
    rows = [line.split()[0] for line in result.output.splitlines()[2:]]
    assert rows == ["momentum", "equal-weight", "buy-and-hold"]


def test_backtest__missing_csv__exits_2_naming_the_file():
    result = CliRunner().invoke(main, ["backtest", "--prices", "no/such.csv"])

    assert result.exit_code == 2 and "'no/such.csv' does not exist" in result.output


def test_backtest__unknown_strategy__exits_2_listing_the_choices():
    result = CliRunner().invoke(main, ["backtest", "--strategy", "astrology"])

    assert result.exit_code == 2 and "'astrology' is not one of" in result.output
