"""keeper.logs: the keeper's lines carry UTC date-times and go through one handler of its own, so neither ape's nor
Silverback's handlers (nor a root handler) print any line twice."""

import io
import logging
import re

import pytest
from click.testing import CliRunner

from keeper.cli import main
from keeper.logs import configure_logging


@pytest.fixture(autouse=True)
def keeper_logger_restored():
    """Other tests read the keeper's records through the root logger (pytest's caplog): leave it as found."""
    logger = logging.getLogger("keeper")
    handlers, propagate, level = list(logger.handlers), logger.propagate, logger.level
    yield
    logger.handlers[:] = handlers
    logger.propagate, logger.level = propagate, level


def test_configure_logging__info_line__utc_date_time_level_and_message_once():
    stream = io.StringIO()
    logger = configure_logging(stream=stream)

    logger.info("final: rebalance:0xabc in block 7 (tx 0x12)")

    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC INFO final: rebalance:0xabc in block 7 \(tx 0x12\)\n",
                        stream.getvalue())  # fmt: skip


def test_configure_logging__called_twice__still_one_handler_and_no_propagation_to_root():
    configure_logging(stream=io.StringIO())
    logger = configure_logging(stream=io.StringIO())

    assert len([h for h in logger.handlers if getattr(h, "keeper_handler", False)]) == 1
    assert logger.propagate is False


def test_keeper_command__run__adds_no_root_handler_so_ape_lines_are_not_printed_twice(tmp_path):
    root = logging.getLogger()
    before = list(root.handlers)

    result = CliRunner().invoke(main, ["reset", "--data-dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert root.handlers == before
