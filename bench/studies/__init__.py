"""Recorded studies, run by hand: quality over seeds, objectives, distributed runs, costs."""
