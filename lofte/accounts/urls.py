from django.urls import path

from lofte.accounts import people_views, views

app_name = "accounts"

urlpatterns = [
    path("logga-in/", views.SignInView.as_view(), name="login"),
    path("logga-ut/", views.SignOutView.as_view(), name="logout"),
    path("losenord/glomt/", views.ResetView.as_view(), name="password_reset"),
    path("losenord/glomt/skickat/", views.ResetDoneView.as_view(), name="password_reset_done"),
    path(
        "losenord/aterstall/<uidb64>/<token>/",
        views.ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("losenord/aterstallt/", views.ResetCompleteView.as_view(), name="password_reset_complete"),
    path("losenord/byt/", views.ChangePasswordView.as_view(), name="password_change"),
    path("profil/", views.profile, name="profile"),
    path("inbjudan/<str:token>/", people_views.accept, name="invitation"),
    path("nycklar/", views.tokens, name="tokens"),
    path("nycklar/<int:pk>/aterkalla/", views.token_revoke, name="token_revoke"),
    path("logga-ut-overallt/", views.sign_out_everywhere, name="sign_out_everywhere"),
]
