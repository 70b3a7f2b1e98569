"""The one error type of gpqi.codelists."""


class CodelistError(ValueError):
    """A codelist slug is unknown or a codelist file is malformed."""
