"""Reading customers' media: what it is (probe), its samples (decode), where the speech is (vad)."""
