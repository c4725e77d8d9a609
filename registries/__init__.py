"""Adapters for the external registries (SDP, BNSP): a simulator and an HTTP client each."""
