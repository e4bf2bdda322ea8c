"""Public self-checks, one module per lab topic. Each check uses small known cases and closed forms only."""
