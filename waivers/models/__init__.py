from .audit import ReviewQueueItem, WaiverAuditEntry
from .codes import NaicsCode, PscCode
from .data_version import DataVersion
from .details import JonesActDetail, PricePreference, UrgentReport
from .snapshot import FigureSnapshot
from .waiver import Waiver, WaiverInternal, WaiverQuerySet, WaiverStatusChange, new_public_id

__all__ = [
    "DataVersion",
    "FigureSnapshot",
    "JonesActDetail",
    "NaicsCode",
    "PricePreference",
    "PscCode",
    "ReviewQueueItem",
    "UrgentReport",
    "Waiver",
    "WaiverAuditEntry",
    "WaiverInternal",
    "WaiverQuerySet",
    "WaiverStatusChange",
    "new_public_id",
]
