"""The keeper's log lines, the same under `keeper run` and the Silverback bot: one handler on the `keeper` logger,
UTC date-times, and no propagation to the root logger, so neither ape's nor Silverback's own handlers print a
keeper line twice (and the keeper never prints theirs twice either)."""

import logging
import sys
import time

FORMAT = "%(asctime)s UTC %(levelname)s %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


class UtcFormatter(logging.Formatter):
    converter = time.gmtime


def configure_logging(verbose: bool = False, stream=None) -> logging.Logger:
    """Give the `keeper` logger its one handler (replacing any earlier one of ours) and return it."""
    logger = logging.getLogger("keeper")
    for handler in [h for h in logger.handlers if getattr(h, "keeper_handler", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.keeper_handler = True
    handler.setFormatter(UtcFormatter(FORMAT, DATE_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    return logger
