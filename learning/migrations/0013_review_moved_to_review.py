"""The annual credential review now belongs to the review app (``review/0001``), which took
over its tables as they are: the rule and the outcome leave learning's migration state
only, and no table, row or content type is dropped here. No learning model points at them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0012_merge_certificates_and_notifications_moved"),
        ("review", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="AnnualReviewOutcome"),
                migrations.DeleteModel(name="AnnualReviewRule"),
            ],
        ),
    ]
