"""The shop's typed tools, one module per domain, over the store in `tools/store.py`."""
