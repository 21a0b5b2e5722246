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
