"""Build staff import files in memory for tests."""

import io

from openpyxl import Workbook

HEADERS = ["单位", "工号", "姓名", "人员类别", "职务", "执法证号", "手机", "邮箱"]


def staff_file(rows, headers=HEADERS) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "staff.xlsx"
    return buffer


def good_rows(n=3, unit="喀什地区/莎车县/莎车县市场监督管理局"):
    names = ["艾力·买买提", "王芳", "阿依古丽·吐尔逊", "李建华", "热合曼·库尔班"]
    return [
        [
            unit,
            f"S{i:05d}",
            names[i % len(names)],
            "执法人员",
            "科员",
            f"6531{i:08d}",
            f"1389999{i:04d}",
            f"p{i}@example.cn",
        ]
        for i in range(1, n + 1)
    ]
