"""Logging for the server: one line per record, and a last-line guard that masks secrets.

Code never logs secrets on purpose; the guard catches what a library might echo (an Authorization
header in an exception, a token in a URL). It works twice over: every secret the process has seen
(``secretbox.remember``) is replaced by its mask, and token-shaped text after SSWS/Bearer/api_key= is
blanked. The formatter applies it to the whole formatted record, tracebacks included.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from tenantsim.secretbox import scrub

_SECRET_PATTERNS = [
    re.compile(r"(SSWS|Bearer)\s+[A-Za-z0-9._:/+=-]{6,}", re.IGNORECASE),
    re.compile(r"sk-ant-[A-Za-z0-9_-]{6,}"),
    re.compile(r"(?i)(x-api-key|api_key|token|password|secret)(['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9._:/+=-]{6,}"),
]


def redact(text: str) -> str:
    text = scrub(text)
    text = _SECRET_PATTERNS[0].sub(lambda m: f"{m.group(1)} ***", text)
    text = _SECRET_PATTERNS[1].sub("sk-ant-***", text)
    return _SECRET_PATTERNS[2].sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)


class RedactingFilter(logging.Filter):
    """For handlers we do not format ourselves: cleans the message (not the traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then redacts the whole text: message, exception and stack alike."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes, not to the one there was at start: the CLI
    run inside another program (a test runner capturing output) must not keep a stream that is closed."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO | None) -> None:
        pass


def configure_logging(level: str = "info", stream: TextIO | None = None) -> logging.Handler:
    """Send every record to one stream (stderr by default) through the redacting formatter."""
    handler = logging.StreamHandler(stream) if stream is not None else CurrentStderrHandler()
    handler.setFormatter(RedactingFormatter(LOG_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
