from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreForAuthenticatedMiddleware:
    """Pages shown to a signed-in user are never kept by the browser or a proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
