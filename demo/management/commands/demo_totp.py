import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand, CommandError

from demo.guards import refuse_in_production
from demo.people import DEMO_TOTP_SECRETS


class Command(BaseCommand):
    help = "打印演示账号当前的两步验证码（仅限演示账号）。"

    def add_arguments(self, parser):
        parser.add_argument("employee_no")

    def handle(self, *args, employee_no, **options):
        refuse_in_production("demo_totp")
        secret = DEMO_TOTP_SECRETS.get(employee_no)
        if secret is None:
            raise CommandError(f"{employee_no} 不是需要两步验证的演示账号")
        counter = int(time.time()) // app_settings.TOTP_PERIOD
        self.stdout.write(format_hotp_value(hotp_value(secret, counter)))
