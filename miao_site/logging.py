"""Logging helpers (see LOGGING in settings)."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """Log a client error (a 4xx answer: a bad parameter, a refused
    permission) as its one line, without the traceback of the exception
    behind it. Anyone can send such requests; a traceback each would let
    them fill the log. Server errors (5xx) keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
