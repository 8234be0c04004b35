"""A compressed Digital Link URI redirects to its uncompressed form; a malformed one is 400."""

from __future__ import annotations

from flask import Flask

from tests.core.gs1.test_compressed import GTIN, compress

LOT = "NK25-0227"


def test_a_compressed_uri_redirects_to_the_batch_it_names(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    text = compress([("01", GTIN), ("10", LOT)], "0B")
    response = client.get(f"/{text}?lang=de")
    assert response.status_code == 308
    assert response.headers["Location"] == f"/01/{GTIN}/10/{LOT}?lang=de"
    page = client.get(f"/{text}", follow_redirects=True)
    assert page.status_code == 200 and LOT in page.get_data(as_text=True)


def test_query_ais_of_a_compressed_uri_stay_attributes(sqlite_app: Flask) -> None:
    text = compress([("01", GTIN), ("10", LOT), ("17", "261231")], "0B")
    response = sqlite_app.test_client().get(f"/{text}")
    assert response.headers["Location"] == f"/01/{GTIN}/10/{LOT}?17=261231"


def test_a_malformed_compressed_uri_is_refused_saying_why(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    cut = compress([("01", GTIN), ("10", LOT)], "0B")[:12]
    response = client.get(f"/{cut}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "cut short" in response.get_json()["detail"]
    page = client.get(f"/{cut}?lang=de")
    assert page.status_code == 400 and page.mimetype == "text/html"
    # a bad check digit is found by the resolver the redirect leads to
    wrong = compress([("01", GTIN[:-1] + "6"), ("10", LOT)], "0B")
    assert client.get(f"/{wrong}", follow_redirects=True).status_code == 400


def test_other_root_paths_are_not_taken_for_compressed_ones(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    assert client.get("/favicon.ico").status_code != 400
    assert client.get("/livez").status_code == 200


def test_a_partially_compressed_uri_redirects_to_the_batch_it_names(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    text = compress([("10", LOT), ("17", "261231")])
    response = client.get(f"/01/{GTIN}/{text}?lang=de")
    assert response.status_code == 308
    assert response.headers["Location"] == f"/01/{GTIN}/10/{LOT}?17=261231&lang=de"
    page = client.get(f"/01/{GTIN}/{compress([('10', LOT)])}", follow_redirects=True)
    assert page.status_code == 200 and LOT in page.get_data(as_text=True)
    site = client.get(f"/414/9520123000028/{compress([('254', '7')])}")
    assert site.headers["Location"] == "/414/9520123000028/254/7"


def test_a_malformed_partially_compressed_uri_is_refused_saying_why(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    json_headers = {"Accept": "application/json"}
    second_key = client.get(
        f"/01/{GTIN}/{compress([('414', '9520123000028')])}", headers=json_headers
    )
    assert second_key.status_code == 400
    assert "primary GS1 key (414)" in second_key.get_json()["detail"]
    cut = compress([("10", LOT), ("17", "261231")])[:6]
    assert client.get(f"/01/{GTIN}/{cut}", headers=json_headers).status_code == 400
    # an AI without its value is still what it was: not taken for a compressed string
    bare = client.get(f"/01/{GTIN}/10", headers=json_headers)
    assert bare.status_code == 400 and "cut short" not in bare.get_json()["detail"]
