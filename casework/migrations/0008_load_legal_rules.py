"""The legal rules the lifeboat applies, each with its source and the dates it applies between.

A change in the law is a new migration adding a row (and closing the old one with `ends_on`), so
cases whose dates fall before the change keep the rule that applied then. `RULES` is also read by
the test suite to reload the table after a transactional test flushes it.
"""

import datetime

from django.db import migrations

D = datetime.date
LEG = "https://www.legislation.gov.uk"
TUPE = f"{LEG}/uksi/2006/246"
TULRCA = f"{LEG}/ukpga/1992/52"
CA2006 = f"{LEG}/ukpga/2006/46"
CHA2011 = f"{LEG}/ukpga/2011/25"

# key, title, value, unit, reference, source URL, commences on, ends on, judged on
RULES = [
    (
        "tupe_eli_days",
        "Employee liability information before a TUPE transfer",
        14, "days", "TUPE Regulations 2006 reg 11(6) (as made)", f"{TUPE}/regulation/11/made",
        D(2006, 4, 6), D(2014, 4, 30), "the transfer date",
    ),
    (
        "tupe_eli_days",
        "Employee liability information before a TUPE transfer",
        28, "days", "TUPE Regulations 2006 reg 11(6), as amended by SI 2014/16", f"{TUPE}/regulation/11",
        D(2014, 5, 1), None, "the transfer date",
    ),
    (
        "tupe_eli_min_compensation",
        "Least compensation per employee for missing or late employee liability information",
        500, "pounds", "TUPE Regulations 2006 reg 12(5)", f"{TUPE}/regulation/12",
        D(2006, 4, 6), None, "the transfer date",
    ),
    (
        "collective_redundancy_threshold",
        "Redundancies at one establishment that need collective consultation",
        20, "people", "Trade Union and Labour Relations (Consolidation) Act 1992 s.188(1)", f"{TULRCA}/section/188",
        D(1995, 10, 26), None, "the date the redundancies are proposed",
    ),
    (
        "collective_redundancy_window_days",
        "Period within which proposed redundancies are counted together",
        90, "days", "Trade Union and Labour Relations (Consolidation) Act 1992 s.188(1)", f"{TULRCA}/section/188",
        D(1995, 10, 26), None, "the date the redundancies are proposed",
    ),
    (
        "collective_redundancy_large",
        "Redundancies at one establishment that need the longer consultation",
        100, "people", "Trade Union and Labour Relations (Consolidation) Act 1992 s.188(1A)(a)",
        f"{TULRCA}/section/188",
        D(1995, 10, 26), None, "the date the redundancies are proposed",
    ),
    (
        "consultation_days",
        "Collective consultation before the first dismissal (20 to 99 redundancies)",
        30, "days", "Trade Union and Labour Relations (Consolidation) Act 1992 s.188(1A)(b)",
        f"{TULRCA}/section/188",
        D(1995, 10, 26), None, "the date the redundancies are proposed",
    ),
    (
        "consultation_days_large",
        "Collective consultation before the first dismissal (100 or more redundancies)",
        90, "days", "Trade Union and Labour Relations (Consolidation) Act 1992 s.188(1A)(a) (before SI 2013/763)",
        f"{TULRCA}/section/188",
        D(1995, 10, 26), D(2013, 4, 5), "the date the redundancies are proposed",
    ),
    (
        "consultation_days_large",
        "Collective consultation before the first dismissal (100 or more redundancies)",
        45, "days", "Trade Union and Labour Relations (Consolidation) Act 1992 s.188(1A)(a), as amended by SI 2013/763",
        f"{TULRCA}/section/188",
        D(2013, 4, 6), None, "the date the redundancies are proposed",
    ),
    (
        "hr1_days",
        "Notice to the Secretary of State (form HR1) before the first dismissal (20 to 99 redundancies)",
        30, "days", "Trade Union and Labour Relations (Consolidation) Act 1992 s.193(2)", f"{TULRCA}/section/193",
        D(1995, 10, 26), None, "the date the redundancies are proposed",
    ),
    (
        "hr1_days_large",
        "Notice to the Secretary of State (form HR1) before the first dismissal (100 or more redundancies)",
        90, "days", "Trade Union and Labour Relations (Consolidation) Act 1992 s.193(1) (before SI 2013/763)",
        f"{TULRCA}/section/193",
        D(1995, 10, 26), D(2013, 4, 5), "the date the redundancies are proposed",
    ),
    (
        "hr1_days_large",
        "Notice to the Secretary of State (form HR1) before the first dismissal (100 or more redundancies)",
        45, "days", "Trade Union and Labour Relations (Consolidation) Act 1992 s.193(1), as amended by SI 2013/763",
        f"{TULRCA}/section/193",
        D(2013, 4, 6), None, "the date the redundancies are proposed",
    ),
    (
        "strike_off_inactive_months",
        "A company applying to strike off has not traded or been active for",
        3, "months", "Companies Act 2006 s.1004(1)", f"{CA2006}/section/1004",
        D(2009, 10, 1), None, "the date of the striking-off application (DS01)",
    ),
    (
        "strike_off_notice_days",
        "Copies of a striking-off application to members, creditors, employees and others within",
        7, "days", "Companies Act 2006 s.1006(1)", f"{CA2006}/section/1006",
        D(2009, 10, 1), None, "the date of the striking-off application (DS01)",
    ),
    (
        "gazette_period_months",
        "Period after the first Gazette notice before a company can be struck off and dissolved",
        2, "months", "Companies Act 2006 s.1003", f"{CA2006}/section/1003",
        D(2009, 10, 1), None, "the date of the first Gazette notice",
    ),
    (
        "endowment_release_income",
        "Charity income above which releasing permanent endowment needed the Commission (with the value test)",
        1000, "pounds", "Charities Act 2011 s.282 (before the Charities Act 2022)", f"{CHA2011}/section/282",
        D(2012, 3, 14), D(2023, 6, 13), "the date of the trustees' resolution",
    ),
    (
        "endowment_release_value",
        "Permanent endowment value above which its release needs the Charity Commission",
        10000, "pounds", "Charities Act 2011 s.282 (before the Charities Act 2022)", f"{CHA2011}/section/282",
        D(2012, 3, 14), D(2023, 6, 13), "the date of the trustees' resolution",
    ),
    (
        "endowment_release_value",
        "Permanent endowment value above which its release needs the Charity Commission",
        25000, "pounds", "Charities Act 2011 ss.281-282, as amended by the Charities Act 2022",
        f"{CHA2011}/section/281",
        D(2023, 6, 14), None, "the date of the trustees' resolution",
    ),
    (
        "undervalue_lookback_months",
        "Period before insolvency in which a transaction at an undervalue can be challenged",
        24, "months", "Insolvency Act 1986 ss.238, 240(1)(a)", f"{LEG}/ukpga/1986/45/section/240",
        D(1986, 12, 29), None, "the onset of insolvency (here: the failed solvency test)",
    ),
    (
        "preference_lookback_months",
        "Period before insolvency in which a preference to an unconnected creditor can be challenged",
        6, "months", "Insolvency Act 1986 ss.239, 240(1)(b)", f"{LEG}/ukpga/1986/45/section/240",
        D(1986, 12, 29), None, "the onset of insolvency (here: the failed solvency test)",
    ),
    (
        "charity_accounts_months",
        "A charity's annual report and accounts reach the Charity Commission within",
        10, "months", "Charities Act 2011 s.163", f"{CHA2011}/section/163",
        D(2012, 3, 14), None, "the end of the financial year",
    ),
    (
        "company_accounts_months",
        "A private company's accounts reach Companies House within",
        9, "months", "Companies Act 2006 s.442(2)(a)", f"{CA2006}/section/442",
        D(2008, 4, 6), None, "the end of the financial year",
    ),
    (
        "society_return_months",
        "A registered society's annual return and accounts reach the FCA within",
        7, "months", "Co-operative and Community Benefit Societies Act 2014 s.89", f"{LEG}/ukpga/2014/14/section/89",
        D(2014, 8, 1), None, "the end of the financial year",
    ),
]


def load(apps, schema_editor):
    LegalRule = apps.get_model("casework", "LegalRule")
    for key, title, value, unit, reference, url, commences, ends, applies_to in RULES:
        LegalRule.objects.update_or_create(
            key=key,
            commences_on=commences,
            defaults={
                "title": title,
                "value": value,
                "unit": unit,
                "reference": reference,
                "source_url": url,
                "ends_on": ends,
                "applies_to": applies_to,
            },
        )


def unload(apps, schema_editor):
    LegalRule = apps.get_model("casework", "LegalRule")
    for row in RULES:
        LegalRule.objects.filter(key=row[0], commences_on=row[6]).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0007_legal_rules")]

    operations = [migrations.RunPython(load, unload)]
