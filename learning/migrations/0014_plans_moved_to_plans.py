"""Study plans now belong to the plans app (``plans/0001``), which took over their tables as
they are: the plan and its items leave learning's migration state only, and no table, row or
content type is dropped here (nor the audience's many-to-many tables). No learning model points
at them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0013_review_moved_to_review"),
        ("plans", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="StudyPlanItem"),
                migrations.DeleteModel(name="StudyPlan"),
            ],
        ),
    ]
