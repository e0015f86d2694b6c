"""Every write of the knowledge base: one function per action (M14).

Articles are written by the vendor's staff (the back office, « Rédiger un article » from a closed
DI); the clients' reading, their « Cet article a résolu mon problème » and the desk's replies that
link an article are counted for the vendor's report.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import VENDOR_ROLES
from audit.services import record
from support.attachments import check_upload, clean_filename, sha256_of
from support.models import Message, Status

from . import search
from .models import Article, ArticleFile, ArticleViewDay, Deflection, ReplyLink

# What an article may show: images, and documents to download.
FILE_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "pdf", "txt", "csv", "docx", "xlsx", "odt", "ods", "zip")


def _index(article):
    article.title_stems, article.text_stems = search.article_stems(article.title, article.tags, article.body)


@transaction.atomic
def article_save(article, *, acting_user):
    """Create or change an article (the back office): its search words and its date follow."""
    created = article.pk is None
    if created and article.author_id is None and acting_user is not None:
        article.author = acting_user
    article.tags = ", ".join(article.tag_list())
    article.updated_at = timezone.now()
    _index(article)
    article.full_clean()
    article.save()
    record(
        "kb_article_created" if created else "kb_article_changed",
        actor=acting_user,
        target=article.title,
        article=article.pk,
        product=article.product.name,
        status=article.status,
    )
    return article


@transaction.atomic
def article_set_status(articles, *, acting_user, status):
    """Publish or withdraw (back to draft) articles; returns how many changed."""
    changed = 0
    for article in Article.objects.filter(pk__in=[a.pk for a in articles]).select_for_update():
        if article.status == status:
            continue
        article.status = status
        article.updated_at = timezone.now()
        article.save(update_fields=["status", "updated_at"])
        record(f"kb_article_{status}", actor=acting_user, target=article.title, article=article.pk)
        changed += 1
    return changed


@transaction.atomic
def article_delete(article, *, acting_user):
    names = [(stored.file.storage, stored.file.name) for stored in article.files.all()]
    record("kb_article_deleted", actor=acting_user, target=article.title, article=article.pk)
    article.delete()
    for storage, name in names:
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


def check_article_file(upload):
    """(name, content type) of an acceptable image or document, its content checked as DI
    attachments are (support.attachments); a French ValidationError otherwise."""
    name = clean_filename(upload.name or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in FILE_EXTENSIONS:
        raise ValidationError(
            _("« %(name)s » : ce type de fichier n'est pas accepté dans un article. Types acceptés : %(types)s.")
            % {"name": name, "types": ", ".join(FILE_EXTENSIONS)}
        )
    return check_upload(upload)


def article_file_add(article, upload, *, acting_user):
    """Store an image or a document of an article (checked by ``check_article_file``)."""
    name, content_type = check_article_file(upload)
    stored = ArticleFile(
        article=article,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        sha256=sha256_of(upload),
    )
    stored.file.save("upload", upload, save=False)
    try:
        with transaction.atomic():
            stored.save()
            record("kb_file_added", actor=acting_user, target=f"{article.title} · {name}", file=str(stored.uuid))
    except Exception:
        stored.file.storage.delete(stored.file.name)
        raise
    return stored


@transaction.atomic
def article_file_delete(stored, *, acting_user):
    storage, name = stored.file.storage, stored.file.name
    record("kb_file_deleted", actor=acting_user, target=stored.original_name, file=str(stored.uuid))
    stored.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- What the report counts -------------------------------------------------------------------


def article_view_record(article, *, user):
    """A client read the article today (the vendor's staff reading it are not counted)."""
    if not user.is_client:
        return
    day = timezone.localdate()
    counter = ArticleViewDay.objects.filter(article=article, day=day)
    if counter.update(views=F("views") + 1):
        return
    try:
        with transaction.atomic():
            ArticleViewDay.objects.create(article=article, day=day, views=1)
    except IntegrityError:  # created meanwhile by a concurrent request
        counter.update(views=F("views") + 1)


@transaction.atomic
def deflection_record(article, *, acting_user, request=None):
    """« Cet article a résolu mon problème »: the DI being typed was not needed (no DI is filed)."""
    if not acting_user.is_client:
        raise PermissionDenied(_("Seul un client qui dépose une DI peut indiquer qu'un article l'a résolue."))
    deflection = Deflection.objects.create(
        article=article, product_id=article.product_id, user=acting_user, establishment_id=acting_user.establishment_id
    )
    record("kb_deflection", actor=acting_user, request=request, target=article.title, article=article.pk)
    return deflection


def _article_link():
    """A regular expression of the links to an article (its number in group 1), absolute or not."""
    path = reverse("knowledge:detail", args=[0]).removesuffix("0/")
    return re.compile(re.escape(path) + r"(\d+)/")


PUBLIC_KINDS = (Message.Kind.MESSAGE, Message.Kind.QUESTION, Message.Kind.CLOSURE_PROPOSED)


def reply_links_record(message):
    """The articles a reply of the vendor's staff links to (called for every saved message, by
    knowledge.apps; reads nothing unless the text holds such a link)."""
    if message.kind not in PUBLIC_KINDS or "/articles/" not in message.body:
        return 0
    numbers = {int(number) for number in _article_link().findall(message.body)}
    if not numbers or not message.author.is_vendor:
        return 0
    existing = set(Article.objects.filter(pk__in=numbers).values_list("pk", flat=True))
    links = [ReplyLink(article_id=pk, message=message) for pk in sorted(existing)]
    ReplyLink.objects.bulk_create(links, ignore_conflicts=True)
    return len(links)


# --- « Rédiger un article » from a closed DI ----------------------------------------------------

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<!\d)(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
REMOVED = "[…]"


def _final_answer(ticket):
    """The last message of the vendor's staff that the client read (a closure proposal, most often)."""
    return (
        Message.objects.filter(ticket=ticket, kind__in=PUBLIC_KINDS, author__role__in=VENDOR_ROLES)
        .order_by("-created_at", "-pk")
        .values_list("body", flat=True)
        .first()
    ) or ""


def _client_words(ticket):
    """What names the DI's client: their people, establishment, contract, the DI's number."""
    people = [ticket.owner, ticket.author]
    words = [ticket.establishment.name, ticket.establishment.city, ticket.contract.reference, ticket.number]
    for person in people:
        if person is not None:
            words += [person.full_name, person.first_name, person.last_name, person.email, person.phone]
    return sorted({word.strip() for word in words if word and len(word.strip()) >= 3}, key=len, reverse=True)


def anonymised(text, ticket):
    """``text`` without the DI's client in it: names, establishment, e-mail addresses, phones."""
    for word in _client_words(ticket):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", REMOVED, text, flags=re.IGNORECASE)
    return PHONE.sub(REMOVED, EMAIL.sub(REMOVED, text))


@transaction.atomic
def article_draft_from_ticket(ticket, *, acting_user):
    """« Rédiger un article »: a draft on the DI's product, its title the DI's subject, its text the
    DI's final answer, both without anything of the client. Returns (article, created): a DI
    already drafted gives its draft back."""
    if not acting_user.is_vendor:
        raise PermissionDenied(_("Seul le personnel de l'éditeur rédige les articles."))
    if ticket.status != Status.CLOSED:
        raise PermissionDenied(_("Un article se rédige à partir d'une DI clôturée."))
    existing = Article.objects.filter(source_ticket=ticket).order_by("pk").first()
    if existing is not None:
        return existing, False
    answer = anonymised(_final_answer(ticket), ticket).strip()
    body = _("## Solution\n\n%(answer)s\n") % {"answer": answer} if answer else _("## Solution\n\n")
    article = Article(
        product=ticket.contract.product,
        title=anonymised(ticket.subject, ticket)[:200],
        body=body,
        status=Article.Status.DRAFT,
        author=acting_user,
        source_ticket=ticket,
    )
    article_save(article, acting_user=acting_user)
    return article, True
