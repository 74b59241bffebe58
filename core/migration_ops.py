"""Migration operations shared by the apps that took models over from another app.

When a model moves to another app with its table (``db_table`` unchanged, the model
created in the new app's state and deleted from the old app's state by
``SeparateDatabaseAndState``), its row of ``django_content_type`` must move too, keeping
its id: permissions given to role groups or users, admin log entries and anything else
pointing at that content type then still point at the model.
``MoveContentTypes`` is that step, reversible, as one operation.
"""

from __future__ import annotations

from django.db import migrations


def _move(apps, schema_editor, *, source: str, target: str, models: tuple[str, ...]) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in models:
        # A database that already has the target row (made by hand) keeps it; the other stays stale.
        if not ContentType.objects.using(db).filter(app_label=target, model=model).exists():
            ContentType.objects.using(db).filter(app_label=source, model=model).update(app_label=target)
    ContentType.objects.clear_cache()


class MoveContentTypes(migrations.RunPython):
    """Relabel the content types of ``models`` (lower-case model names) from ``source`` to ``target``.

    Put it in the taking app's first migration, which must depend on
    ``contenttypes/0002_remove_content_type_name``. Unapplying moves them back.
    """

    def __init__(self, *, source: str, target: str, models: tuple[str, ...]):
        self.source, self.target, self.models = source, target, tuple(models)

        def forwards(apps, schema_editor):
            _move(apps, schema_editor, source=source, target=target, models=self.models)

        def backwards(apps, schema_editor):
            _move(apps, schema_editor, source=target, target=source, models=self.models)

        super().__init__(forwards, backwards)

    def deconstruct(self):
        return (
            f"{self.__class__.__module__}.{self.__class__.__qualname__}",
            [],
            {"source": self.source, "target": self.target, "models": self.models},
        )

    def describe(self):
        return f"Move the content types of {', '.join(self.models)} from {self.source} to {self.target}"
