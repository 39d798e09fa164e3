"""The project's own conversation suite: customers' conversations graded turn by turn."""
