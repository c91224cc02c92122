"""Sync store revisions, oldest first: the release baseline, then one file per later schema change."""
