"""dlcv-labs' instructor tooling: build the lab notebooks, grade submissions in a sandbox, export gradebooks."""

__version__ = "0.1.0"
