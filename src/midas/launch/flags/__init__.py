"""The launch's hand on the feature flags of ``midas.flags``: permissioned, recorded changes
and the snapshots a rollback restores. Writes in ``services``; reads in ``selectors``."""
