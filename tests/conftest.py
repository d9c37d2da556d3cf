"""Shared pytest set-up: headless matplotlib for every test."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
