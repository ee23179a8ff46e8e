"""Reads for the public site and API (HackSoft-style selectors). Every
selector starts from Waiver.objects.public()."""
