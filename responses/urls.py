from django.urls import path

from responses import views

app_name = "responses"

urlpatterns = [
    path("waivers/<str:public_id>/respond/", views.respond, name="respond"),
    path("responses/check-your-email/", views.check_email, name="check_email"),
    path("responses/confirm/<str:token>/", views.confirm, name="confirm"),
]
