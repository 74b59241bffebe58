from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.guards import refuse_in_production


class Command(BaseCommand):
    help = (
        "为使用说明重新截图（docs/img/）：在演示数据上补充示例课程和正在进行的培训，"
        "用无界面 Chromium 登录正在运行、使用同一数据库的网站，按 1280 像素宽截取。会修改演示数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", required=True, help="正在运行的网站地址，如 http://127.0.0.1:8000")
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs" / "img"), help="保存目录")
        parser.add_argument("--only", default="", help="只截取文件名以此开头的图片，如 classroom-")
        parser.add_argument(
            "--chromium", default=getattr(settings, "CHROMIUM_PATH", "/usr/bin/chromium"), help="Chromium 可执行文件"
        )

    def handle(self, *args, base_url, out, only, chromium, **options):
        refuse_in_production("help_screenshots")
        try:
            from demo.screenshots import take
        except ImportError as exc:  # Playwright is a development dependency
            raise CommandError(f"需要开发依赖 playwright（pip install -r requirements-dev.txt）：{exc}") from exc
        saved = take(base_url=base_url, out=Path(out), chromium=chromium, only=only)
        for path in saved:
            self.stdout.write(str(path))
        self.stdout.write(self.style.SUCCESS(f"已保存 {len(saved)} 张截图。"))
