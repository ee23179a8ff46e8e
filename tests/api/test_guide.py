"""/api/: the human guide with working curl examples."""

import re
import subprocess

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def curl_urls(client) -> list[str]:
    response = client.get("/api/")
    assert response.status_code == 200
    html = response.content.decode().replace("&amp;", "&")
    return re.findall(r'curl[^"]*"(http[^"]+)"', html) + re.findall(r'url="(http[^"]+)"', html)


def test_guide_page_extends_the_site_and_shows_the_limits(client, settings):
    settings.API_RATE_ANON = "60/minute"
    html = client.get("/api/").content.decode()
    assert "<h1>The waivers API</h1>" in html
    assert "60 a minute" in html
    assert 'href="/api/docs/"' in html and 'href="/api/v1/schema/"' in html
    assert "usa-banner" in html  # the site's shell


def test_curl_examples_run_against_the_api(client, catalogue):
    urls = curl_urls(client)
    assert len(urls) == 3
    year_start = f"{timezone.localdate().year}-01-01"
    pending, dla_csv, walk = urls
    assert pending.endswith("/api/v1/waivers/?type=nonavailability&psc=6640&open=true")
    assert dla_csv.endswith(f"/api/v1/waivers/?agency=97AS&submitted_after={year_start}&format=csv")
    assert "cursor=*" in walk
    body = client.get(pending.replace("http://testserver", "")).json()
    assert [row["public_id"] for row in body["results"]] == [catalogue.laser.public_id]
    assert client.get(dla_csv.replace("http://testserver", "")).status_code == 200
    assert client.get(walk.replace("http://testserver", "")).json()["next"] is None


def test_shell_loop_of_the_cursor_example_is_valid_sh(client):
    html = client.get("/api/").content.decode()
    block = re.search(r'<code>(url="[^<]+)</code>', html).group(1)
    script = block.replace("&gt;", ">").replace("&amp;", "&").replace("&quot;", '"')
    checked = subprocess.run(["/bin/sh", "-n", "-c", script], check=False)  # noqa: S603
    assert checked.returncode == 0
