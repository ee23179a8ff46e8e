from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("alerts/follow/", views.follow_search, name="follow"),
    path("alerts/follow/waiver/<str:public_id>/", views.follow_waiver, name="follow_waiver"),
    path("alerts/check-your-email/", views.check_email, name="check_email"),
    path("alerts/confirm/<str:token>/", views.confirm, name="confirm"),
    path("alerts/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("alerts/manage/", views.manage_request, name="manage_request"),
    path("alerts/manage/sent/", views.manage_sent, name="manage_sent"),
    path("alerts/manage/<str:token>/", views.manage, name="manage"),
]
