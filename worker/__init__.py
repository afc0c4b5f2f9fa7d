"""Background work: dramatiq actors for the pipeline steps, the sweeper and the outbox."""
