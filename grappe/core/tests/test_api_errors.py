"""The API's own error answers: ninja's fixed English messages in the reader's language, and
an unknown /api/ path answered as JSON in the API's 404 shape (not the site's HTML page)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

FR = {"accept-language": "fr"}


def test_an_unreadable_body_is_a_translated_400() -> None:
    client = Client()
    english = client.post("/api/v1/aid/simulate", "{not json", content_type="application/json")
    assert english.status_code == 400
    assert english.json() == {
        "detail": "The request body cannot be read: send JSON (Content-Type: application/json)."
    }
    french = client.post(
        "/api/v1/aid/simulate", "{not json", content_type="application/json", headers=FR
    )
    assert french.status_code == 400
    assert french.json()["detail"].startswith("Le corps de la requête est illisible")


def test_a_call_that_needs_a_session_is_a_translated_401() -> None:
    client = Client()
    english = client.post("/api/v1/projects/1/transitions", {}, content_type="application/json")
    assert english.status_code == 401
    assert english.json() == {"detail": "Log in first: this call needs a session."}
    french = client.post(
        "/api/v1/projects/1/transitions", {}, content_type="application/json", headers=FR
    )
    assert french.json() == {"detail": "Connectez-vous d'abord : cet appel demande une session."}


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v2/clusters", "/api/"])
def test_an_unknown_api_path_is_a_json_404(path: str) -> None:
    response = Client().get(path, headers=FR)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "detail": "Aucune opération de l'API à cette adresse : voir /api/v1/docs."
    }


def test_a_number_field_refuses_true_and_false() -> None:
    """pydantic's lax mode would read JSON's true as 1 (an organisation id, an amount)."""
    from decimal import Decimal

    import pydantic

    from grappe.core.apikit import InputSchema

    class Body(InputSchema):
        organisation_id: int | None = None
        amount: Decimal = Decimal("0")
        flag: bool = False

    for bad in ({"organisation_id": True}, {"amount": False}):
        with pytest.raises(pydantic.ValidationError) as exc:
            Body.model_validate(bad)
        assert exc.value.errors()[0]["type"] == "int_type"
    assert Body.model_validate({"organisation_id": 3, "amount": "1.5", "flag": True}).flag
