"""Deterministic demo organisation and staff for ``seed_demo``.

The 12 counties/cities of 喀什地区 are real, so are the prefecture departments
and most of the 184 township names (the counties' 城区街道 are placeholders);
people are generated from common Han and Uyghur names with a fixed random seed,
so the same command always yields the same data and re-running it changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction

from accounts.models import OrgUnit, StaffCategory, User
from accounts.services.credentials import sync_from_staff

PREFECTURE = ("喀什地区", "KS")

COUNTIES = [
    (
        "喀什市",
        "KSS",
        [
            "浩罕乡",
            "乃则尔巴格镇",
            "夏马勒巴格镇",
            "多来特巴格乡",
            "色满乡",
            "荒地乡",
            "伯什克然木乡",
            "阿瓦提乡",
            "英吾斯坦乡",
            "帕哈太克里乡",
            "阿克喀什乡",
            "托克扎克镇",
            "恰克玛克乡",
            "恰萨街道",
            "亚瓦格街道",
            "吾斯塘博依街道",
            "库木代尔瓦扎街道",
            "西域大道街道",
            "东湖街道",
        ],
    ),
    (
        "疏附县",
        "SFX",
        [
            "托克扎克镇",
            "兰干乡",
            "乌帕尔镇",
            "塔什米里克乡",
            "铁日木乡",
            "布拉克苏乡",
            "萨依巴格乡",
            "站敏乡",
            "木什乡",
            "吾库萨克镇",
            "铁热木镇",
            "疏附县城区街道",
        ],
    ),
    (
        "疏勒县",
        "SLX",
        [
            "疏勒镇",
            "罕南力克镇",
            "牙甫泉镇",
            "巴仁乡",
            "洋大曼乡",
            "亚曼牙乡",
            "巴合齐乡",
            "塔孜洪乡",
            "英尔力克乡",
            "库木西力克乡",
            "阿拉力乡",
            "阿拉甫乡",
            "艾尔木东乡",
            "塔尕尔其乡",
            "英阿瓦提乡",
            "疏勒县城区街道",
        ],
    ),
    (
        "英吉沙县",
        "YJS",
        [
            "英吉沙镇",
            "乌恰镇",
            "芒辛镇",
            "克孜勒乡",
            "萨罕乡",
            "城关乡",
            "色提力乡",
            "依格孜牙乡",
            "乔勒潘乡",
            "龙甫乡",
            "托普鲁克乡",
            "苏盖提乡",
            "艾古斯乡",
            "克孜勒阿瓦提乡",
            "英吉沙县城区街道",
        ],
    ),
    (
        "泽普县",
        "ZPX",
        [
            "泽普镇",
            "奎依巴格镇",
            "波斯喀木乡",
            "依克苏乡",
            "图呼其乡",
            "古勒巴格乡",
            "赛力乡",
            "依玛乡",
            "布依鲁克塔吉克族乡",
            "桐安乡",
            "阿克塔木乡",
            "阿依库勒乡",
            "泽普县城区街道",
        ],
    ),
    (
        "莎车县",
        "SCX",
        [
            "莎车镇",
            "托木吾斯塘镇",
            "恰热克镇",
            "艾力西湖镇",
            "荒地镇",
            "阿瓦提镇",
            "伊什库力乡",
            "拍克其乡",
            "阿拉买提镇",
            "阿热勒乡",
            "米夏乡",
            "阔什艾日克乡",
            "依盖尔其镇",
            "乌达力克镇",
            "孜热甫夏提塔吉克族乡",
            "喀群乡",
            "霍什拉甫乡",
            "达木斯乡",
            "亚喀艾日克乡",
            "墩巴格乡",
            "英吾斯坦乡",
            "塔尕尔其镇",
            "恰尔巴格乡",
            "阿扎特巴格镇",
            "白什坎特镇",
            "古勒巴格镇",
            "阿尔斯兰巴格乡",
            "巴格阿瓦提乡",
            "莎车县城区街道",
        ],
    ),
    (
        "叶城县",
        "YCX",
        [
            "喀格勒克镇",
            "恰尔巴格镇",
            "乌夏巴什镇",
            "洛克乡",
            "伯西热克乡",
            "铁提乡",
            "恰萨美其特乡",
            "江格勒斯乡",
            "加依提勒克乡",
            "巴仁乡",
            "依力克其乡",
            "宗朗乡",
            "夏合甫乡",
            "柯克亚乡",
            "吐古其乡",
            "依提木孔乡",
            "萨依巴格乡",
            "棋盘乡",
            "西合休乡",
            "叶城县城区街道",
        ],
    ),
    (
        "麦盖提县",
        "MGT",
        [
            "麦盖提镇",
            "巴扎结米镇",
            "希依提墩乡",
            "央塔克乡",
            "尕孜库勒乡",
            "克孜勒阿瓦提乡",
            "昂格特勒克乡",
            "吐曼塔勒乡",
            "库尔玛乡",
            "库木库萨尔乡",
            "托格拉克乡",
            "麦盖提县城区街道",
        ],
    ),
    (
        "岳普湖县",
        "YPH",
        [
            "岳普湖镇",
            "艾西曼镇",
            "也克先拜巴扎乡",
            "色也克乡",
            "岳普湖乡",
            "铁热木乡",
            "阿洪鲁库木乡",
            "巴依阿瓦提乡",
            "阿其克乡",
        ],
    ),
    (
        "伽师县",
        "JSX",
        [
            "巴仁镇",
            "西克尔库勒镇",
            "卧里托格拉克镇",
            "克孜勒博依镇",
            "江巴孜乡",
            "古勒鲁克乡",
            "夏普吐勒乡",
            "米夏乡",
            "和夏阿瓦提乡",
            "英买里乡",
            "铁日木乡",
            "玉代克力克乡",
            "阿克喀什乡",
            "伽师县城区街道",
        ],
    ),
    (
        "巴楚县",
        "BCX",
        [
            "巴楚镇",
            "色力布亚镇",
            "三岔口镇",
            "阿瓦提镇",
            "琼库尔恰克乡",
            "多来提巴格乡",
            "阿纳库勒乡",
            "夏马勒乡",
            "阿拉格尔乡",
            "阿克萨克马热勒乡",
            "英吾斯坦乡",
            "恰尔巴格乡",
            "巴楚县城区街道",
        ],
    ),
    (
        "塔什库尔干塔吉克自治县",
        "TXK",
        [
            "塔什库尔干镇",
            "塔什库尔干乡",
            "塔合曼乡",
            "提孜那甫乡",
            "科克亚尔柯尔克孜族乡",
            "达布达尔乡",
            "马尔洋乡",
            "瓦恰乡",
            "班迪尔乡",
            "大同乡",
            "库科西鲁格乡",
            "布伦木沙乡",
        ],
    ),
]

PREFECTURE_DEPARTMENTS = [
    "公安局",
    "市场监督管理局",
    "生态环境局",
    "自然资源局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "林业和草原局",
    "文化体育广播电视和旅游局",
    "卫生健康委员会",
    "应急管理局",
    "人力资源和社会保障局",
    "教育局",
    "民政局",
    "司法局",
    "财政局",
    "审计局",
    "统计局",
    "医疗保障局",
    "商务局",
    "发展和改革委员会",
    "工业和信息化局",
    "城市管理局",
    "粮食和物资储备局",
    "民族宗教事务委员会",
    "退役军人事务局",
    "畜牧兽医局",
    "国防动员办公室",
    "烟草专卖局",
    "气象局",
    "档案局",
]
COUNTY_DEPARTMENTS = [
    "市场监督管理局",
    "自然资源局",
    "交通运输局",
    "农业农村局",
    "卫生健康委员会",
    "应急管理局",
    "综合行政执法局",
    "文化体育广播电视和旅游局",
]

HAN_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
HAN_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕建国志强立新海峰晓东文博宇浩然子涵欣怡思远俊杰雪梅春燕红梅丽娟振华建华卫东"
UYGHUR_MALE = [
    "艾力",
    "买买提",
    "阿不都",
    "热合曼",
    "吐尔逊",
    "艾合买提",
    "努尔买买提",
    "阿布力孜",
    "麦麦提",
    "依明",
    "吐逊江",
    "艾山",
    "玉素甫",
    "阿迪力",
    "库尔班",
    "亚森",
    "卡德尔",
    "肉孜",
    "克然木",
    "伊力哈木",
    "牙生",
    "托合提",
    "阿卜杜拉",
    "艾尔肯",
    "买合木提",
]
UYGHUR_FEMALE = [
    "阿依古丽",
    "古丽努尔",
    "热依拉",
    "帕提古丽",
    "迪丽努尔",
    "祖丽胡玛尔",
    "米热古丽",
    "阿依努尔",
    "古丽米拉",
    "热娜",
    "努尔古丽",
    "海尼古丽",
    "布合力且姆",
    "阿米娜",
    "再努尔",
]
POSITIONS_ENFORCEMENT = [
    "科员",
    "执法队员",
    "副科长",
    "科长",
    "中队长",
    "大队长",
    "所长",
    "站长",
    "一级主任科员",
    "四级主任科员",
]
POSITIONS_LEADER = ["局长", "副局长", "党组书记", "乡长", "副乡长", "镇长", "副镇长", "主任", "副主任"]
POSITIONS_OTHER = ["办事员", "文员", "会计", "驾驶员", "信息员"]

DEMO_PASSWORD = "Fazhi@2026demo"


@dataclass(frozen=True)
class DemoAccount:
    employee_no: str
    full_name: str
    role: str | None
    unit_code: str
    description: str


DEMO_ACCOUNTS = [
    DemoAccount("demo_learner", "艾力·买买提", None, "SCX-D01", "学员（执法人员，莎车县市场监督管理局）"),
    DemoAccount("demo_trainer", "李建华", "trainer", "KS-D16", "培训管理员（地区司法局）"),
    DemoAccount("demo_reviewer", "张志强", "reviewer", "KS-D16", "法制审核员（地区司法局）"),
    DemoAccount("demo_hr", "王芳", "hr", "SCX", "人事/合规专员（管辖莎车县）"),
    DemoAccount("demo_hr_pref", "阿依古丽·吐尔逊", "hr", "KS", "人事/合规专员（管辖全地区）"),
    DemoAccount("demo_admin", "陈立新", "admin", "KS", "系统管理员"),
]
# Fixed TOTP secrets (base32) so that a newcomer can add them to an authenticator app.
DEMO_TOTP_SECRETS = {
    "demo_trainer": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXA",
    "demo_reviewer": "KRUGKIDROVUWG2ZAMJZG653OEBTG6XBA",
    "demo_hr": "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
    "demo_hr_pref": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    "demo_admin": "ONSWG4TFOQQGC3LEEBWWK43TMFTWKIBB",
}
DEMO_RECOVERY_SEED = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"


def _unit(parent: OrgUnit | None, name: str, code: str, kind: str) -> OrgUnit:
    existing = OrgUnit.objects.filter(code=code).first()
    if existing:
        return existing
    if parent is None:
        return OrgUnit.add_root(name=name, code=code, kind=kind)
    parent.refresh_from_db()
    return parent.add_child(name=name, code=code, kind=kind)


@transaction.atomic
def seed_org() -> list[OrgUnit]:
    """Create the prefecture tree; return the units people can work in."""
    pref = _unit(None, PREFECTURE[0], PREFECTURE[1], OrgUnit.Kind.PREFECTURE)
    workplaces = []
    for i, dept in enumerate(PREFECTURE_DEPARTMENTS, start=1):
        workplaces.append(_unit(pref, f"喀什地区{dept}", f"KS-D{i:02d}", OrgUnit.Kind.DEPARTMENT))
    for name, code, townships in COUNTIES:
        county = _unit(pref, name, code, OrgUnit.Kind.COUNTY)
        for j, dept in enumerate(COUNTY_DEPARTMENTS, start=1):
            workplaces.append(_unit(county, f"{name}{dept}", f"{code}-D{j:02d}", OrgUnit.Kind.DEPARTMENT))
        for k, township in enumerate(townships, start=1):
            workplaces.append(_unit(county, township, f"{code}-T{k:02d}", OrgUnit.Kind.TOWNSHIP))
    return workplaces


def _name(rng: random.Random) -> str:
    if rng.random() < 0.55:
        first = rng.choice(UYGHUR_MALE + UYGHUR_FEMALE)
        return f"{first}·{rng.choice(UYGHUR_MALE)}"
    given = rng.choice(HAN_GIVEN) + (rng.choice(HAN_GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(HAN_SURNAMES) + given


def seed_staff(count: int, workplaces: list[OrgUnit], *, seed: int = 2026) -> int:
    """Create ``count`` staff deterministically; existing employee numbers are kept. Returns created."""
    rng = random.Random(seed)
    # Departments are bigger than townships: weight the draw.
    weights = [6 if u.kind == OrgUnit.Kind.DEPARTMENT else 2 for u in workplaces]
    existing = set(User.objects.filter(employee_no__startswith="KS").values_list("employee_no", flat=True))
    new_users = []
    for n in range(1, count + 1):
        employee_no = f"KS{n:06d}"
        unit = rng.choices(workplaces, weights)[0]
        draw = rng.random()
        name = _name(rng)
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        if draw < 0.85:
            category, position = StaffCategory.ENFORCEMENT, rng.choice(POSITIONS_ENFORCEMENT)
        elif draw < 0.93:
            category, position = StaffCategory.LEADER, rng.choice(POSITIONS_LEADER)
        else:
            category, position = StaffCategory.OTHER, rng.choice(POSITIONS_OTHER)
        if employee_no in existing:
            continue
        credential = f"6531{n:08d}" if category != StaffCategory.OTHER else None
        user = User(
            employee_no=employee_no,
            full_name=name,
            org_unit_id=unit.pk,
            staff_category=category,
            position=position,
            phone=phone,
            credential_no=credential,
        )
        user.set_unusable_password()
        new_users.append(user)
    User.objects.bulk_create(new_users, batch_size=1000)
    sync_from_staff(list(User.objects.filter(employee_no__in=[u.employee_no for u in new_users])))
    return len(new_users)
