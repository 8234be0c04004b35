"""Background work: RQ job entry points and the pure computations they call."""
