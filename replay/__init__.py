"""Replay archived conversations against the current graph, or a changed one, on a shop copy."""
