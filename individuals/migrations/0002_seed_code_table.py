"""Seed the certificate-number code table with what the leaflet proves (§13 D5).

The leaflet's conversion example 「（東）弁 10 第 50 号」 → 132010700050 shows 東 → 13 and
弁 → 7. Nothing else is known (the leaflet's table is an image that no source reproduced,
§6.3): administrators add the other offices and categories in the admin. ``load`` is
idempotent and keeps an administrator's later edits to these two rows."""

from django.db import migrations

SOURCE = "ISA leaflet 2022-01 (001368775.pdf), conversion example"
ROWS = [
    ("office", "東", "13", "東京出入国在留管理局"),
    ("category", "弁", "7", "弁護士"),
]


def load(apps, schema_editor):
    CertificateCode = apps.get_model("individuals", "CertificateCode")
    for kind, symbol, code, label in ROWS:
        CertificateCode.objects.get_or_create(
            kind=kind, symbol=symbol, defaults={"code": code, "label": label, "source": SOURCE}
        )


def unload(apps, schema_editor):
    CertificateCode = apps.get_model("individuals", "CertificateCode")
    for kind, symbol, code, _label in ROWS:
        CertificateCode.objects.filter(kind=kind, symbol=symbol, code=code, source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("individuals", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
