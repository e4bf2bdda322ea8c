"""Reference solutions for the dlcv-labs course: plain NumPy, one module per lecture topic.

Solution regions sit between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` comment lines inside function
bodies, so each module runs as ordinary Python *and* is the source of the student stubs.
"""
