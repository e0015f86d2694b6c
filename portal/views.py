from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from news.models import NewsItem


@login_required
def home(request):
    return render(request, "portal/home.html", {"latest_news": NewsItem.objects.current()[:3]})


@login_required
def news_list(request):
    page = Paginator(NewsItem.objects.current(), 10).get_page(request.GET.get("page"))
    return render(request, "portal/news_list.html", {"page": page})
