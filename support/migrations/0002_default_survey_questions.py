from django.db import migrations

QUESTIONS = [
    (1, "Êtes-vous satisfait(e) de la réponse apportée dans l'ensemble ?"),
    (2, "Le délai de traitement de votre demande vous a-t-il convenu ?"),
    (3, "La réponse était-elle claire et de qualité ?"),
]


def add_questions(apps, schema_editor):
    SurveyQuestion = apps.get_model("support", "SurveyQuestion")
    if not SurveyQuestion.objects.exists():
        SurveyQuestion.objects.bulk_create(SurveyQuestion(position=p, text=t) for p, t in QUESTIONS)


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]
    operations = [migrations.RunPython(add_questions, migrations.RunPython.noop)]
