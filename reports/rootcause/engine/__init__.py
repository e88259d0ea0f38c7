"""The root-cause ranking itself: series on one grid in, ranked candidates out. Pure NumPy (no
database, no dates: block indices), so the known-answer tests feed it simulated plants directly
and reports.rootcause.inputs feeds it the historian and the batch records.

How a candidate is scored (each factor 0–1, their product is the score):

- explained: R² of the target over the analysis window (around the target's change) on the
  candidate carried to the target — through the RTD model where the candidate's unit has one
  to the line's outlet (convolved with its exit-age distribution, plus at most two minutes of
  further transport found by search), else shifted by the lag of best lagged cross-correlation.
- timing: through an RTD the fit over the window judges the timing; by cross-correlation, does
  the carried change begin when the target's does (a Gaussian in the difference,
  σ a quarter of the lag, at least three blocks, or half the time the target's change took to
  be noticed when that is longer — a slow change's onset is less certain)?
- size: how far the candidate's own change stands out of its noise (in long-run σ, 1 − e^(−z/3)).
- lag prior: without a physical path, a long lag is less likely than a short one (e^(−lag/30 min)).
- consequence: a candidate whose change began after the target's is a consequence, not a cause
  (× 0.05, flagged); so is one that moves with the target exactly, its noise included, at no
  lag — the same quantity measured or computed twice; one whose change is explained by an
  earlier candidate's (R² × lag prior ≥ 0.7, the earlier one explaining the target at least
  80 % as well and scoring at least half as high) follows it (× 1 − 0.8·R², and says which).
- feedback loops: a set-point tag `X_SP` beside `X` on one unit makes a loop; the unit's signal
  whose moves follow a PI law of the loop's error is its controller output. The output is
  scored on its own moves only — what the law does not explain — and its score is scaled by
  the share of its move the law leaves unexplained, so a controller answering a disturbance
  or a set-point change (its output moving as early as, or before, what it controls) is not
  taken for a cause, while an actuator moving by itself still is.

Events (lot switches, step entries, changes of state tags) are scored like tags, their shape a
step (or a pulse while a state lasts), with no size factor; without an RTD path their moment is
known, so the delay is the time from it to the target's change (under the lag prior).
"""

from reports.rootcause.engine.model import (
    Candidate,
    Event,
    Path,
    Problem,
    Ranking,
    Signal,
)
from reports.rootcause.engine.ranker import rank

__all__ = ["Candidate", "Event", "Path", "Problem", "Ranking", "Signal", "rank"]
