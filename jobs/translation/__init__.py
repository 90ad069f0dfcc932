"""Translation: any transcript into another language, as a transcript of its own aligned
segment by segment with its source. ``engines`` are the translators; ``models`` the
translation jobs; ``services`` what creates, runs and bills them; ``api`` Gumzo's
``/translate/``."""
