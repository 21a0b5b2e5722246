from django.urls import path

from standards import views

app_name = "standards"

urlpatterns = [
    path("standards/", views.framework_list, name="framework-list"),
    path("standards/new/", views.framework_create, name="framework-create"),
    path("standards/comments/<int:pk>/answer/", views.comment_answer, name="comment-answer"),
    path("standards/<slug:slug>/", views.framework_detail, name="framework-detail"),
    path("standards/<slug:slug>/versions/new/", views.version_create, name="version-create"),
    path("standards/<slug:slug>/v<int:number>/", views.version_detail, name="version-detail"),
    path("standards/<slug:slug>/v<int:number>/edit/", views.version_edit, name="version-edit"),
    path("standards/<slug:slug>/v<int:number>/import/", views.version_import, name="version-import"),
    path("standards/<slug:slug>/v<int:number>/export.<str:fmt>", views.version_export, name="version-export"),
    path("standards/<slug:slug>/v<int:number>/changes/", views.version_changes, name="version-changes"),
    path("standards/<slug:slug>/v<int:number>/you-said-we-did/", views.version_you_said, name="version-you-said"),
    path("standards/<slug:slug>/v<int:number>/comment/", views.comment_create, name="comment-create"),
    path("standards/<slug:slug>/v<int:number>/close/", views.version_close_early, name="version-close-early"),
    path("standards/<slug:slug>/v<int:number>/<str:name>/", views.version_transition, name="version-transition"),
]
