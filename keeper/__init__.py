"""The index keeper: reads vault state, plans rebalances and sends them (arrives with issue 3 of 4)."""
