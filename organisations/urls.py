from django.urls import path

from organisations import views

app_name = "organisations"

urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("boroughs/", views.borough_list, name="borough-list"),
    path("boroughs/<str:ons_code>/", views.borough_detail, name="borough-detail"),
    path("people/", views.person_list, name="person-list"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/roles/new/", views.membership_add, name="membership-add"),
    path("people/<int:pk>/invite/", views.person_invite, name="person-invite"),
    path("people/<int:pk>/invitation/revoke/", views.person_invitation_revoke, name="person-invitation-revoke"),
    path("roles/<int:pk>/end/", views.membership_end, name="membership-end"),
    path("conflicts/", views.conflict_list, name="conflict-list"),
    path("conflicts/new/", views.conflict_declare, name="conflict-declare"),
    path("conflicts/<int:pk>/end/", views.conflict_end, name="conflict-end"),
]
