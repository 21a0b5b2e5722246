from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("reviews/<int:pk>/assessment.pdf", views.assessment_pdf, name="assessment-pdf"),
    path("verify/<str:fingerprint>/", views.verify, name="verify"),
    path("intelligence/", views.intelligence, name="intelligence"),
    path("intelligence/annual-<int:year>.pdf", views.annual_report, name="annual-report"),
    path("intelligence/<str:name>.<str:fmt>", views.intelligence_download, name="intelligence-download"),
]

urlpatterns += [
    path("lifeboat/cases/<int:pk>/<str:kind>.pdf", views.case_pdf, name="case-pdf"),
]
