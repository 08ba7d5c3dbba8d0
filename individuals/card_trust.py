"""What the server trusts for the My Number Card: J-LIS roots an administrator loads (only
those whose SHA-256 is pinned in settings) and the CRLs imported for them (§13 D6, jpki.md §2.6)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.audit.services import audit_log
from individuals.card_models import RevocationList, TrustAnchor
from jpki.verify import CrlStore, TrustStore, UntrustedAnchorError, UntrustedCrlError

_stores: dict[str, Any] = {}


def trust_stores() -> tuple[TrustStore, CrlStore]:
    """The pinned anchors and imported CRLs, rebuilt only when either changes (the verifier
    caches validated chains per store generation)."""
    anchors = list(TrustAnchor.objects.order_by("pk").values_list("pk", "der"))
    crls = list(RevocationList.objects.order_by("pk").values_list("pk", flat=True))
    key = repr((tuple(settings.JPKI_PINNED_FINGERPRINTS), [pk for pk, _der in anchors], crls))
    if _stores.get("key") != key:
        store = TrustStore(settings.JPKI_PINNED_FINGERPRINTS)
        for _pk, der in anchors:
            try:
                store.add_anchor(bytes(der))
            except UntrustedAnchorError:
                continue  # unpinned since it was loaded: no longer trusted
        crl_store = CrlStore(store)
        for der in RevocationList.objects.order_by("this_update", "pk").values_list("der", flat=True):
            try:
                crl_store.add(bytes(der))
            except UntrustedCrlError:
                continue
        _stores.update(key=key, store=store, crls=crl_store)
    return _stores["store"], _stores["crls"]


def trust_anchor_load(*, actor: Any, data: bytes) -> TrustAnchor:
    """An administrator loads a J-LIS root (DER or PEM); one not on the pinned list is refused."""
    store = TrustStore(settings.JPKI_PINNED_FINGERPRINTS)
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            data = x509.load_pem_x509_certificate(data).public_bytes(Encoding.DER)
        certificate = store.add_anchor(data)
    except UntrustedAnchorError as exc:
        raise ValidationError(
            _(
                "This certificate is not on the pinned list of J-LIS roots (SHA-256 %(fp)s), so it is not loaded."
            )
            % {"fp": exc.fingerprint}
        ) from exc
    except ValueError as exc:
        raise ValidationError(_("This is not a certificate in DER or PEM form.")) from exc
    fingerprint = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        anchor, created = TrustAnchor.objects.get_or_create(
            fingerprint=fingerprint,
            defaults={"subject": certificate.subject.rfc4514_string()[:400], "der": data,
                      "not_after": certificate.not_valid_after_utc, "loaded_by": actor},
        )  # fmt: skip
        if created:
            audit_log(
                actor=actor, action="trust_anchor.loaded", target=anchor, institution_id=None,
                data={"fingerprint": fingerprint, "subject": anchor.subject},
            )  # fmt: skip
    return anchor


def crl_import(*, actor: Any, data: bytes) -> RevocationList:
    """Import a CRL (DER or PEM) signed by a loaded anchor; audited with its dates and size."""
    store, _crls = trust_stores()
    try:
        crl = CrlStore(store).add(data)
    except (UntrustedCrlError, ValueError) as exc:
        raise ValidationError(_("This CRL is not signed by a loaded J-LIS root, or is not a CRL.")) from exc
    issuer = next(anchor for anchor in store.anchors if anchor.subject == crl.issuer)
    anchor = TrustAnchor.objects.get(
        fingerprint=hashlib.sha256(issuer.public_bytes(Encoding.DER)).hexdigest()
    )
    with transaction.atomic():
        imported = RevocationList.objects.create(
            anchor=anchor, der=crl.public_bytes(Encoding.DER), this_update=crl.last_update_utc,
            next_update=crl.next_update_utc, revoked_count=len(list(crl)), imported_by=actor,
        )  # fmt: skip
        audit_log(
            actor=actor, action="crl.imported", target=imported, institution_id=None,
            data={"anchor": anchor.fingerprint, "this_update": imported.this_update.isoformat(),
                  "revoked": imported.revoked_count},
        )  # fmt: skip
    return imported


def crls_import_from(*, directory: Path, actor: Any = None) -> dict[str, int]:
    """Import every CRL file in ``directory`` (the scheduled task's drop folder). A CRL already
    held (same anchor and this-update) is skipped, so running it again changes nothing."""
    counts = {"imported": 0, "skipped": 0, "refused": 0}
    for path in sorted(p for p in directory.glob("*") if p.suffix.lower() in {".crl", ".der", ".pem"}):
        data = path.read_bytes()
        try:
            crl = _load_crl(data)
        except ValueError:
            counts["refused"] += 1
            continue
        if RevocationList.objects.filter(
            this_update=crl.last_update_utc, anchor__subject=crl.issuer.rfc4514_string()[:400]
        ).exists():
            counts["skipped"] += 1
            continue
        try:
            crl_import(actor=actor, data=data)
        except ValidationError:
            counts["refused"] += 1
            continue
        counts["imported"] += 1
    return counts


def _load_crl(data: bytes) -> x509.CertificateRevocationList:
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)
