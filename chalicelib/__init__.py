"""Kindly. Every Lambda function of Kindly's imports this package first: the API's through app.py, and each event
function directly, since chalice names a blueprint's function by its own module (the handler string
chalicelib.routes.queues.remind_worker), so app.py is not loaded there. Hence the collector is held here, before
the rest loads (chalicelib/coldstart.py)."""

from chalicelib.coldstart import hold_collector

hold_collector()
