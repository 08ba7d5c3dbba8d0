"""A client we did not write: OpenSC's own ``jpki`` driver (Debian ``opensc``) reads the virtual card.

Over the same pcscd + vpcd as tests/integration/test_pcsc.py, against the card in slot 0 that
``scripts/services.sh up`` (START_PCSC=1) started and whose certificates are in ``$RUN/card``:
``opensc-tool`` names the card ``jpki``; ``pkcs15-tool`` lists and reads the four certificates
byte for byte and lists both PINs with their tries; ``pkcs11-tool`` signs with each key, and our
verifier (jpki.verify) accepts the signatures. A private OPENSC_CONF turns file caching off, so
nothing is read from an earlier run's cache.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from jpki.apdu import CertKind
from jpki.testing.pki import demo_card_keys
from jpki.testing.virtual_card import VirtualJpkiCard
from jpki.testing.vpcd import VpcdCardClient
from jpki.transport import reader_states

if os.environ.get("START_PCSC") != "1":
    pytest.skip(
        "OpenSC tests need pcscd and the virtual card: run scripts/services.sh up with START_PCSC=1 "
        "(make test does)",
        allow_module_level=True,
    )

SLOT0 = "Virtual PCD 00 00"
SLOT1 = "Virtual PCD 00 01"
VPCD_PORT = int(os.environ.get("VPCD_PORT", "35963"))
PKCS11_MODULE = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
AUTH_TOKEN = "JPKI (User Authentication PIN)"
SIGN_TOKEN = "JPKI (Digital Signature PIN)"

# pkcs15-tool's certificate IDs (OpenSC pkcs15-jpki.c): 01 = EF 000A, 02 = EF 0001 (private),
# 03 = EF 000B, 04 = EF 0002.
CERT_IDS = {
    "01": CertKind.AUTH,
    "02": CertKind.SIGNATURE,
    "03": CertKind.AUTH_CA,
    "04": CertKind.SIGNATURE_CA,
}


def card_present(reader: str) -> bool:
    return any(r.name == reader and r.card_present for r in reader_states())


def wait_until(predicate: Callable[[], Any], *, timeout: float = 10.0, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}", pytrace=False)
        time.sleep(0.05)


@pytest.fixture(scope="session")
def service_card() -> dict[str, Any]:
    directory = Path(os.environ.get("RUN", "var/test-run")) / "card"
    info_path = directory / "card.json"
    if not info_path.exists() or not card_present(SLOT0):
        pytest.fail(f"no virtual card in {SLOT0!r} or no {info_path} (START_PCSC=1 services)", pytrace=False)
    info: dict[str, Any] = json.loads(info_path.read_text())
    info["der"] = {kind.value: (directory / f"{kind.value}.der").read_bytes() for kind in CertKind}
    return info


@pytest.fixture(scope="session")
def opensc_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    missing = [t for t in ("opensc-tool", "pkcs15-tool", "pkcs11-tool") if shutil.which(t) is None]
    if missing or not Path(PKCS11_MODULE).exists():
        pytest.fail(f"OpenSC is not installed ({missing or PKCS11_MODULE}): run scripts/install_deps.sh")
    conf = tmp_path_factory.mktemp("opensc") / "opensc.conf"
    conf.write_text("app default {\n  framework pkcs15 {\n    use_file_caching = no;\n  }\n}\n")
    return {**os.environ, "OPENSC_CONF": str(conf)}


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=False)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def reader_index(env: dict[str, str], name: str) -> str:
    """OpenSC's index of reader ``name`` (from ``opensc-tool --list-readers``)."""
    listing = run(env, "opensc-tool", "--list-readers").stdout
    for line in listing.splitlines():
        match = re.match(r"\s*(\d+)\s+\S+\s+(.+?)\s*$", line)
        if match and match.group(2) == name:
            return match.group(1)
    pytest.fail(f"OpenSC does not list {name!r}:\n{listing}")


def pem_to_der(pem: str) -> bytes:
    return x509.load_pem_x509_certificate(pem.encode()).public_bytes(Encoding.DER)


def blocks(text: str, header: str) -> dict[str, str]:
    """``pkcs15-tool`` output split into ``{label: block}`` for blocks starting ``<header> [label]``."""
    out = {}
    for match in re.finditer(rf"^{re.escape(header)} \[(.+?)\]\n((?:[ \t].*\n?)*)", text, re.M):
        out[match.group(1)] = match.group(2)
    return out


def field(block: str, name: str) -> str:
    match = re.search(rf"^\s*{re.escape(name)}\s*:\s*(.*)$", block, re.M)
    assert match, f"no {name!r} in:\n{block}"
    return match.group(1).strip()


# --- naming and reading ---


def test_opensc_names_the_card_jpki(service_card: dict[str, Any], opensc_env: dict[str, str]) -> None:
    index = reader_index(opensc_env, SLOT0)
    result = run(opensc_env, "opensc-tool", "--reader", index, "--name")
    assert result.stdout == "jpki\n"


def test_pkcs15_lists_the_four_certificates(service_card: dict[str, Any], opensc_env: dict[str, str]) -> None:
    index = reader_index(opensc_env, SLOT0)
    certs = blocks(
        run(opensc_env, "pkcs15-tool", "--reader", index, "--list-certificates").stdout, "X.509 Certificate"
    )
    expected = {
        "User Authentication Certificate": ("01", "000a", False, "no"),
        "Digital Signature Certificate": ("02", "0001", True, "no"),
        "User Authentication Certificate CA": ("03", "000b", False, "yes"),
        "Digital Signature Certificate CA": ("04", "0002", False, "yes"),
    }
    assert set(certs) == set(expected)
    for label, (cert_id, path, private, authority) in expected.items():
        block = certs[label]
        assert field(block, "ID") == cert_id
        assert field(block, "Path") == path
        assert field(block, "Authority") == authority
        assert ("private" in field(block, "Object Flags")) is private


def test_pkcs15_reads_the_certificates_byte_for_byte(
    service_card: dict[str, Any], opensc_env: dict[str, str]
) -> None:
    index = reader_index(opensc_env, SLOT0)
    der = service_card["der"]
    for cert_id, kind in CERT_IDS.items():
        args = ["pkcs15-tool", "--reader", index, "--read-certificate", cert_id]
        if kind is CertKind.SIGNATURE:
            args[3:3] = ["--verify-pin", "--auth-id", "02", "--pin", service_card["signature_password"]]
        assert pem_to_der(run(opensc_env, *args).stdout) == der[kind.value], cert_id


def test_signature_certificate_is_refused_without_the_password(
    service_card: dict[str, Any], opensc_env: dict[str, str]
) -> None:
    index = reader_index(opensc_env, SLOT0)
    debug_env = {**opensc_env, "OPENSC_DEBUG": "9"}
    result = run(debug_env, "pkcs15-tool", "--reader", index, "--read-certificate", "02", check=False)
    assert result.returncode != 0
    assert "BEGIN CERTIFICATE" not in result.stdout
    # The card's 69 82 as OpenSC decodes it (OpenSC 0.23 then reports "EF offset too large").
    assert "Security status not satisfied" in result.stderr


def test_pkcs15_lists_both_pins_with_their_tries(
    service_card: dict[str, Any], opensc_env: dict[str, str]
) -> None:
    index = reader_index(opensc_env, SLOT0)
    pins = blocks(run(opensc_env, "pkcs15-tool", "--reader", index, "--list-pins").stdout, "PIN")
    assert set(pins) == {"User Authentication PIN", "Digital Signature PIN"}
    auth, sign = pins["User Authentication PIN"], pins["Digital Signature PIN"]
    assert field(auth, "ID") == "01" and field(sign, "ID") == "02"
    assert field(auth, "Length").startswith("min_len:4, max_len:4")
    assert field(sign, "Length").startswith("min_len:6, max_len:16")
    assert field(auth, "Tries left") == "3"
    assert field(sign, "Tries left") == "5"


# --- signing through PKCS#11 ---


def test_pkcs11_sees_two_tokens(service_card: dict[str, Any], opensc_env: dict[str, str]) -> None:
    slots = run(opensc_env, "pkcs11-tool", "--module", PKCS11_MODULE, "--list-token-slots").stdout
    assert f"token label        : {AUTH_TOKEN}" in slots
    assert f"token label        : {SIGN_TOKEN}" in slots
    assert slots.count(SLOT0) == 2


@pytest.mark.parametrize(
    "token, pin_key, key_id, cert, purpose",
    [
        (AUTH_TOKEN, "auth_pin", "01", "auth", "authentication"),
        (SIGN_TOKEN, "signature_password", "02", "signature", "signature"),
    ],
)
def test_pkcs11_signs_and_our_verifier_accepts(
    service_card: dict[str, Any],
    opensc_env: dict[str, str],
    tmp_path: Path,
    token: str,
    pin_key: str,
    key_id: str,
    cert: str,
    purpose: str,
) -> None:
    from jpki.certs import sha256_fingerprint
    from jpki.verify import TrustStore, verify_signature

    data = f"signed by OpenSC with key {key_id}".encode()
    (tmp_path / "data").write_bytes(data)
    run(
        opensc_env, "pkcs11-tool", "--module", PKCS11_MODULE, "--token-label", token,
        "--login", "--pin", service_card[pin_key], "--sign", "--mechanism", "SHA256-RSA-PKCS",
        "--id", key_id, "--input-file", str(tmp_path / "data"), "--output-file", str(tmp_path / "sig"),
    )  # fmt: skip
    signature = (tmp_path / "sig").read_bytes()
    assert len(signature) == 256
    der = service_card["der"]
    store = TrustStore([sha256_fingerprint(der["auth_ca"]), sha256_fingerprint(der["signature_ca"])])
    store.add_anchor(der["auth_ca"])
    store.add_anchor(der["signature_ca"])
    result = verify_signature(
        certificate=der[cert], signature=signature, data=data, purpose=purpose, store=store, crls=None,
        at=datetime.now(UTC),
    )  # fmt: skip
    assert result.ok, (result.reason, result.detail)
    # The same signature does not pass for the other certificate.
    other = "signature" if cert == "auth" else "auth"
    wrong = verify_signature(
        certificate=der[other], signature=signature, data=data,
        purpose="signature" if other == "signature" else "authentication", store=store, crls=None,
        at=datetime.now(UTC),
    )  # fmt: skip
    assert not wrong.ok


# --- OpenSC and the counters, on a card of our own in slot 1 ---


@pytest.fixture
def slot1_card() -> Iterator[VirtualJpkiCard]:
    card = VirtualJpkiCard(demo_card_keys())
    client = VpcdCardClient(card, port=VPCD_PORT + 1)
    client.start()
    wait_until(lambda: card_present(SLOT1), what=f"the card in {SLOT1}")
    yield card
    client.close()
    wait_until(lambda: not card_present(SLOT1), what=f"{SLOT1} to be empty")


def test_opensc_wrong_pin_counts_down(
    service_card: dict[str, Any], opensc_env: dict[str, str], slot1_card: VirtualJpkiCard
) -> None:
    index = reader_index(opensc_env, SLOT1)
    result = run(
        opensc_env, "pkcs15-tool", "--reader", index, "--verify-pin", "--auth-id", "01", "--pin", "0000",
        check=False,
    )  # fmt: skip
    assert result.returncode != 0
    pins = blocks(run(opensc_env, "pkcs15-tool", "--reader", index, "--list-pins").stdout, "PIN")
    assert field(pins["User Authentication PIN"], "Tries left") == "2"
    assert field(pins["Digital Signature PIN"], "Tries left") == "5"
