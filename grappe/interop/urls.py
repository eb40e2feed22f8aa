from django.urls import path

from grappe.interop import views

app_name = "interop"

urlpatterns = [
    path("imports/", views.run_list, name="run_list"),
    path("imports/upload/", views.run_upload, name="run_upload"),
    path("imports/<int:pk>/", views.run_detail, name="run_detail"),
    path("imports/<int:pk>/rejected.csv", views.run_rejected_csv, name="run_rejected_csv"),
    path("imports/merges/", views.merge_list, name="merge_list"),
    path("imports/merges/<int:pk>/", views.merge_decide, name="merge_decide"),
    path("imports/merges/bulk/", views.merge_bulk, name="merge_bulk"),
    path(
        "clusters/<slug:slug>/members/template.csv",
        views.member_template,
        name="member_template",
    ),
    path("clusters/<slug:slug>/members/import/", views.member_upload, name="member_upload"),
    path(
        "clusters/<slug:slug>/members/import/<int:pk>/",
        views.member_preview,
        name="member_preview",
    ),
    path(
        "funders/<slug:slug>/funding-lines/template.csv",
        views.funding_template,
        name="funding_template",
    ),
    path("funders/<slug:slug>/funding-lines/import/", views.funding_upload, name="funding_upload"),
    path(
        "funders/<slug:slug>/funding-lines/import/<int:pk>/",
        views.funding_preview,
        name="funding_preview",
    ),
    path(
        "funders/<slug:slug>/funding-lines/unmatched/",
        views.funding_unmatched,
        name="funding_unmatched",
    ),
]
