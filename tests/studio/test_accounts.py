"""Studio accounts: sign-in, sessions, CSRF, lockout, invitations, roles and CLI."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from server.adapters.db import db
from server.adapters.models import ApiToken, Invitation, Membership, User
from server.adapters.models.base import utcnow
from server.core.passwords import WeakPassword, check_new_password, verify_password
from server.services.accounts import AccountError, ensure_user, invite, live_invitation, redeem
from tests.studio.conftest import PASSWORD, StudioClient, make_user


def test_sign_in_sets_a_hardened_session_cookie(anonymous: StudioClient) -> None:
    anonymous.get("/studio/login")
    response = anonymous.post(
        "/studio/login", {"email": "Editor@Nkabom.example ", "password": PASSWORD}
    )
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert anonymous.get("/studio/nkabom/").status_code == 200


def test_secure_cookie_when_served_over_https(studio_app: Flask) -> None:
    studio_app.config["SESSION_COOKIE_SECURE"] = True
    client = StudioClient(studio_app.test_client())
    response = client.login("editor@nkabom.example")
    assert "Secure" in response.headers["Set-Cookie"]


def test_wrong_password_and_unknown_email_read_the_same(anonymous: StudioClient) -> None:
    wrong = anonymous.post(
        "/studio/login", {"email": "editor@nkabom.example", "password": "x" * 12}
    )
    unknown = anonymous.post(
        "/studio/login", {"email": "nobody@nkabom.example", "password": "x" * 12}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "The e-mail or the password is not right." in wrong.get_data(as_text=True)
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", wrong.get_data(as_text=True)).replace(
        "editor@nkabom.example", ""
    ) == strip.sub("", unknown.get_data(as_text=True)).replace("nobody@nkabom.example", "")


def test_lockout_after_repeated_failures_even_with_the_right_password(
    anonymous: StudioClient,
) -> None:
    for _ in range(5):
        assert (
            anonymous.post(
                "/studio/login", {"email": "viewer@nkabom.example", "password": "not-it-at-all"}
            ).status_code
            == 401
        )
    locked = anonymous.post(
        "/studio/login", {"email": "viewer@nkabom.example", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert "Too many attempts" in locked.get_data(as_text=True)
    # An unknown account locks out the same way: the message tells nothing about existence.
    for _ in range(5):
        anonymous.post(
            "/studio/login", {"email": "ghost@nkabom.example", "password": "nope-nope-nope"}
        )
    ghost = anonymous.post(
        "/studio/login", {"email": "ghost@nkabom.example", "password": "nope-nope-nope"}
    )
    assert ghost.status_code == 429


def test_every_state_change_needs_the_csrf_token(studio: StudioClient) -> None:
    studio.get("/studio/nkabom/tokens")
    response = studio.client.post("/studio/nkabom/tokens", data={"name": "forged"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    forged = studio.client.post(
        "/studio/nkabom/tokens", data={"name": "forged", "csrf_token": "not-a-token"}
    )
    assert forged.status_code == 400
    login = studio.client.post("/studio/login", data={"email": "a@b.example", "password": "x"})
    assert login.status_code == 400


def test_pages_need_sign_in_and_come_back_after(anonymous: StudioClient) -> None:
    response = anonymous.get("/studio/nkabom/people")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/studio/login?next=/studio/nkabom/people")
    anonymous.get(response.headers["Location"])
    after = anonymous.post(
        "/studio/login",
        {"email": "editor@nkabom.example", "password": PASSWORD, "next": "/studio/nkabom/people"},
    )
    assert after.headers["Location"] == "/studio/nkabom/people"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/other"])
def test_next_never_leaves_the_studio(anonymous: StudioClient, target: str) -> None:
    anonymous.get("/studio/login")
    response = anonymous.post(
        "/studio/login", {"email": "editor@nkabom.example", "password": PASSWORD, "next": target}
    )
    assert response.headers["Location"] == "/studio/"


def test_sign_out_ends_the_session(studio: StudioClient) -> None:
    studio.get("/studio/nkabom/")
    assert studio.post("/studio/logout").status_code == 303
    assert studio.get("/studio/nkabom/").status_code == 302


def test_invitation_sets_password_once_and_expires(studio_app: Flask) -> None:
    with studio_app.app_context(), db.transaction() as session:
        user = ensure_user(session, "new@nkabom.example")
        token = invite(session, user)
        old = invite(session, user, now=utcnow() - timedelta(days=8))
    client = StudioClient(studio_app.test_client())
    page = client.get(f"/studio/invite/{token}")
    assert page.status_code == 200 and "new@nkabom.example" in page.get_data(as_text=True)
    short = client.post(f"/studio/invite/{token}", {"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 12" in short.get_data(as_text=True)
    differ = client.post(
        f"/studio/invite/{token}", {"password": PASSWORD, "confirm": PASSWORD + "x"}
    )
    assert differ.status_code == 400
    done = client.post(f"/studio/invite/{token}", {"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 303
    assert client.get(f"/studio/invite/{token}").status_code == 410
    expired = client.get(f"/studio/invite/{old}")
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert client.get("/studio/invite/made-up").status_code == 410


def test_password_change_by_invitation_ends_older_sessions(studio_app: Flask) -> None:
    first = StudioClient(studio_app.test_client())
    first.login("viewer@nkabom.example")
    assert first.get("/studio/nkabom/").status_code == 200
    with studio_app.app_context(), db.transaction() as session:
        user = session.scalar(select(User).where(User.email == "viewer@nkabom.example"))
        assert user is not None
        redeem(session, invite(session, user), "an-entirely-new-secret")
    assert first.get("/studio/nkabom/").status_code == 302


def test_password_rules_and_hashing() -> None:
    with pytest.raises(WeakPassword):
        check_new_password("short", "a@b.example")
    with pytest.raises(WeakPassword):
        check_new_password("a@b.example", "a@b.example")
    with pytest.raises(WeakPassword):
        check_new_password("aaaaaaaaaaaaaaaa", "a@b.example")
    check_new_password(PASSWORD, "a@b.example")
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not-a-hash", PASSWORD)


def test_invitation_helpers_refuse_used_tokens(studio_app: Flask) -> None:
    with studio_app.app_context(), db.transaction() as session:
        user = ensure_user(session, "twice@nkabom.example")
        token = invite(session, user)
        redeem(session, token, PASSWORD)
        with pytest.raises(AccountError):
            live_invitation(session, token)
        with pytest.raises(AccountError):
            ensure_user(session, "not an address")
        stored = session.scalars(select(Invitation.token_sha256)).all()
        assert token not in stored


def test_viewer_reads_but_cannot_change(studio_app: Flask) -> None:
    viewer = StudioClient(studio_app.test_client())
    viewer.login("viewer@nkabom.example")
    page = viewer.get("/studio/nkabom/tokens")
    assert page.status_code == 200
    assert "New token" not in page.get_data(as_text=True)
    assert viewer.post("/studio/nkabom/tokens", {"name": "sneaky"}).status_code == 403
    invite_try = viewer.post("/studio/nkabom/people", {"email": "x@y.example", "role": "editor"})
    assert invite_try.status_code == 403
    with studio_app.app_context():
        assert db.session.scalar(select(ApiToken).where(ApiToken.name == "sneaky")) is None
        assert db.session.scalar(select(User).where(User.email == "x@y.example")) is None


def test_editor_invites_a_colleague_who_then_signs_in(
    studio: StudioClient, studio_app: Flask
) -> None:
    studio.get("/studio/nkabom/people")
    bad = studio.post("/studio/nkabom/people", {"email": "not-an-email", "role": "viewer"})
    assert bad.status_code == 400 and "is not an e-mail address" in bad.get_data(as_text=True)
    response = studio.post(
        "/studio/nkabom/people", {"email": "colleague@nkabom.example", "role": "viewer"}
    )
    assert response.status_code == 200
    link = re.search(r"http://localhost/studio/invite/[\w-]+", response.get_data(as_text=True))
    assert link
    colleague = StudioClient(studio_app.test_client())
    path = link.group(0).removeprefix("http://localhost")
    colleague.get(path)
    assert colleague.post(path, {"password": PASSWORD, "confirm": PASSWORD}).status_code == 303
    assert colleague.get("/studio/nkabom/").status_code == 200
    assert colleague.get("/studio/rival/").status_code == 404


def test_editor_removes_a_member_but_not_themself(studio: StudioClient, studio_app: Flask) -> None:
    with studio_app.app_context():
        viewer_id = db.session.scalar(select(User.id).where(User.email == "viewer@nkabom.example"))
        me = db.session.scalar(select(User.id).where(User.email == "editor@nkabom.example"))
    studio.get("/studio/nkabom/people")
    studio.post(f"/studio/nkabom/people/{me}/remove")
    studio.post(f"/studio/nkabom/people/{viewer_id}/remove")
    with studio_app.app_context():
        members = db.session.scalars(select(Membership.user_id)).all()
        assert me in members and viewer_id not in members


def test_tokens_created_shown_once_and_revoked(studio: StudioClient, studio_app: Flask) -> None:
    studio.get("/studio/nkabom/tokens")
    assert studio.post("/studio/nkabom/tokens", {"name": ""}).status_code == 400
    created = studio.post("/studio/nkabom/tokens", {"name": "ERP export"})
    token = re.search(r"oxr_[\w-]+", created.get_data(as_text=True))
    assert token
    client = studio_app.test_client()
    auth = {"Authorization": f"Bearer {token.group(0)}"}
    assert client.get("/api/sites", headers=auth).status_code == 200
    with studio_app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "ERP export"))
    listing = studio.get("/studio/nkabom/tokens").get_data(as_text=True)
    assert "ERP export" in listing and token.group(0) not in listing
    studio.post(f"/studio/nkabom/tokens/{token_id}/revoke")
    assert client.get("/api/sites", headers=auth).status_code == 401


def test_platform_admin_sees_every_brand(studio_app: Flask) -> None:
    make_user(studio_app, "admin@platform.example", admin=True)
    admin = StudioClient(studio_app.test_client())
    admin.login("admin@platform.example")
    listing = admin.get("/studio/").get_data(as_text=True)
    assert "Nkabom Chocolate" in listing and "Rival Cocoa" in listing
    assert admin.get("/studio/rival/tokens").status_code == 200


def test_studio_is_translated(studio: StudioClient) -> None:
    page = studio.get("/studio/nkabom/people?lang=de").get_data(as_text=True)
    assert "Jemanden einladen" in page
    # The choice sticks for the session.
    assert "Jemanden einladen" in studio.get("/studio/nkabom/people").get_data(as_text=True)


def test_only_studio_answers_write_the_session_cookie(studio: StudioClient) -> None:
    """A signed-in editor's browser sends its session cookie with every request, static
    files, blobs and public pages included. Only the studio's own answers may write it
    back: any other answer carrying it would put the editor's session into a shared cache,
    and one that started before a change to the session (the studio's language, say) and
    ended after it would bring the old session back (the studio's e2e test saw its English
    page turn German after a slow preview's downloads)."""
    assert "Set-Cookie" in studio.get("/studio/nkabom/story?lang=de").headers
    for path in ("/static/css/studio.css", "/healthz", "/01/09520123100018/10/NK25-0120"):
        response = studio.get(path)
        response.close()  # a static file's answer holds the file open until closed
        assert response.status_code in (200, 202), (path, response.status_code)
        assert "Set-Cookie" not in response.headers, path
    # the session itself is untouched: the studio still answers in the language chosen
    assert 'lang="de"' in studio.get("/studio/nkabom/story").get_data(as_text=True)
