"""What the desk tells the rest of Hark; sent after the change is committed.

``review_delivered(sender, task)``: a reviewer delivered the task (the hold is captured).
``review_refunded(sender, task, reason)``: a reviewer refunded it (the hold released).
The orders app answers these with its callbacks; the desk knows nothing of orders.
"""

from __future__ import annotations

from django.dispatch import Signal

review_delivered = Signal()
review_refunded = Signal()
