"""Session state storage: the MongoDB checkpointer and the embedded database launcher."""
