"""collectstatic succeeds under the production settings (WhiteNoise's manifest storage).

The manifest storage rewrites every url() and sourceMappingURL it finds and refuses a
file that names one missing from the repository (chart.js named its unvendored .map).
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_collectstatic_with_production_settings(tmp_path):
    static_root = tmp_path / "static"
    env = {
        # A clean environment, as on a server where nothing else is configured.
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "k3$9-" + "q7Zp2vX8mN4bR6tY1wL0sD5fG" * 3,
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        "ALLOWED_HOSTS": "fazhi.example.cn",
        "STATIC_ROOT": str(static_root),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["vendor/chart.js/chart.umd.min.js"]
    assert hashed != "vendor/chart.js/chart.umd.min.js"
    assert (static_root / hashed).is_file()
    assert (static_root / (hashed + ".gz")).is_file()
