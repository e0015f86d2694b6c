"""Articles in the back office (M14.1): written in Markdown with a preview, images stored and
served through the checked path, published or withdrawn; in French."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import Event
from knowledge.models import Article, ArticleFile
from testing.knowledge import PNG, write_article


def form(product, **fields):
    return {
        "product": product.pk,
        "title": "Éditer les bulletins",
        "body": "# Étapes\n\n- Ouvrir **Paie**",
        "tags": " paie,  bulletin ,, ",
        "version_from": "2025.1",
        "version_to": "",
        "status": "draft",
        **fields,
    }


def test_the_vendor_admin_writes_an_article_with_an_image(client, vendor_admin, products):
    """M14.1 M8.2"""
    client.force_login(vendor_admin)
    page = client.get(reverse("admin:knowledge_article_add")).content.decode()
    assert "Prévisualiser" in page and "Ajouter des images ou des fichiers" in page
    data = form(products["software"], uploads=[SimpleUploadedFile("écran.png", PNG)])
    response = client.post(reverse("admin:knowledge_article_add"), data)
    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.author, article.tags, article.status) == (vendor_admin, "paie, bulletin", Article.Status.DRAFT)
    assert " bulletin " in article.text_stems and " edit " in article.title_stems
    stored = ArticleFile.objects.get()
    assert (stored.article, stored.original_name, stored.content_type) == (article, "écran.png", "image/png")
    change = client.get(reverse("admin:knowledge_article_change", args=[article.pk])).content.decode()
    file_url = reverse("knowledge:file", args=[stored.uuid])
    assert f"![écran.png]({file_url})" in change  # the Markdown to paste
    assert "<h2>Étapes</h2>" in change  # the saved version's preview
    assert Event.objects.filter(action="kb_article_created", target=article.title).exists()


def test_the_preview_renders_the_typed_text_and_saves_nothing(client, vendor_admin, products):
    """M14.1"""
    client.force_login(vendor_admin)
    response = client.post(reverse("admin:knowledge_article_preview"), form(products["software"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h2>Étapes</h2>" in body and "<strong>Paie</strong>" in body
    assert "Rien n&#x27;est enregistré" in body or "Rien n'est enregistré" in body
    assert not Article.objects.exists()
    assert client.get(reverse("admin:knowledge_article_preview")).status_code == 405


def test_publishing_and_withdrawing_from_the_list(client, vendor_admin, products):
    """M14.1"""
    draft = write_article(products["software"], status=Article.Status.DRAFT)
    client.force_login(vendor_admin)
    changelist = reverse("admin:knowledge_article_changelist")
    client.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED
    response = client.post(changelist, {"action": "withdraw", "_selected_action": [draft.pk]}, follow=True)
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT
    assert "1 article repassé en brouillon." in response.content.decode()


def test_removing_a_file_deletes_it(client, vendor_admin, products):
    """M14.1"""
    client.force_login(vendor_admin)
    client.post(
        reverse("admin:knowledge_article_add"), form(products["software"], uploads=[SimpleUploadedFile("a.png", PNG)])
    )
    article, stored = Article.objects.get(), ArticleFile.objects.get()
    data = form(products["software"], remove_files=[stored.pk])
    assert client.post(reverse("admin:knowledge_article_change", args=[article.pk]), data).status_code == 302
    assert not ArticleFile.objects.exists()
