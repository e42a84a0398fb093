from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class NewsPage(Page):
    body = RichTextField("正文", blank=True, features=["bold", "italic", "link", "ol", "ul", "h2", "h3"])

    content_panels = Page.content_panels + [FieldPanel("body")]

    class Meta:
        verbose_name = "新闻稿"
