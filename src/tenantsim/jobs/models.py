"""Job statuses and the transitions the API allows."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FAILED = "failed"
    CLEANING = "cleaning"
    CLEANED = "cleaned"
    DELETED = "deleted"


# Statuses in which a job has a live worker on some server.
LIVE = (JobStatus.PENDING, JobStatus.RUNNING, JobStatus.PAUSED)
# What cleanup may start from (a running job is stopped first).
CLEANABLE = (JobStatus.PENDING, JobStatus.RUNNING, JobStatus.PAUSED, JobStatus.STOPPED, JobStatus.FAILED,
             JobStatus.CLEANED, JobStatus.CLEANING)
