"""gpqi: shared quality indicators for groups of general practices.

The data flow is ingest -> cdm snapshot -> engine -> stats -> web/reports; each stage is a
package of its own (see docs/architecture.md).
"""

__version__ = "0.1.0"
