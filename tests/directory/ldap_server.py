"""A private OpenLDAP server for the directory-sync tests: Debian's slapd on a free port, no root.

``Slapd`` writes a slapd.conf-style configuration (the core, cosine and
inetOrgPerson schemas, one mdb database for ``dc=fazhi,dc=test``) into a
temporary directory and runs ``/usr/sbin/slapd -h ldap://127.0.0.1:PORT/ -f
slapd.conf -d 0`` in the foreground as a child process, optionally with TLS
(StartTLS on the ldap:// port and an ldaps:// port) from a CA and server
certificate made with openssl. Tests change the directory through ``add``,
``modify``, ``delete`` and ``move`` as its administrator.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import ldap3

from tests.services import require

SUFFIX = "dc=fazhi,dc=test"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "slapd-test-secret"
UNITS_BASE = f"ou=units,{SUFFIX}"
PEOPLE_BASE = f"ou=people,{SUFFIX}"
SCHEMAS = ("core", "cosine", "inetorgperson")


def slapd_binary() -> str | None:
    return shutil.which("slapd") or next((p for p in ("/usr/sbin/slapd",) if os.access(p, os.X_OK)), None)


def require_slapd() -> str:
    """The slapd binary; without it the test is skipped, except in CI (CI=true), where it fails."""
    return require(slapd_binary(), "slapd is not installed (apt-get install slapd ldap-utils)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificates(folder: Path) -> dict[str, Path]:
    """A CA, a server certificate for localhost/127.0.0.1 signed by it, and a second CA that signed nothing."""
    folder.mkdir(parents=True, exist_ok=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    for ca in ("ca", "other-ca"):
        openssl(
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", f"{ca}.key", "-out", f"{ca}.crt", "-subj", f"/CN=fazhi test {ca}",
        )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"
    )  # fmt: skip
    (folder / "san.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "san.cnf",
    )  # fmt: skip
    return {name: folder / f"{name}.crt" for name in ("ca", "other-ca", "server")} | {"key": folder / "server.key"}


class Slapd:
    def __init__(self, workdir: Path, *, tls: bool = False):
        self.binary = require_slapd()
        self.workdir = workdir
        self.tls = tls
        self.port = free_port()
        self.tls_port = free_port() if tls else None
        self.process: subprocess.Popen | None = None
        self.certificates: dict[str, Path] = {}

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}/"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://localhost:{self.tls_port}/"

    def _config(self) -> str:
        lines = [f"include /etc/ldap/schema/{schema}.schema" for schema in SCHEMAS]
        lines += [
            "modulepath /usr/lib/ldap",
            "moduleload back_mdb",
            f"pidfile {self.workdir / 'slapd.pid'}",
            f"argsfile {self.workdir / 'slapd.args'}",
        ]
        if self.tls:
            self.certificates = make_certificates(self.workdir / "tls")
            lines += [
                f"TLSCACertificateFile {self.certificates['ca']}",
                f"TLSCertificateFile {self.certificates['server']}",
                f"TLSCertificateKeyFile {self.certificates['key']}",
            ]
        lines += [
            "database mdb",
            "maxsize 33554432",
            f'suffix "{SUFFIX}"',
            f'rootdn "{ROOT_DN}"',
            f"rootpw {ROOT_PASSWORD}",
            f"directory {self.workdir / 'data'}",
            "index objectClass eq",
            # The sync's account reads everything (as a directory's administrator sets it up: slapd's
            # default sizelimit of 500 entries would cut a prefecture's staff list short); "limited"
            # keeps a small limit to show that a cut answer is refused; anonymous binds see nothing.
            f'limits dn.exact="cn=reader,{SUFFIX}" size=unlimited',
            f'limits dn.exact="cn=limited,{SUFFIX}" size=4',
            f'access to * by dn.exact="cn=reader,{SUFFIX}" read by dn.exact="cn=limited,{SUFFIX}" read'
            " by anonymous auth by * none",
        ]
        return "\n".join(lines) + "\n"

    def start(self) -> Slapd:
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        config = self.workdir / "slapd.conf"
        config.write_text(self._config())
        urls = self.url + (f" {self.ldaps_url}" if self.tls else "")
        log = (self.workdir / "slapd.log").open("wb")
        self.process = subprocess.Popen(
            [self.binary, "-h", urls, "-f", str(config), "-d", "0"], stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                self.connection().unbind()
                break
            except ldap3.core.exceptions.LDAPException:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        "slapd did not start: " + (self.workdir / "slapd.log").read_text(errors="replace")
                    ) from None
                time.sleep(0.1)
        self.reset()
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def connection(self) -> ldap3.Connection:
        server = ldap3.Server("127.0.0.1", port=self.port, get_info=ldap3.NONE, connect_timeout=2)
        return ldap3.Connection(server, ROOT_DN, ROOT_PASSWORD, auto_bind=True, raise_exceptions=True)

    # --- changing the directory, as its administrator

    def reset(self) -> None:
        """Empty the directory down to the suffix, the two containers and the sync's reading account."""
        conn = self.connection()
        try:
            found = conn.search(SUFFIX, "(objectClass=*)", search_scope=ldap3.SUBTREE, attributes=[])
        except ldap3.core.exceptions.LDAPNoSuchObjectResult:
            found = False
        if found:
            for dn in sorted((e.entry_dn for e in conn.entries), key=lambda d: -d.count(",")):
                conn.delete(dn)
        conn.add(SUFFIX, ["dcObject", "organization"], {"o": "法治学堂测试", "dc": "fazhi"})
        conn.add(UNITS_BASE, ["organizationalUnit"], {"ou": "units"})
        conn.add(PEOPLE_BASE, ["organizationalUnit"], {"ou": "people"})
        for account in ("reader", "limited"):
            conn.add(
                f"cn={account},{SUFFIX}",
                ["person", "simpleSecurityObject"],
                {"cn": account, "sn": account, "userPassword": f"{account}-secret"},
            )
        conn.unbind()

    def add(self, dn: str, object_classes: list[str], attributes: dict) -> None:
        conn = self.connection()
        conn.add(dn, object_classes, attributes)
        conn.unbind()

    def modify(self, dn: str, **attributes) -> None:
        """Replace attributes (``None`` or ``[]`` deletes one)."""
        conn = self.connection()
        conn.modify(
            dn,
            {
                name: [(ldap3.MODIFY_REPLACE, [] if value is None else value if isinstance(value, list) else [value])]
                for name, value in attributes.items()
            },
        )
        conn.unbind()

    def delete(self, dn: str) -> None:
        conn = self.connection()
        conn.delete(dn)
        conn.unbind()

    def move(self, dn: str, new_rdn: str, new_superior: str | None = None) -> None:
        conn = self.connection()
        conn.modify_dn(dn, new_rdn, new_superior=new_superior)
        conn.unbind()

    def entry_uuid(self, dn: str) -> str:
        conn = self.connection()
        conn.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["entryUUID"])
        value = conn.entries[0].entryUUID.value
        conn.unbind()
        return str(value)

    # --- the prefecture the tests start from

    def add_unit(self, path: list[str], code: str) -> str:
        dn = ",".join(f"ou={name}" for name in reversed(path)) + f",{UNITS_BASE}"
        self.add(dn, ["organizationalUnit"], {"ou": path[-1], "businessCategory": code})
        return dn

    def add_person(self, uid: str, employee_no: str | None, name: str, unit_code: str | None, **extra) -> str:
        dn = f"uid={uid},{PEOPLE_BASE}"
        attributes = {"uid": uid, "cn": name, "sn": name[:1]}
        if employee_no is not None:
            attributes["employeeNumber"] = employee_no
        if unit_code is not None:
            attributes["departmentNumber"] = unit_code
        attributes.update({k: v for k, v in extra.items() if v is not None})
        self.add(dn, ["inetOrgPerson"], attributes)
        return dn
