"""A job's results as an editable transcript: the engine's original, a person's edited
copy, and (later) translations, each with speakers, ordered segments and a revision
history. Models in ``models``; reads in ``selectors``; every change in ``services``."""
