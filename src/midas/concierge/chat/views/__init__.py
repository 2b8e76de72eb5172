"""Live chat's HTTP: ``visitor`` (the panel's JSON endpoints), ``events`` (the SSE stream,
an async view), ``staff`` (the console)."""
