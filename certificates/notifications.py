"""The certificates' messages: a certificate issued, a certificate revoked (with the reason).

Registered in ``CertificatesConfig.ready``; sent by ``certificates.services.certificates``
where a certificate is created (``_issue``: automatic, bulk and re-issued alike) and
where one is revoked, in the same transaction (the e-mail after it commits).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from certificates.models import Certificate
from notifications.kinds import EventKind, Group
from notifications.services.events import in_site_language, send_event

CERTIFICATE_ISSUED = "cert_issued"
CERTIFICATE_REVOKED = "cert_revoked"

KINDS = (
    EventKind(
        code=CERTIFICATE_ISSUED,
        name=gettext_lazy("证书颁发"),
        audience=gettext_lazy("持证人，获得年度培训合格证明、考试合格证书或课程结业证书时"),
        group=Group.CERTIFICATES,
        title=gettext_lazy("您获得了%(kind)s：%(title)s"),
        body=gettext_lazy(
            "您获得了%(kind)s（%(title)s），证书编号 %(serial)s。可在“我的证书”中下载 PDF，证书上的二维码可供他人在线核验。"
        ),
        email=True,
        digest=True,
        order=10,
    ),
    EventKind(
        code=CERTIFICATE_REVOKED,
        name=gettext_lazy("证书撤销"),
        audience=gettext_lazy("持证人，证书被撤销时（附原因）"),
        group=Group.CERTIFICATES,
        title=gettext_lazy("您的%(kind)s已撤销：%(title)s"),
        body=gettext_lazy("您的%(kind)s（%(title)s，编号 %(serial)s）已撤销，在线核验将显示为无效。原因：%(reason)s"),
        email=True,
        order=20,
    ),
)


def _context(certificate: Certificate) -> dict:
    return {"kind": certificate.get_kind_display(), "title": certificate.title, "serial": certificate.serial}


@in_site_language
def announce_issued(certificate: Certificate) -> None:
    send_event(
        CERTIFICATE_ISSUED,
        [certificate.holder],
        context=_context(certificate),
        url=reverse("certificates:mine"),
        dedupe_key=f"certificate:{certificate.pk}:issued",
    )


@in_site_language
def announce_revoked(certificate: Certificate, *, reason: str) -> None:
    send_event(
        CERTIFICATE_REVOKED,
        [certificate.holder],
        context={**_context(certificate), "reason": reason},
        url=reverse("certificates:mine"),
        dedupe_key=f"certificate:{certificate.pk}:revoked",
    )
