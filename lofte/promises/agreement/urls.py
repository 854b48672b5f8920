"""The samverkansöverenskommelse's pages under /samverkan/<slug>/loften/ (lofte/urls.py)."""

from django.urls import path

from lofte.promises.agreement import views

app_name = "agreement"

urlpatterns = [
    path("overenskommelse/ny/", views.agreement_create, name="agreement_create"),
    path("overenskommelse/<int:pk>/", views.agreement_detail, name="agreement"),
    path("overenskommelse/<int:pk>/andra/", views.agreement_update, name="agreement_update"),
    path("overenskommelse/<int:pk>/undertecknare/", views.signatory_add, name="add_signatory"),
    path("overenskommelse/<int:pk>/undertecknare/<int:item>/ta-bort/", views.signatory_remove, name="remove_signatory"),
    path("overenskommelse/<int:pk>/bilagor/", views.document_add, name="add_document"),
    path("overenskommelse/<int:pk>/bilagor/<int:item>/", views.document_download, name="agreement_file"),
    path("overenskommelse/<int:pk>/bilagor/<int:item>/ta-bort/", views.document_remove, name="remove_document"),
]
