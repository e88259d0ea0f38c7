"""Batch-record API (API.md, "Lines, lots, RTD and genealogy" and "Electronic batch
records"): thin views over services and selectors."""

from ebr.api.views.batches import (
    BatchCloseView,
    BatchDetailView,
    BatchListView,
    BatchTransitionView,
)
from ebr.api.views.deviations import DeviationDetailView, DeviationListView, DeviationTransitionView
from ebr.api.views.execution import EntryCreateView, EntryVerifyView
from ebr.api.views.genealogy import BackwardView, DiversionView, FeedListView, ForwardView
from ebr.api.views.lines_and_lots import (
    LineDetailView,
    LineListView,
    LotDetailView,
    LotDispositionView,
    LotListView,
)
from ebr.api.views.master_records import MasterDetailView, MasterListView, MasterTransitionView
from ebr.api.views.review import (
    BatchDispositionView,
    BatchExceptionsView,
    ExceptionReviewView,
)
from ebr.api.views.rtd_models import RtdFitView, RtdModelListView

__all__ = [
    "BackwardView",
    "BatchCloseView",
    "BatchDetailView",
    "BatchDispositionView",
    "BatchExceptionsView",
    "BatchListView",
    "BatchTransitionView",
    "DeviationDetailView",
    "DeviationListView",
    "DeviationTransitionView",
    "DiversionView",
    "EntryCreateView",
    "EntryVerifyView",
    "ExceptionReviewView",
    "FeedListView",
    "ForwardView",
    "LineDetailView",
    "LineListView",
    "LotDetailView",
    "LotDispositionView",
    "LotListView",
    "MasterDetailView",
    "MasterListView",
    "MasterTransitionView",
    "RtdFitView",
    "RtdModelListView",
]
