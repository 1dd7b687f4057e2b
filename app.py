"""Kindly's Chalice app: wiring only. Each blueprint parses its input and calls one use case."""

from chalice import Chalice

from chalicelib.coldstart import resume_after_first_request
from chalicelib.routes.api import api
from chalicelib.routes.console import console
from chalicelib.routes.console_accounts import console_accounts
from chalicelib.routes.console_audit import console_audit
from chalicelib.routes.console_policies import console_policies
from chalicelib.routes.console_settings import console_settings
from chalicelib.routes.console_signin import console_signin
from chalicelib.routes.console_tomorrow import console_tomorrow
from chalicelib.routes.feedback import feedback
from chalicelib.routes.http import error_shape_middleware
from chalicelib.routes.links import links
from chalicelib.routes.portal import portal
from chalicelib.routes.queues import queues
from chalicelib.routes.schedules import schedules
from chalicelib.routes.sms import sms
from chalicelib.routes.streams import streams
from chalicelib.routes.sweeps import sweeps
from chalicelib.routes.webhooks import webhooks

app = Chalice(app_name="kindly")
app.register_middleware(error_shape_middleware, "http")
app.register_middleware(resume_after_first_request, "http")
app.register_blueprint(api)
app.register_blueprint(portal)
app.register_blueprint(links)
app.register_blueprint(webhooks)
app.register_blueprint(schedules)
app.register_blueprint(queues)
app.register_blueprint(feedback)
app.register_blueprint(sweeps)
app.register_blueprint(sms)
app.register_blueprint(console)
app.register_blueprint(console_policies)
app.register_blueprint(streams)
app.register_blueprint(console_signin)
app.register_blueprint(console_accounts)
app.register_blueprint(console_audit)
app.register_blueprint(console_settings)
app.register_blueprint(console_tomorrow)
