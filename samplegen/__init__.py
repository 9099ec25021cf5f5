"""Seeded generator of realistic sample exports for all four channels."""

from __future__ import annotations

from .generator import generate_samples

__all__ = ["generate_samples"]
