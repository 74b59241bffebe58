from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from core.html import validate_html_fields


class HomePage(Page):
    """The site root. Signed-in officials see their own dashboard on it."""

    intro = RichTextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("首页")

    def clean(self):
        super().clean()
        validate_html_fields(self, "intro")

    def get_context(self, request, *args, **kwargs):
        from cms.dashboard import dashboard_context

        context = super().get_context(request, *args, **kwargs)
        context.update(dashboard_context(request.user))
        return context
