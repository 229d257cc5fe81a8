"""Data health: contracts run as checks, results, incidents."""
