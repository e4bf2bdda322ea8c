"""The code that runs inside the sandbox, next to the student's code.

This package is copied into a runtime folder and started with ``python -I``; it imports only the standard
library and NumPy, and nothing else of ``autograder`` (which the sandbox hides). Everything it sends back is
plain data that the trusted grader decodes strictly: nothing here is trusted.
"""
