from django.urls import path

from casework import law_views, views
from casework import organisation_views as ov
from casework import pathway_views as pv

app_name = "casework"

urlpatterns = [
    path("lifeboat/", views.case_list, name="case-list"),
    path("lifeboat/referrals/new/", views.referral_create, name="referral-create"),
    path("lifeboat/referrals/<int:pk>/open/", views.case_open, name="case-open"),
    path("lifeboat/referrals/<int:pk>/dismiss/", views.referral_dismiss, name="referral-dismiss"),
    path("lifeboat/cases/<int:pk>/owner/", views.case_reassign, name="case-reassign"),
    path("lifeboat/cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("lifeboat/cases/<int:pk>/move/<str:name>/", views.case_move, name="case-move"),
    path("lifeboat/cases/<int:pk>/screening/", views.case_screening, name="case-screening"),
    path("lifeboat/cases/<int:pk>/health-check/", views.case_health_check, name="case-health-check"),
    path("lifeboat/cases/<int:pk>/decide/", views.case_decide, name="case-decide"),
    path("lifeboat/cases/<int:pk>/pathway/", views.case_pathway, name="case-pathway"),
    path("lifeboat/cases/<int:pk>/outcome/", views.case_outcome, name="case-outcome"),
    path("lifeboat/cases/<int:pk>/notes/", views.case_note, name="case-note"),
]

urlpatterns += [
    path("lifeboat/cases/<int:pk>/closure/", views.closure_detail, name="closure"),
    path("lifeboat/cases/<int:pk>/closure/<str:part>/", views.closure_facts, name="closure-facts"),
    path("lifeboat/cases/<int:pk>/closure/move/<str:name>/", views.closure_move, name="closure-move"),
    path("lifeboat/cases/<int:pk>/registers/<str:register>/new/", views.item_form, name="item-new"),
    path("lifeboat/items/<int:item_pk>/", views.item_form, name="item-edit"),
    path("lifeboat/items/<int:pk>/move/<str:name>/", views.item_move, name="item-move"),
    path("lifeboat/items/<int:pk>/compatible/", views.item_compatible, name="item-compatible"),
    path("lifeboat/cases/<int:pk>/tasks/new/", views.task_new, name="task-new"),
    path("lifeboat/tasks/<int:pk>/", views.task_edit, name="task-edit"),
    path("lifeboat/tasks/<int:pk>/done/", views.task_done, name="task-done"),
    path("lifeboat/cases/<int:pk>/documents/new/", views.document_new, name="document-new"),
    path("lifeboat/documents/<int:pk>/", views.document_download, name="document-download"),
]

urlpatterns += [
    path("lifeboat/cases/<int:pk>/timeline/", views.case_timeline, name="case-timeline"),
    path("lifeboat/cases/<int:pk>/decision-log.csv", views.decision_log_csv, name="decision-log-csv"),
]

urlpatterns += [
    path("lifeboat/cases/<int:pk>/consent/", views.case_consent, name="case-consent"),
]

# Turnaround (with small grants) and interim management: every page hangs off its case.

TURNAROUND = "lifeboat/cases/<int:pk>/turnaround/"
INTERIM = "lifeboat/cases/<int:pk>/interim/"
urlpatterns += [
    path(TURNAROUND, pv.turnaround_detail, name="turnaround"),
    path(f"{TURNAROUND}edit/", pv.turnaround_edit, name="turnaround-edit"),
    path(f"{TURNAROUND}move/<str:name>/", pv.turnaround_move, name="turnaround-move"),
    path(f"{TURNAROUND}evidence/", pv.pathway_evidence, {"pathway": "turnaround"}, name="turnaround-evidence"),
    path(f"{TURNAROUND}milestones/new/", pv.milestone_add, name="milestone-add"),
    path(f"{TURNAROUND}milestones/<int:mid>/", pv.milestone_edit, name="milestone-edit"),
    path(f"{TURNAROUND}grants/new/", pv.grant_request, name="grant-request"),
    path(f"{TURNAROUND}grants/<int:gid>/approve/", pv.grant_approve, name="grant-approve"),
    path(f"{TURNAROUND}grants/<int:gid>/monitoring/", pv.grant_monitoring, name="grant-monitoring"),
    path(f"{TURNAROUND}grants/<int:gid>/move/<str:name>/", pv.grant_move, name="grant-move"),
    path(f"{TURNAROUND}grants/<int:gid>/tranches/new/", pv.tranche_add, name="tranche-add"),
    path(f"{TURNAROUND}tranches/<int:tid>/release/", pv.tranche_release, name="tranche-release"),
    path(f"{TURNAROUND}grants.csv", pv.grant_export, name="grant-export"),
    path("lifeboat/grants/360giving.csv", pv.grant_export_all, name="grant-export-all"),
    path(INTERIM, pv.interim_detail, name="interim"),
    path(f"{INTERIM}edit/", pv.interim_edit, name="interim-edit"),
    path(f"{INTERIM}move/<str:name>/", pv.interim_move, name="interim-move"),
    path(f"{INTERIM}evidence/", pv.pathway_evidence, {"pathway": "interim"}, name="interim-evidence"),
    path(f"{INTERIM}candidates/new/", pv.candidate_add, name="candidate-add"),
    path(f"{INTERIM}candidates/<int:cid>/", pv.candidate_edit, name="candidate-edit"),
    path(f"{INTERIM}candidates/<int:cid>/choose/", pv.candidate_choose, name="candidate-choose"),
    path(f"{INTERIM}reviews/new/", pv.interim_review_add, name="interim-review-add"),
]

# The organisation's own part in its case (its contacts and board sponsor; 404 for everyone else).
OUR_CASE = "lifeboat/our-case/<int:pk>/"
urlpatterns += [
    path(OUR_CASE, ov.our_case, name="our-case"),
    path(f"{OUR_CASE}consent/", ov.our_case_consent, name="our-case-consent"),
    path(f"{OUR_CASE}evidence/", ov.our_case_evidence, name="our-case-evidence"),
    path(f"{OUR_CASE}milestones/<int:mid>/sign-off/", ov.our_case_sign_off, name="our-case-sign-off"),
    path(f"{OUR_CASE}documents/<int:did>/", ov.our_case_document, name="our-case-document"),
]

# Public: the legal rules the lifeboat applies, with their sources.
urlpatterns += [path("lifeboat/rules/", law_views.rule_list, name="rule-list")]
