"""Home-page card "我的证书" (registered in ``CertificatesConfig.ready``)."""

from __future__ import annotations

from certificates.selectors.certificates import certificates_of


def cards(user) -> list[dict]:
    """The three newest certificates; no card for someone who has none yet."""
    latest = list(certificates_of(user)[:3])
    if not latest:
        return []
    return [{"template": "certificates/cards/certificates.html", "order": 40, "items": latest}]
