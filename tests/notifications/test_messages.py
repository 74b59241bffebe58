from notifications.models import Notification
from tests.factories import UserFactory


def test_nav_shows_unread_count_and_messages_page(client_for, learner):
    from notifications.services.notifications import notify

    notify(user=learner, title="测试消息", body="正文", url="/learning/hours/")
    client = client_for(learner)
    page = client.get("/learning/messages/").content.decode()
    assert '<span class="nav-badge" data-testid="nav-badge">1</span>' in page and "测试消息" in page
    assert 'data-testid="nav-badge-link">消息 <span class="nav-badge">1</span>' in page  # the phone header's shortcut
    note = Notification.objects.get()
    response = client.post(f"/learning/messages/{note.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/learning/hours/"
    assert "nav-badge" not in client.get("/learning/messages/").content.decode()


def test_other_peoples_message_is_404(client_for, learner, org_tree):
    from notifications.services.notifications import notify

    other = UserFactory(org_unit=org_tree["shufu_dept"])
    notify(user=other, title="别人的")
    note = Notification.objects.get()
    assert client_for(learner).post(f"/learning/messages/{note.pk}/open/").status_code == 404
    assert Notification.objects.get().read_at is None
