"""Creating, running and ending translation jobs."""
