"""Content-Security-Policy: the site's policy everywhere, a relaxed one for the Wagtail admin.

The site's policy is ``CONTENT_SECURITY_POLICY`` in ``config/settings/base.py``; this module
owns the one exception to it.

Why the Wagtail admin (and only it) is relaxed — found by loading its pages in Chromium
under the site's policy (Wagtail 8.0):

* its templates print inline ``<script>`` blocks with per-page data (InlinePanel, the date
  and time widgets, the listing and report pages), and its JavaScript inserts more of them
  when StreamField blocks and choosers are rendered, so no nonce or hash can cover them:
  ``script-src 'unsafe-inline'``, without a nonce (a nonce would make browsers ignore
  'unsafe-inline');
* its editor bundle (vendor.js) injects ``<style>`` elements: ``style-src 'unsafe-inline'``;
* the page editor shows its live preview in an iframe of a URL under the admin:
  ``frame-ancestors 'self'`` (the preview itself is rendered through a dummy request that
  gets no header of its own, so the admin request's policy is the one sent).

No page needed 'unsafe-eval'. Everything else (default-src, img-src, connect-src,
form-action, base-uri, object-src …) stays as in the site's policy. The Django admin
(/admin/) runs under the site's policy unchanged.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.urls import reverse

WAGTAIL_ADMIN_DIRECTIVES = {
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "frame-ancestors": [SELF],
}


def is_wagtail_admin(path: str) -> bool:
    return path.startswith(reverse("wagtailadmin_home"))


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, with the Wagtail admin's directives replaced for its paths."""

    def process_response(self, request, response):
        # Wagtail renders a page preview by running a dummy request through the middleware
        # (``request.is_dummy``); its header would then win over the admin request's own.
        if getattr(request, "is_dummy", False):
            return response
        return super().process_response(request, response)

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and is_wagtail_admin(request.path_info):
            parts.replace = {**(parts.replace or {}), **WAGTAIL_ADMIN_DIRECTIVES}
        return parts
