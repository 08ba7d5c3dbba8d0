"""Making a detached CMS SignedData (RFC 5652) with the card's signature key (jpki.md §3.1 form 3).

The card signs only a DigestInfo (``80 2A 00 80``, jpki.md §1.6), so the SignedData is assembled
here around that one operation: the signed attributes (content type, message digest of the
content, signing time) are DER-encoded as a SET, their SHA-256 DigestInfo goes to the card, and
the card's RSASSA-PKCS1-v1_5 signature becomes the SignerInfo's signature. The signer certificate
is included and identified by issuer and serial number. The content itself is not carried
(detached): the verifier has it.

This is what the application API (§13 D10) expects from a private service, and what
``jpki.verify.verify_detached_cms`` checks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, x509  # type: ignore[import-untyped]

from jpki.apdu import digest_info

# Given the DER DigestInfo of the signed attributes, return the RSA signature: the card's
# ``JpkiCard.sign(KeyKind.SIGNATURE, digest_info)`` (its signature PIN verified), or a key in tests.
DigestInfoSigner = Callable[[bytes], bytes]


def _signed_attributes(content: bytes, signing_time: datetime) -> cms.CMSAttributes:
    return cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(content).digest()]}),
            cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": signing_time})]}),
        ]
    )


def detached_signed_data(
    content: bytes,
    *,
    certificate_der: bytes,
    sign: DigestInfoSigner,
    signing_time: datetime | None = None,
) -> bytes:
    """The DER of a detached SignedData over ``content`` by the holder of ``certificate_der``.

    ``sign`` is called once, with the SHA-256 DigestInfo of the DER-encoded signed attributes.
    """
    signing_time = (signing_time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    certificate = x509.Certificate.load(certificate_der)
    attributes = _signed_attributes(content, signing_time)
    # The signature covers the attributes encoded as a SET OF (RFC 5652 §5.4), not as [0] IMPLICIT.
    signature = sign(digest_info("sha256", hashlib.sha256(attributes.dump()).digest()))
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": attributes,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            "signature": core.OctetString(signature),
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cms.CertificateChoices({"certificate": certificate})],
            "signer_infos": [signer],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())
