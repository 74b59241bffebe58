"""Factories for accounts (apps add their own in tests/<app>/factories.py)."""

import factory
from django.contrib.auth.models import Group

from accounts.models import ROLE_GROUP_NAMES, OrgUnit, StaffCategory, User


class OrgUnitFactory(factory.django.DjangoModelFactory):
    """Creates a root unit unless ``parent`` is given."""

    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"单位{n}")
    code = factory.Sequence(lambda n: f"T{n:05d}")
    kind = OrgUnit.Kind.PREFECTURE

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.add_root(**kwargs)
        return parent.add_child(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    employee_no = factory.Sequence(lambda n: f"E{n:06d}")
    full_name = factory.Sequence(lambda n: f"测试人员{n}")
    org_unit = factory.SubFactory(OrgUnitFactory)
    staff_category = StaffCategory.ENFORCEMENT
    password = factory.PostGenerationMethodCall("set_password", "pass12345")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            if create:
                self.save()
            return
        for role in extracted:
            group, _ = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
            self.groups.add(group)
        self.save()
        self.__dict__.pop("_roles_cache", None)
