"""Upserting the vendor's master data by its own references (SPEC M15.3): establishments,
products, contracts and client accounts, from the API or a CSV file.

One import is one transaction: every line is checked, and if one line is wrong nothing is written
(the report names each wrong line and field). A dry run checks and counts, then writes nothing.
Importing the same lines again changes nothing (« inchangés »). The columns, for the API's JSON as
for the CSV's header:

- etablissements: reference, nom, type, finess, siret, adresse, code_postal, commune, telephone, email
- produits: reference, nom, nature (software / legal), description
- contrats: reference, numero_contrat, etablissement (its reference), produit (its reference),
  debut, fin (AAAA-MM-JJ or JJ/MM/AAAA), actif (oui / non)
- comptes: reference, email, prenom, nom, profil (agent / admin / referent), etablissement (its
  reference), telephone, fonction. A new account is invited by e-mail to choose its password;
  its profile and establishment change only in « Collaborateurs ».
"""

import csv
import io
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import CLIENT_ROLES, User, normalize_email
from accounts.services import user_invite
from audit.services import record
from establishments.models import Contract, Establishment, Product

from .models import ExternalReference, Kind

MAX_LINES = 50_000
TRUE = {"oui", "o", "1", "true", "vrai", "yes", "y", ""}
FALSE = {"non", "n", "0", "false", "faux", "no"}
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class Rows(forms.Form):
    reference = forms.CharField(max_length=100)


class EstablishmentRow(Rows):
    nom = forms.CharField(max_length=200)
    type = forms.ChoiceField(choices=Establishment.Kind.choices, required=False)
    finess = forms.CharField(max_length=9, required=False)
    siret = forms.CharField(max_length=14, required=False)
    adresse = forms.CharField(max_length=255, required=False)
    code_postal = forms.CharField(max_length=5, required=False)
    commune = forms.CharField(max_length=120, required=False)
    telephone = forms.CharField(max_length=30, required=False)
    email = forms.EmailField(required=False)

    FIELDS = {
        "nom": "name",
        "type": "kind",
        "finess": "finess",
        "siret": "siret",
        "adresse": "address",
        "code_postal": "postal_code",
        "commune": "city",
        "telephone": "phone",
        "email": "email",
    }


class ProductRow(Rows):
    nom = forms.CharField(max_length=100)
    nature = forms.ChoiceField(choices=Product.Kind.choices)
    description = forms.CharField(required=False)

    FIELDS = {"nom": "name", "nature": "kind", "description": "description"}


class YesNoField(forms.CharField):
    def to_python(self, value):
        text = (value or "").strip().lower() if not isinstance(value, bool) else ("oui" if value else "non")
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise forms.ValidationError(_("Répondez « oui » ou « non »."))


class ContractRow(Rows):
    numero_contrat = forms.CharField(max_length=50)
    etablissement = forms.CharField(max_length=100)
    produit = forms.CharField(max_length=100)
    debut = forms.DateField(input_formats=DATE_FORMATS)
    fin = forms.DateField(input_formats=DATE_FORMATS, required=False)
    actif = YesNoField(required=False)

    FIELDS = {"numero_contrat": "reference", "debut": "start_date", "fin": "end_date", "actif": "is_active"}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("fin") and cleaned.get("debut") and cleaned["fin"] < cleaned["debut"]:
            self.add_error("fin", _("La fin précède le début."))
        return cleaned


class AccountRow(Rows):
    email = forms.EmailField()
    prenom = forms.CharField(max_length=100)
    nom = forms.CharField(max_length=100)
    profil = forms.ChoiceField(choices=[(role.value, role.label) for role in CLIENT_ROLES])
    etablissement = forms.CharField(max_length=100)
    telephone = forms.CharField(max_length=30, required=False)
    fonction = forms.CharField(max_length=120, required=False)

    FIELDS = {
        "email": "email",
        "prenom": "first_name",
        "nom": "last_name",
        "telephone": "phone",
        "fonction": "function",
    }


ROW_FORMS = {
    Kind.ESTABLISHMENTS: EstablishmentRow,
    Kind.PRODUCTS: ProductRow,
    Kind.CONTRACTS: ContractRow,
    Kind.ACCOUNTS: AccountRow,
}
MODELS = {Kind.ESTABLISHMENTS: Establishment, Kind.PRODUCTS: Product, Kind.CONTRACTS: Contract, Kind.ACCOUNTS: User}


def columns(kind):
    return list(ROW_FORMS[kind].base_fields)


@dataclass
class Report:
    kind: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # (line, column or "", message)

    @property
    def ok(self):
        return not self.errors

    @property
    def written(self):
        return self.ok and not self.dry_run

    def as_dict(self):
        return {
            "type": self.kind,
            "simulation": self.dry_run,
            "enregistre": self.written,
            "crees": self.created,
            "modifies": self.updated,
            "inchanges": self.unchanged,
            "erreurs": [
                {"ligne": line, "colonne": column, "message": message} for line, column, message in self.errors
            ],
        }


class LineError(Exception):
    def __init__(self, column, message):
        super().__init__(message)
        self.column, self.message = column, message


def _find(kind, reference):
    link = ExternalReference.objects.filter(kind=kind, reference=reference).first()
    if link is None:
        return None
    return MODELS[kind].objects.filter(pk=link.object_id).first()


def _referenced(kind, reference, column):
    found = _find(kind, reference)
    if found is None:
        raise LineError(column, _("Aucun objet de référence « %(ref)s » : importez-le d'abord.") % {"ref": reference})
    return found


def _apply(obj, values):
    """Set ``values`` on ``obj``; whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _values(form):
    data = form.cleaned_data
    values = {model_field: data[column] for column, model_field in form.FIELDS.items()}
    if "kind" in values and not values["kind"] and isinstance(form, EstablishmentRow):
        values["kind"] = Establishment.Kind.HOSPITAL
    if "is_active" in values and values["is_active"] is None:
        values["is_active"] = True
    if "email" in values and isinstance(form, AccountRow):
        values["email"] = normalize_email(values["email"])
    return values


def _upsert_line(kind, form):
    """Create or update one object; returns "created", "updated" or "unchanged"."""
    reference = form.cleaned_data["reference"].strip()
    values = _values(form)
    if kind == Kind.CONTRACTS:
        values["establishment"] = _referenced(Kind.ESTABLISHMENTS, form.cleaned_data["etablissement"], "etablissement")
        values["product"] = _referenced(Kind.PRODUCTS, form.cleaned_data["produit"], "produit")
    obj = _find(kind, reference)
    if kind == Kind.ACCOUNTS:
        return _upsert_account(obj, reference, form, values)
    model = MODELS[kind]
    if obj is None:
        obj = model(**values)
        _save(obj, form)
        ExternalReference.objects.create(kind=kind, reference=reference, object_id=obj.pk)
        return "created"
    if not _apply(obj, values):
        return "unchanged"
    _save(obj, form)
    return "updated"


def _save(obj, form):
    column_of = {model_field: column for column, model_field in form.FIELDS.items()}
    try:
        with transaction.atomic():
            obj.full_clean(exclude=["department", "service_level", "password"])
            obj.save()
    except IntegrityError:
        raise LineError("", _("Un autre objet porte déjà ce nom ou ce numéro.")) from None
    except forms.ValidationError as error:
        column, messages = (
            next(iter(error.message_dict.items())) if hasattr(error, "error_dict") else ("", error.messages)
        )
        raise LineError(column_of.get(column, ""), " ".join(messages)) from None


def _upsert_account(user, reference, form, values):
    establishment = _referenced(Kind.ESTABLISHMENTS, form.cleaned_data["etablissement"], "etablissement")
    role = form.cleaned_data["profil"]
    if user is None:
        if User.objects.filter(email=values["email"]).exists():
            raise LineError("email", _("Un compte porte déjà cette adresse mail."))
        user = User(**values, role=role, establishment=establishment)
        user.set_unusable_password()
        _save(user, form)
        ExternalReference.objects.create(kind=Kind.ACCOUNTS, reference=reference, object_id=user.pk)
        user_invite(user)
        return "created"
    if user.role != role or user.establishment_id != establishment.pk:
        raise LineError(
            "profil", _("Le profil ou l'établissement d'un compte existant se change dans « Collaborateurs ».")
        )
    if not _apply(user, values):
        return "unchanged"
    if User.objects.filter(email=user.email).exclude(pk=user.pk).exists():
        raise LineError("email", _("Un compte porte déjà cette adresse mail."))
    _save(user, form)
    return "updated"


def referential_upsert(kind, lines, *, acting_user, dry_run=False, request=None, first_line=1):
    """Upsert ``lines`` (dicts of the kind's columns) of ``kind``; a Report. ``first_line``: the
    number of the first line in the report (2 for a CSV file: its header is line 1)."""
    if not (acting_user.is_active and acting_user.is_vendor_admin):
        raise PermissionDenied(_("Seul un administrateur de l'éditeur importe le référentiel."))
    kind = Kind(kind)
    report = Report(kind=kind.value, dry_run=dry_run)
    if len(lines) > MAX_LINES:
        report.errors.append((0, "", _("Au plus %(max)s lignes par import.") % {"max": MAX_LINES}))
        return report
    seen = set()
    with transaction.atomic():
        for number, line in enumerate(lines, start=first_line):
            if not isinstance(line, dict):
                report.errors.append((number, "", _("Chaque ligne est un objet de colonnes.")))
                continue
            form = ROW_FORMS[kind]({key: "" if value is None else value for key, value in line.items()})
            if not form.is_valid():
                for column, messages in form.errors.items():
                    report.errors.extend((number, column if column != "__all__" else "", m) for m in messages)
                continue
            reference = form.cleaned_data["reference"].strip()
            if reference in seen:
                report.errors.append((number, "reference", _("Cette référence apparaît deux fois dans l'import.")))
                continue
            seen.add(reference)
            try:
                with transaction.atomic():
                    outcome = _upsert_line(kind, form)
            except LineError as error:
                report.errors.append((number, error.column, error.message))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        if report.ok and not dry_run:
            record(
                "referential_imported",
                actor=acting_user,
                request=request,
                target=kind.label,
                created=report.created,
                updated=report.updated,
                unchanged=report.unchanged,
            )
        else:
            transaction.set_rollback(True)  # a dry run, or a wrong line: nothing is written
    return report


def read_csv(data):
    """The lines of a CSV file (bytes): UTF-8 (with or without BOM) or Windows-1252, ``;`` or ``,``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") >= header.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if reader.fieldnames:
        reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
    return [{key: (value or "").strip() for key, value in row.items() if key} for row in reader]


def referential_import_csv(kind, data, *, acting_user, dry_run=False, request=None):
    return referential_upsert(
        kind, read_csv(data), acting_user=acting_user, dry_run=dry_run, request=request, first_line=2
    )
