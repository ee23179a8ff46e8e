from django.urls import path

from agencies import views

app_name = "agencies"

urlpatterns = [
    path("agencies/", views.agency_list, name="list"),
    path("agencies/<slug:slug>/", views.agency_detail, name="detail"),
]
