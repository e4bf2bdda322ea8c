"""Generate student notebooks and executed solution notebooks from the reference module and the lab templates."""
