"""The rollback: back to the last good state, each step timed and recorded. Writes in
``services`` (``rollback_run``); what it would do in ``preview``; the steps themselves in
``steps``; what a database restore would lose, counted and exported, in ``export``."""
