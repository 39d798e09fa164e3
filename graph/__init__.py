"""The sales graph: a supervisor routes each turn to one of eight agents."""
