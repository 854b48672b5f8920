"""Review, routing and the EST settings under /samverkan/<slug>/est/ (lofte/urls.py)."""

from django.urls import path

from lofte.est.review import views

app_name = "est_review"

urlpatterns = [
    path("granska/", views.queue, name="review"),
    path("granska/<int:pk>/", views.review_detail, name="review_detail"),
    path("granska/<int:pk>/godkann/", views.review_approve, name="review_approve"),
    path("granska/<int:pk>/korrigera/", views.review_correct, name="review_correct"),
    path("granska/<int:pk>/sla-ihop/", views.review_merge, name="review_merge"),
    path("granska/<int:pk>/avvisa/", views.review_reject, name="review_reject"),
    path("granska/<int:pk>/fordela/", views.review_route, name="review_route"),
    path("granska/<int:pk>/status/", views.incident_status, name="status"),
    path("tilldelade/", views.assigned, name="assigned"),
    path("installningar/", views.est_settings, name="settings"),
    path("installningar/kategorier/", views.settings_categories, name="settings_categories"),
    path("installningar/kategorier/ny/", views.settings_category_add, name="settings_category_add"),
    path("installningar/fordelning/", views.settings_routing_add, name="settings_routing_add"),
    path("installningar/fordelning/<int:pk>/ta-bort/", views.settings_routing_delete, name="settings_routing_delete"),
]
