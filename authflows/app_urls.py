"""authflows' pages for a project's URLconf, in the `authflows` namespace:

    path("", include("authflows.app_urls")),

`authflows.urls` is the standalone site's root URLconf (its admin and language switch
around these same pages).
"""

from authflows.urls import authflows_patterns

app_name = "authflows"
urlpatterns = authflows_patterns
