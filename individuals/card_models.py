"""Individuals who register and log in with the My Number Card (JPKI, §13 D6): the pinned trust
anchors and imported CRLs the server verifies against, the one-time nonces the card signs, and
the registration that binds an account to the identity in a signature certificate.

No My Number anywhere: J-LIS certificates do not carry it, and no field here takes it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CertificatePurpose(models.TextChoices):
    SIGNATURE = "signature", _("Signature (署名用電子証明書)")
    AUTHENTICATION = "authentication", _("User authentication (利用者証明用電子証明書)")


class TrustAnchor(models.Model):
    """A J-LIS root certificate loaded by an administrator; refused unless its SHA-256
    fingerprint is on the pinned list (settings.JPKI_PINNED_FINGERPRINTS)."""

    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=400)
    der = models.BinaryField(_("certificate (DER)"))
    not_after = models.DateTimeField(_("valid until"))
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-loaded_at", "pk"]
        verbose_name = _("JPKI trust anchor")
        verbose_name_plural = _("JPKI trust anchors")

    def __str__(self) -> str:
        return f"{self.subject} ({self.fingerprint[:16]}…)"


class RevocationList(models.Model):
    """A CRL imported by an administrator or the scheduled task, checked against its anchor."""

    anchor = models.ForeignKey(TrustAnchor, on_delete=models.CASCADE, related_name="crls")
    der = models.BinaryField(_("CRL (DER)"))
    this_update = models.DateTimeField(_("this update"))
    next_update = models.DateTimeField(_("next update"), null=True, blank=True)
    revoked_count = models.PositiveIntegerField(_("revoked certificates"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-this_update", "-pk"]
        verbose_name = _("certificate revocation list")
        verbose_name_plural = _("certificate revocation lists")

    def __str__(self) -> str:
        return f"CRL {self.anchor.subject} {self.this_update:%Y-%m-%d %H:%M}"


class NoncePurpose(models.TextChoices):
    REGISTER = "register", _("Registration")
    LOGIN = "login", _("Login")
    RELINK = "relink", _("New card")


class CardNonce(models.Model):
    """A single-use challenge for the card, bound to the session that asked for it and valid
    five minutes. Only its SHA-256 is kept. After a successful login it also carries the
    one-time link that opens the same login in the browser."""

    value_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=10, choices=NoncePurpose.choices)
    session_key = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set once the signature over the nonce was verified (registration: the identity waits in it
    # for the details form; login: the browser link).
    verified_identity = models.JSONField(default=dict, blank=True)
    follow_up_hash = models.CharField(max_length=64, blank=True, db_index=True)
    follow_up_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("card nonce")
        verbose_name_plural = _("card nonces")

    def __str__(self) -> str:
        return f"{self.purpose} nonce {self.value_hash[:8]}…"


class CardholderRole(models.TextChoices):
    FOREIGN_NATIONAL = "foreign_national", _("The foreign national (本人)")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative (法定代理人)")
    RELATIVE = "relative", _("Relative (親族)")


class Relationship(models.TextChoices):
    PARENT = "parent", _("Person with parental authority (親権者)")
    MINOR_GUARDIAN = "minor_guardian", _("Guardian of a minor (未成年後見人)")
    ADULT_GUARDIAN = "adult_guardian", _("Adult guardian (成年後見人)")
    SPOUSE = "spouse", _("Spouse (配偶者)")
    CHILD = "child", _("Child (子)")
    PARENT_RELATIVE = "parent_relative", _("Parent (父母)")


REPRESENTATIVE_RELATIONSHIPS = (Relationship.PARENT, Relationship.MINOR_GUARDIAN, Relationship.ADULT_GUARDIAN)
RELATIVE_RELATIONSHIPS = (Relationship.SPOUSE, Relationship.CHILD, Relationship.PARENT_RELATIVE)


class CardholderState(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked (抹消)")


class CardholderRegistration(models.Model):
    """An individual's registration with the My Number Card: the account, its authentication
    ID (issued at once), and the identity of the signature certificate it is bound to. The
    card's two certificates are remembered by fingerprint; a new card re-links by one more
    signature whose identity matches."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cardholder", verbose_name=_("user")
    )
    role = models.CharField(_("registered as"), max_length=30, choices=CardholderRole.choices)
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=Relationship.choices, blank=True
    )
    auth_code = models.CharField(_("authentication ID"), max_length=12, unique=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CardholderState.choices, default=CardholderState.ACTIVE
    )
    # From the signature certificate (§2.2): what the account is bound to.
    name = models.CharField(_("name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1)
    address = models.CharField(_("address"), max_length=400)
    identity_key = models.CharField(max_length=64, db_index=True)
    # Typed by the person.
    phone = models.CharField(_("phone"), max_length=30)
    residence_card_number = models.CharField(_("residence card number"), max_length=12, blank=True)
    # The current card.
    signature_cert_fingerprint = models.CharField(max_length=64)
    # Empty (NULL) for an identity registered through the application API (§13 D10): only the
    # signature certificate was seen; logging in needs the card linked once (cardholder_relink).
    auth_cert_fingerprint = models.CharField(max_length=64, unique=True, null=True, blank=True)
    certificate_not_after = models.DateTimeField(_("card certificate valid until"))
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    relinked_at = models.DateTimeField(_("new card linked at"), null=True, blank=True)

    class Meta:
        constraints = [
            # One live registration per identity and role (§13 D4: one ID per person and scope).
            models.UniqueConstraint(
                fields=["identity_key", "role"], condition=~Q(state="revoked"), name="cardholder_one_live"
            )
        ]
        verbose_name = _("card registration")
        verbose_name_plural = _("card registrations")

    def __str__(self) -> str:
        return f"{self.auth_code[:4]}-{self.auth_code[4:8]}-{self.auth_code[8:]}"
