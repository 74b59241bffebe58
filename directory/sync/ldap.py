"""Reading people and units from an LDAP directory (ldap3), as plain records; nothing here writes.

What is read, and from where, is configuration (``DIRECTORY_LDAP_*`` in
``config/settings/base.py``, described in ``docs/directory_sync.md``): the
server, the account that binds, a search base and filter for units and for
people, and which attribute holds what. Units are the entries below the units
base that match its filter; their place in the tree is their place in the DN
hierarchy (the base itself is the container, never a unit). Every value is read
as text, every attribute as a list of values, so the sync decides what several
values mean.

Whatever goes wrong between us and the server (no connection, a refused bind, a
certificate that does not verify, a base that does not exist, a filter that does
not parse, more entries than the cap) is a ``DirectoryError`` with a Chinese
message: the sync is refused and nothing is changed.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import ldap3
from django.conf import settings
from django.utils.translation import gettext as _
from ldap3.core import exceptions as ldap_errors
from ldap3.core.results import RESULT_REFERRAL, RESULT_SIZE_LIMIT_EXCEEDED, RESULT_TIME_LIMIT_EXCEEDED
from ldap3.utils.dn import parse_dn

#: The people's attributes the sync can read (settings name the LDAP attribute of each; empty: not read).
PERSON_FIELDS = ("employee_no", "full_name", "unit_code", "email", "phone", "position", "category", "credential_no")
#: The units' attributes.
UNIT_FIELDS = ("code", "name")
#: Entries fetched per page (the paged-results control: the server never builds one huge answer).
PAGE_SIZE = 500
#: The simple paged results control (RFC 2696).
PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"
_SEPARATOR_SPACES = re.compile(r"(?<!\\)\s*([,+])\s*")


class DirectoryError(Exception):
    """The directory could not be read as configured; the message says why, in Chinese."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class LdapConfig:
    url: str
    bind_dn: str
    bind_password: str
    start_tls: bool
    ca_file: str
    allow_plaintext: bool
    timeout_seconds: int
    people_base: str
    people_filter: str
    units_base: str
    units_filter: str
    #: ``{field: LDAP attribute}`` for people (``PERSON_FIELDS``), empty attribute: not read.
    person_attributes: dict[str, str]
    #: ``{field: LDAP attribute}`` for units (``UNIT_FIELDS``).
    unit_attributes: dict[str, str]
    #: The attribute holding an entry's stable id (``entryUUID``; ``objectGUID`` in Active Directory).
    uuid_attribute: str

    @classmethod
    def from_settings(cls) -> LdapConfig:
        return cls(
            url=settings.DIRECTORY_LDAP_URL,
            bind_dn=settings.DIRECTORY_LDAP_BIND_DN,
            bind_password=settings.DIRECTORY_LDAP_BIND_PASSWORD,
            start_tls=settings.DIRECTORY_LDAP_START_TLS,
            ca_file=settings.DIRECTORY_LDAP_CA_FILE,
            allow_plaintext=settings.DIRECTORY_LDAP_ALLOW_PLAINTEXT,
            timeout_seconds=settings.DIRECTORY_LDAP_TIMEOUT,
            people_base=settings.DIRECTORY_LDAP_PEOPLE_BASE,
            people_filter=settings.DIRECTORY_LDAP_PEOPLE_FILTER,
            units_base=settings.DIRECTORY_LDAP_UNITS_BASE,
            units_filter=settings.DIRECTORY_LDAP_UNITS_FILTER,
            person_attributes=dict(settings.DIRECTORY_LDAP_PERSON_ATTRIBUTES),
            unit_attributes=dict(settings.DIRECTORY_LDAP_UNIT_ATTRIBUTES),
            uuid_attribute=settings.DIRECTORY_LDAP_UUID_ATTRIBUTE,
        )

    def check(self) -> None:
        """Refuse a configuration that cannot work, or would send the bind password in the clear."""
        if not self.url:
            raise DirectoryError(_("未配置目录服务器（DIRECTORY_LDAP_URL），目录同步未开启。"))
        parts = urlsplit(self.url)
        if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
            raise DirectoryError(
                _("目录服务器地址“%(url)s”无效：应为 ldap://主机:端口 或 ldaps://主机:端口。") % {"url": self.url}
            )
        if parts.scheme == "ldap" and not self.start_tls and self.bind_password and not self.allow_plaintext:
            if not _is_loopback(parts.hostname):
                raise DirectoryError(
                    _(
                        "连接 %(url)s 未加密，绑定密码会以明文传输：请改用 ldaps://，或设置 DIRECTORY_LDAP_START_TLS=true。"
                    )
                    % {"url": self.url}
                )
        for label, base in ((_("人员搜索基准"), self.people_base), (_("单位搜索基准"), self.units_base)):
            if not base:
                raise DirectoryError(_("未配置%(what)s。") % {"what": label})
            try:
                dn_key(base)
            except ldap_errors.LDAPInvalidDnError:
                raise DirectoryError(_("%(what)s“%(dn)s”不是有效的 DN。") % {"what": label, "dn": base}) from None
        for required, attribute in (
            ("employee_no", self.person_attributes.get("employee_no")),
            ("full_name", self.person_attributes.get("full_name")),
            ("code", self.unit_attributes.get("code")),
            ("name", self.unit_attributes.get("name")),
        ):
            if not attribute:
                raise DirectoryError(_("未配置目录属性：%(field)s。") % {"field": required})


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def dn_key(dn: str) -> tuple:
    """A DN as LDAP compares these: attribute types and values without case, spaces around separators ignored."""
    rdns, current = [], []
    for attribute, value, separator in parse_dn(_SEPARATOR_SPACES.sub(r"\1", dn.strip())):
        current.append((attribute.lower(), value.strip().lower()))
        if separator != "+":
            rdns.append(tuple(sorted(current)))
            current = []
    return tuple(rdns)


def rdn_values(dn: str) -> set[str]:
    """The values of an entry's own RDN, lower-case (to tell which of several names the entry is named by)."""
    return {value for _attribute, value in dn_key(dn)[0]}


@dataclass(frozen=True)
class DirectoryRecord:
    """One entry as read: its DN, its stable id if the directory gives one, ``{field: [values]}``."""

    dn: str
    key: tuple
    uuid: str | None
    values: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class DirectorySnapshot:
    units: list[DirectoryRecord]
    people: list[DirectoryRecord]
    units_base_key: tuple
    people_base_key: tuple


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").replace("\u3000", " ").strip()


def _uuid_text(raw: bytes) -> str:
    """entryUUID is text; Active Directory's objectGUID is 16 bytes, kept as hex."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return raw.hex()
    return text if text.isprintable() else raw.hex()


def _server(config: LdapConfig) -> ldap3.Server:
    parts = urlsplit(config.url)
    tls = ldap3.Tls(
        validate=ssl.CERT_REQUIRED,
        ca_certs_file=config.ca_file or None,
        sni=parts.hostname,
    )
    return ldap3.Server(
        parts.hostname,
        port=parts.port,
        use_ssl=parts.scheme == "ldaps",
        tls=tls,
        get_info=ldap3.NONE,
        connect_timeout=config.timeout_seconds,
    )


def _connect(config: LdapConfig) -> ldap3.Connection:
    auto_bind = ldap3.AUTO_BIND_TLS_BEFORE_BIND if config.start_tls else ldap3.AUTO_BIND_NO_TLS
    try:
        return ldap3.Connection(
            _server(config),
            user=config.bind_dn or None,
            password=config.bind_password or None,
            auto_bind=auto_bind,
            read_only=True,
            raise_exceptions=True,
            # A referral names another server: it is refused (``_search``), never followed with our password.
            auto_referrals=False,
            receive_timeout=config.timeout_seconds,
        )
    except ldap_errors.LDAPBindError as exc:
        raise DirectoryError(
            _("目录服务器拒绝了绑定账号“%(dn)s”（账号或密码不对，或无权登录）：%(err)s")
            % {"dn": config.bind_dn or _("匿名"), "err": exc}
        ) from None
    except ldap_errors.LDAPInvalidCredentialsResult as exc:
        raise DirectoryError(
            _("目录服务器拒绝了绑定账号“%(dn)s”（账号或密码不对，或无权登录）：%(err)s")
            % {"dn": config.bind_dn or _("匿名"), "err": exc}
        ) from None
    except (ldap_errors.LDAPStartTLSError, ldap_errors.LDAPSSLConfigurationError) as exc:
        raise DirectoryError(_("无法与目录服务器建立加密连接：%(err)s") % {"err": exc}) from None
    except ldap_errors.LDAPCommunicationError as exc:
        if "certificate" in str(exc).lower() or "ssl" in str(exc).lower():
            raise DirectoryError(_("无法与目录服务器建立加密连接：%(err)s") % {"err": exc}) from None
        raise DirectoryError(_("无法连接目录服务器 %(url)s：%(err)s") % {"url": config.url, "err": exc}) from None
    except ldap_errors.LDAPException as exc:
        raise DirectoryError(_("无法连接目录服务器 %(url)s：%(err)s") % {"url": config.url, "err": exc}) from None


def _check_complete(result: dict, *, what: str, base: str) -> None:
    code = result.get("result")
    if code == RESULT_REFERRAL:
        raise DirectoryError(
            _("目录把%(what)s的搜索基准“%(base)s”转给了其他服务器（%(refs)s），平台不跟随转交；请直接配置那台服务器。")
            % {"what": what, "base": base, "refs": "、".join(result.get("referrals") or [])}
        )
    if code == RESULT_SIZE_LIMIT_EXCEEDED:
        raise DirectoryError(
            _(
                "目录服务器只返回了部分%(what)s（超过了服务器对每次搜索的条目数限制 sizelimit），未同步；"
                '请在目录中取消同步账号的条目数限制（OpenLDAP：limits dn.exact="绑定账号" size=unlimited）。'
            )
            % {"what": what}
        )
    if code == RESULT_TIME_LIMIT_EXCEEDED:
        raise DirectoryError(
            _("目录服务器在读完%(what)s之前停止了搜索（超过了服务器的时间限制 timelimit），未同步。") % {"what": what}
        )


def _record(result: dict, attributes: dict[str, str], uuid_attribute: str, *, what: str, cap: int, count: int):
    if count >= cap:
        raise DirectoryError(
            _("目录中的%(what)s超过上限 %(cap)s 个，未同步（请检查搜索基准和过滤条件）。")
            % {"what": what, "cap": f"{cap:,}"}
        )
    raw = result["raw_attributes"]
    uuid_values = raw.get(uuid_attribute) if uuid_attribute else None
    return DirectoryRecord(
        dn=result["dn"],
        key=dn_key(result["dn"]),
        uuid=_uuid_text(uuid_values[0]) if uuid_values else None,
        values={
            name: [v for v in (_text(value) for value in raw.get(attribute) or []) if v]
            for name, attribute in attributes.items()
            if attribute
        },
    )


def _search(
    connection: ldap3.Connection,
    *,
    what: str,
    base: str,
    search_filter: str,
    attributes: dict[str, str],
    uuid_attribute: str,
    cap: int,
) -> list[DirectoryRecord]:
    """Every entry below ``base`` matching the filter, page by page.

    A partial answer is refused, never used: a server's size or time limit, or a
    referral to another server, would otherwise leave people out, and people left
    out are switched off.
    """
    wanted = sorted({a for a in (*attributes.values(), uuid_attribute) if a})
    records: list[DirectoryRecord] = []
    cookie = None
    try:
        while True:
            connection.search(
                search_base=base,
                search_filter=search_filter,
                search_scope=ldap3.SUBTREE,
                attributes=wanted,
                paged_size=PAGE_SIZE,
                paged_cookie=cookie,
            )
            _check_complete(connection.result, what=what, base=base)
            for result in connection.response or []:
                if result.get("type") == "searchResRef":
                    raise DirectoryError(
                        _(
                            "目录把%(what)s的一部分转给了其他服务器（%(refs)s），平台不跟随转交；请把搜索基准指向包含全部条目的服务器。"
                        )
                        % {"what": what, "refs": "、".join(result.get("uri") or [])}
                    )
                records.append(_record(result, attributes, uuid_attribute, what=what, cap=cap, count=len(records)))
            cookie = connection.result.get("controls", {}).get(PAGED_RESULTS_OID, {}).get("value", {}).get("cookie")
            if not cookie:
                break
    except ldap_errors.LDAPNoSuchObjectResult:
        raise DirectoryError(_("%(what)s的搜索基准“%(dn)s”在目录中不存在。") % {"what": what, "dn": base}) from None
    except ldap_errors.LDAPInsufficientAccessRightsResult:
        raise DirectoryError(
            _("绑定账号“%(dn)s”无权读取%(what)s（搜索基准“%(base)s”）：请在目录中给它读取权限。")
            % {"dn": connection.user or _("匿名"), "what": what, "base": base}
        ) from None
    except ldap_errors.LDAPInvalidFilterError as exc:
        raise DirectoryError(
            _("%(what)s的过滤条件“%(filter)s”无效：%(err)s") % {"what": what, "filter": search_filter, "err": exc}
        ) from None
    except ldap_errors.LDAPException as exc:
        raise DirectoryError(_("读取目录中的%(what)s失败：%(err)s") % {"what": what, "err": exc}) from None
    return records


def read_directory(config: LdapConfig | None = None) -> DirectorySnapshot:
    """Bind, read every unit and every person the configuration names, and unbind."""
    config = config or LdapConfig.from_settings()
    config.check()
    connection = _connect(config)
    try:
        units = _search(
            connection,
            what=_("单位"),
            base=config.units_base,
            search_filter=config.units_filter,
            attributes=config.unit_attributes,
            uuid_attribute=config.uuid_attribute,
            cap=settings.DIRECTORY_SYNC_MAX_UNITS,
        )
        people = _search(
            connection,
            what=_("人员"),
            base=config.people_base,
            search_filter=config.people_filter,
            attributes=config.person_attributes,
            uuid_attribute=config.uuid_attribute,
            cap=settings.MAX_IMPORT_ROWS_STAFF,
        )
    finally:
        connection.unbind()
    units_base_key = dn_key(config.units_base)
    return DirectorySnapshot(
        # The base is the container of the units, never a unit itself.
        units=[u for u in units if u.key != units_base_key],
        people=people,
        units_base_key=units_base_key,
        people_base_key=dn_key(config.people_base),
    )
