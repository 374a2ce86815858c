"""Web Push subscriptions: only the browsers' push services are ever posted to, and a phone's subscription
belongs to the parent who registered it first."""

from backend.notify.push import endpoint_allowed
from backend.notify.tables import PushSubscription
from tests.attendance.test_register import ANAN
from tests.notify.test_delivery import absent


async def register(client, people, person, settings, endpoint: str, push_service) -> object:
    await person.sign_in(settings, client)
    await client.get("/attendance/children")
    keys = push_service.subscription("any")
    return await client.post("/notify/push/subscribe", json={**keys, "endpoint": endpoint},
                             headers={"x-csrftoken": client.csrf_token()})


async def test_an_endpoint_outside_the_push_services_is_refused_and_never_posted_to(
        make_client, people, settings, drain, push_service, fake_twilio):
    for endpoint in ("http://169.254.169.254/latest/meta-data", "https://127.0.0.1:6379/", "https://doolae.internal/x",
                     "http://fcm.googleapis.com/fcm/send/abc", "https://fcm.googleapis.com.evil.example/fcm/send/x",
                     "https://user@fcm.googleapis.com/fcm/send/x", "https://evil.example/?fcm.googleapis.com"):
        response = await register(make_client(), people, people.somsri, settings, endpoint, push_service)
        assert response.status_code == 422, endpoint
        assert "บริการแจ้งเตือน" in response.text  # in Thai: not a known push service
    assert await PushSubscription.count() == 0
    await absent(make_client(), people, settings, ANAN)
    await drain()
    assert push_service.delivered == []


def test_the_browsers_push_services_are_accepted(settings):
    for endpoint in ("https://fcm.googleapis.com/fcm/send/dGVzdA", "https://updates.push.services.mozilla.com/wpush/v2/x",
                     "https://web.push.apple.com/QGx", "https://wns2-par02p.notify.windows.com/w/?token=x"):
        assert endpoint_allowed(settings, endpoint), endpoint


async def test_a_subscription_stays_with_the_parent_who_registered_it(make_client, people, settings, push_service):
    endpoint = push_service.subscription("somsri-phone")["endpoint"]
    assert (await register(make_client(), people, people.somsri, settings, endpoint, push_service)).status_code == 204
    taken = await register(make_client(), people, people.noi, settings, endpoint, push_service)
    assert taken.status_code == 409 and "ผู้ใช้อื่น" in taken.text
    assert [row["user"] for row in await PushSubscription.select(PushSubscription.user)] == [people.somsri.user_id]
    # The owner registering again (new keys after the browser renewed them) is fine.
    assert (await register(make_client(), people, people.somsri, settings, endpoint, push_service)).status_code == 204
