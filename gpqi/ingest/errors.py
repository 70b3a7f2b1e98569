"""The one exception the ingest raises for an extract it cannot take as a whole.

Messages name the file (and the column or row where that helps) but never a value from the
data: extracts hold patient records, and exception text ends up in terminals and logs.
"""

from __future__ import annotations


class IngestError(RuntimeError):
    """The extract cannot be ingested (unreadable file, wrong columns, bad layout).

    Raised before anything is published: the workspace is left exactly as it was.
    """
