"""Settings every test shares.

Hypothesis's per-example deadline is a timing assertion: on a shared machine, or under mutation
testing (every example runs through mutmut's trampolines), a slow example fails a correct test.
Speed is measured and reported in the docs, never asserted, so no test has a deadline.
"""

from hypothesis import settings

settings.register_profile("gpqi", deadline=None)
settings.load_profile("gpqi")
