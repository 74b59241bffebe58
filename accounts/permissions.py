"""View mixins/decorators for role checks (the scope rule itself is in ``scope``)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied


class RoleRequiredMixin(LoginRequiredMixin):
    """Allow the view only to users holding one of ``roles``."""

    roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not any(request.user.has_role(r) for r in self.roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def require_roles(user, *roles) -> None:
    if not user.is_authenticated or not any(user.has_role(r) for r in roles):
        raise PermissionDenied
