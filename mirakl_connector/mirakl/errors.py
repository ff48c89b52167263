"""Errors raised by the Mirakl client (contract 1 in docs/architecture.md).

Every error carries the Mirakl operation code, the HTTP status (None when no answer came back),
Mirakl's own message, the per-item ``errors`` list when Mirakl sent one, and whether a retry is
safe. The API key never reaches these objects: the client redacts it before building them.
"""

NETWORK_KINDS = ("timeout", "dns", "tls", "connection", "malformed")


class MiraklError(Exception):
    """Base class of every error the Mirakl client raises."""

    retryable = False

    def __init__(self, message, operation=None, status=None, errors=None, retryable=None,
                 code=None):
        self.message = message or ""
        self.code = code  # Mirakl's machine code when it sent one, e.g. ORDER_INVALID_STATE
        self.operation = operation
        self.status = status
        self.errors = list(errors or [])
        if retryable is not None:
            self.retryable = retryable
        super().__init__(self.message)

    def __str__(self):
        where = " ".join(str(part) for part in (self.operation, self.status) if part is not None)
        return "%s: %s" % (where, self.message) if where else self.message

    def __repr__(self):
        return "%s(operation=%r, status=%r, message=%r, retryable=%r)" % (
            type(self).__name__,
            self.operation,
            self.status,
            self.message,
            self.retryable,
        )


class MiraklAuthError(MiraklError):
    """401/403: the API key is wrong, revoked, or lacks access to the shop."""


class MiraklNotFoundError(MiraklError):
    """404: the resource does not exist for this shop."""


class MiraklValidationError(MiraklError):
    """400/405/409/415/422: a bad parameter or an entity in the wrong state.

    Mirakl uses 400 for both, so the message and ``errors`` are the only way to tell them apart.
    """


class MiraklRateLimitError(MiraklError):
    """429 from Mirakl, or a call the client-side governor held back; wait ``retry_after`` s."""

    retryable = True

    def __init__(self, message, operation=None, status=None, errors=None, retryable=None,
                 code=None, retry_after=None):
        super().__init__(message, operation, status, errors, retryable, code)
        self.retry_after = retry_after


class MiraklServerError(MiraklError):
    """5xx: Mirakl failed; not retryable when the call may have taken effect (unsafe writes)."""

    retryable = True


class MiraklNetworkError(MiraklError):
    """No usable answer: ``kind`` is one of timeout, dns, tls, connection, malformed."""

    retryable = True

    def __init__(self, message, operation=None, status=None, errors=None, retryable=None,
                 code=None, kind="connection"):
        if kind not in NETWORK_KINDS:
            raise ValueError("unknown network error kind %r (expected one of %s)"
                             % (kind, ", ".join(NETWORK_KINDS)))
        super().__init__(message, operation, status, errors, retryable, code)
        self.kind = kind

    def __repr__(self):
        return "%s(operation=%r, kind=%r, message=%r, retryable=%r)" % (
            type(self).__name__, self.operation, self.kind, self.message, self.retryable)


_CLASS_BY_STATUS = {401: MiraklAuthError, 403: MiraklAuthError, 404: MiraklNotFoundError,
                    429: MiraklRateLimitError}
_VALIDATION_STATUSES = (400, 405, 406, 409, 410, 415, 422)


def error_class_for_status(status):
    """The error class for an HTTP error status (>= 400)."""
    if status in _CLASS_BY_STATUS:
        return _CLASS_BY_STATUS[status]
    if status in _VALIDATION_STATUSES or 400 <= status < 500:
        return MiraklValidationError
    return MiraklServerError
