from django.db import migrations


def load(apps, schema_editor):
    from backoffice.accounts.jurisdiction_data import BUREAUS, PREFECTURES

    bureau_model = apps.get_model("accounts", "RegionalBureau")
    prefecture_model = apps.get_model("accounts", "Prefecture")
    bureaus = {}
    for order, (code, ja, en, prefix) in enumerate(BUREAUS):
        bureaus[code], _ = bureau_model.objects.update_or_create(
            code=code, defaults={"name_ja": ja, "name_en": en, "receipt_prefix": prefix, "ordering": order}
        )
    for code, ja, en, bureau in PREFECTURES:
        prefecture_model.objects.update_or_create(
            code=code, defaults={"name_ja": ja, "name_en": en, "bureau": bureaus[bureau]}
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
