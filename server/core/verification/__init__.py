"""Checking a batch end to end from what anyone can fetch (`originxr verify`)."""
