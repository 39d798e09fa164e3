"""One module per agent: its prompt, its tools, and its offline planner."""
