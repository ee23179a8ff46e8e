from django.contrib import admin
from django.urls import path

admin.site.site_header = "Made in America waivers — staff"
admin.site.site_title = "MIAO waivers staff"

urlpatterns = [
    path("admin/", admin.site.urls),
]
