"""Adversarial inputs: each case with its expected status or reject and message."""
