"""Time-skipping tests of the Temporal workflows, one module per process stage."""
