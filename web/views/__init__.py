"""The HTML pages: one blueprint module per area, thin over web.usecases.

No view module imports another; what several share lives in web.views.common (and who may see
what in web.access).
"""
