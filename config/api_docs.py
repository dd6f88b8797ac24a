"""The API's Swagger UI page under the site's Content Security Policy.

drf-spectacular's split view serves the page's start-up script at the page's own address
(?script=) instead of inline; our template drops the inline <style> block of the stock one.
"""

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "config/api_docs.html"
