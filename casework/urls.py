from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("lifeboat/", views.case_list, name="case-list"),
    path("lifeboat/referrals/new/", views.referral_create, name="referral-create"),
    path("lifeboat/referrals/<int:pk>/open/", views.case_open, name="case-open"),
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
