"""Error bodies. Every error is JSON with a `detail` sentence; a 400 also has
`errors`: each bad parameter with its messages, e.g.

    {"detail": "Invalid request parameters.",
     "errors": {"naics": ["Enter a NAICS code or its first 2–6 digits."]}}
"""

from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler


def _messages(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if isinstance(value, dict):
        return [f"{key}: {'; '.join(_messages(item))}" for key, item in value.items()]
    return [str(value)]


def api_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        data = response.data
        if not isinstance(data, dict):
            data = {"non_field_errors": data}
        response.data = {
            "detail": "Invalid request parameters.",
            "errors": {name: _messages(value) for name, value in data.items()},
        }
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    response["Cache-Control"] = "no-store" if response.status_code == 429 else "no-cache"
    return response
