"""The launch's periodic jobs, one module per area (``@periodic`` + ``@task()``), imported by
``midas.launch.tasks`` so the worker registers them."""
