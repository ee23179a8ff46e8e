from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """django.contrib.admin, whose default site (admin.site, where every
    ModelAdmin registers) is the staff site of miao_site.staff_admin."""

    default_site = "miao_site.staff_admin.StaffAdminSite"

    def ready(self):
        super().ready()
        from django.contrib.auth.signals import user_logged_in

        from miao_site import checks  # noqa: F401 - registers the deploy checks
        from miao_site.sessions import start

        user_logged_in.connect(start, dispatch_uid="miao_site.sessions.start")
