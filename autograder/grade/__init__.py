"""Grade submissions: find them, read their code, run the hidden specs against a sandboxed worker, report."""
