from celery import current_app
from django_celery_beat.models import CrontabSchedule, PeriodicTask

DAILY_TASKS = ("accounts.tasks.deactivate_departed_staff", "accounts.tasks.expire_credentials")


def test_daily_account_tasks_are_on_the_beat_schedule_after_migrate(db):
    # The test database was built by migrate, whose post_migrate hook registers them.
    for name in DAILY_TASKS:
        periodic = PeriodicTask.objects.select_related("crontab").get(task=name)
        assert periodic.enabled and periodic.interval is None
        crontab = periodic.crontab
        assert str(crontab.timezone) == "Asia/Shanghai"
        assert (crontab.day_of_month, crontab.month_of_year, crontab.day_of_week) == ("*", "*", "*")
        assert crontab.hour.isdigit() and 0 <= int(crontab.hour) < 6
        assert crontab.minute.isdigit()


def test_scheduled_account_tasks_are_registered_celery_tasks(db):
    import accounts.tasks  # noqa: F401  (what the worker's autodiscovery imports)

    for name in DAILY_TASKS:
        assert name in current_app.tasks


def test_running_the_schedule_setup_again_creates_no_duplicates(db):
    from accounts.schedules import ensure_periodic_tasks

    ensure_periodic_tasks()
    tasks, crontabs = PeriodicTask.objects.count(), CrontabSchedule.objects.count()
    ensure_periodic_tasks()
    ensure_periodic_tasks()
    assert (PeriodicTask.objects.count(), CrontabSchedule.objects.count()) == (tasks, crontabs)
    for name in DAILY_TASKS:
        assert PeriodicTask.objects.filter(task=name).count() == 1


def test_setup_restores_a_schedule_deleted_by_hand(db):
    from accounts.schedules import ensure_periodic_tasks

    PeriodicTask.objects.filter(task__in=DAILY_TASKS).delete()
    ensure_periodic_tasks()
    assert set(PeriodicTask.objects.filter(task__in=DAILY_TASKS).values_list("task", flat=True)) == set(DAILY_TASKS)
