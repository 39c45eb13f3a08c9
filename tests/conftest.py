"""Shared test configuration: the deterministic hypothesis profile for the whole suite."""
from autodiff.testing import load_profile

load_profile()
