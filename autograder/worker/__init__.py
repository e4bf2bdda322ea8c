"""The code that runs inside the sandbox, next to the student's code.

This package is copied into a runtime folder and started with ``python -I``; it imports only the standard
library and NumPy (the warm parent also labkit, which is public), and nothing else of ``autograder`` (which the
sandbox hides). Everything it sends back is
plain data that the trusted grader decodes strictly: nothing here is trusted.

Sandbox side only: ``main`` (entry point of a cold worker), ``warm_parent`` (a preloaded process that forks
workers and never runs student code), ``lockdown`` (namespaces, covers, limits, private user, in order),
``userns`` (the same without root: a user namespace, the fork into a PID namespace, dropping every capability),
``deferred`` (heavy imports on first use), ``serve`` (the request loop).
Both sides: ``protocol`` (frames and values; the grader uses its strict decoder on every reply) and ``callbacks``
(functions hidden tests pass to student code: evaluated by the grader, except ``BUILT_IN_WORKER`` objects such as
a seeded generator).
"""
