"""London's 33 local authority areas with their ONS codes (E09000001–E09000033).

Inner London follows the ONS statistical definition.
"""

from django.db import migrations

BOROUGHS = [
    ("E09000001", "City of London", True),
    ("E09000002", "Barking and Dagenham", False),
    ("E09000003", "Barnet", False),
    ("E09000004", "Bexley", False),
    ("E09000005", "Brent", False),
    ("E09000006", "Bromley", False),
    ("E09000007", "Camden", True),
    ("E09000008", "Croydon", False),
    ("E09000009", "Ealing", False),
    ("E09000010", "Enfield", False),
    ("E09000011", "Greenwich", False),
    ("E09000012", "Hackney", True),
    ("E09000013", "Hammersmith and Fulham", True),
    ("E09000014", "Haringey", True),
    ("E09000015", "Harrow", False),
    ("E09000016", "Havering", False),
    ("E09000017", "Hillingdon", False),
    ("E09000018", "Hounslow", False),
    ("E09000019", "Islington", True),
    ("E09000020", "Kensington and Chelsea", True),
    ("E09000021", "Kingston upon Thames", False),
    ("E09000022", "Lambeth", True),
    ("E09000023", "Lewisham", True),
    ("E09000024", "Merton", False),
    ("E09000025", "Newham", True),
    ("E09000026", "Redbridge", False),
    ("E09000027", "Richmond upon Thames", False),
    ("E09000028", "Southwark", True),
    ("E09000029", "Sutton", False),
    ("E09000030", "Tower Hamlets", True),
    ("E09000031", "Waltham Forest", False),
    ("E09000032", "Wandsworth", True),
    ("E09000033", "Westminster", True),
]


def load(apps, schema_editor):
    Borough = apps.get_model("organisations", "Borough")
    for code, name, inner in BOROUGHS:
        Borough.objects.update_or_create(ons_code=code, defaults={"name": name, "inner_london": inner})


def unload(apps, schema_editor):
    apps.get_model("organisations", "Borough").objects.filter(ons_code__in=[b[0] for b in BOROUGHS]).delete()


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
