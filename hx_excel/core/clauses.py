"""The clause catalogue: every rule of 花乡振领通〔2022〕3号 with its id (see shared/policy.md), its grade, the short
label the ledger's 监测预警因素 column shows, and the document's own words.

Code, cell comments and messages cite these ids; the ledger formulas take their labels from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Grade = Literal["红", "黄", "绿", "无", "待补充"]
GRADE_ORDER: tuple[Grade, ...] = ("红", "黄", "绿", "无")  # precedence: red > yellow > green > none
# A household missing a fact some clause needs is not "无": it is 待补充 until the fact is filled in (policy.md,
# Decisions), unless a red clause holds that no missing fact could undo.
INCOMPLETE: Grade = "待补充"
# The monitored categories of 三(一)-(三): red splits by household type (脱贫户 or not), yellow and green have one each.
EXITED_RED, OTHER_RED, YELLOW_CATEGORY, GREEN_CATEGORY = "脱贫不稳定户", "边缘易致贫户", "突发严重困难户", "绿色预警台账"
CATEGORIES = (EXITED_RED, OTHER_RED, YELLOW_CATEGORY, GREEN_CATEGORY)


@dataclass(frozen=True)
class Clause:
    id: str
    grade: Grade | None  # None for scope (S) and workflow (D) clauses
    label: str
    quote: str


CLAUSES: dict[str, Clause] = {c.id: c for c in (
    Clause("S1", None, "建档立卡户", "将建档立卡户纳入分级监测预警范围"),
    Clause("S2", None, "重点群体", "建档立卡之外的农村低保对象、特困人员、易地扶贫搬迁对象、因病因灾因学因意外事故等刚性支出较大或收入"
           "大幅缩减导致基本生活出现严重困难人口、C、D 级危房户、老人户、重度残疾人家庭、大病患者家庭等重点群体"),
    Clause("R1", "红", "人均纯收入低于标准线", "年人均纯收入低于省确定的当年收入标准线(2022 年为 6700 元)的"),
    Clause("R2", "红", "吃穿不保障", "吃、穿不保障的"),
    Clause("R3", "红", "饮水不保障", "饮水不保障的"),
    Clause("R4", "红", "义务教育阶段辍学", "家中有义务教育阶段辍学学生的"),
    Clause("R5", "红", "重病重残未参保", "家中有重病、重残但未购买基本医疗保险的"),
    Clause("R6", "红", "C/D级危房", "居住在经住建部门认定为 C级或 D 级危房中的"),
    Clause("R7", "红", "均无劳动力且无低保", "家庭成员均无劳动力也无低保兜底保障的"),
    Clause("Y1", "黄", "扣除刚性支出后低于标准线", "核算年人均纯收入高于 6700 元但扣减当年就学、就医等刚性支出后年人均收入低于 6700 元的"),
    Clause("Y2", "黄", "收入大幅缩减致生活严重困难", "收入大幅缩减导致生活出现严重困难的"),
    Clause("G1", "绿", "三保障或饮水问题可自行解决", "扣除刚性支出后家庭收入明显高于 6700元，出现“三保障”和饮水安全未保障情况,"
           "完全可以依靠自身能力及时解决的"),
    Clause("G2", "绿", "人居环境差", "人居环境差的（家庭卫生环境差、无入户路或入户路为砂石路或泥土路、无卫生厕所等）"),
    Clause("G3", "绿", "应享资助未落实", "应享受各项资助未落实到位的"),
    Clause("G4", "绿", "档案不完善或政策知晓率低", "档案资料不完善、或政策知晓率低的建档立卡脱贫户和监测户"),
    Clause("D1", None, "7日内入户核实", "在 7 天内进行入户核实，填写入户调查表"),
    Clause("D2", None, "识别程序及5天公示", "入户核实-农户申请及承诺授权-村级评议及公示（5天）-乡级核查研判-区级审定公告—纳入监测"),
    Clause("D3", None, "10天内确定帮扶联系人和措施", "录入系统后 10 天内确定以乡村两级干部为主的帮扶联系人、明确帮扶措施"),
    Clause("D4", None, "每月走访研判", "每月召开会议对监测对象…进行集中研判；至少每月入户走访排查一次"),
    Clause("D5", None, "风险消除程序", "对收入持续稳定半年以上…按照“村（居）提名→入户核实→村级评议及公示→乡级审核→县级审定公告→"
           "标注风险消除”的程序"),
    Clause("D6", None, "绿色预警销号", "在其预警风险稳定消除后进行销号管理"),
    Clause("D7", None, "追责事项", "未按时上报预警监测对象名单…已出现预警因素但未及时发现并上报名单及对排查出的预警对象未采取帮扶措施"),
)}

GRADING_CLAUSES: tuple[str, ...] = tuple(c.id for c in CLAUSES.values() if c.grade)
# G1 carves exactly these red clauses out (三保障 and drinking water); R1, R2 and R7 never (policy.md, Decisions).
G1_CARVABLE: tuple[str, ...] = ("R3", "R4", "R5", "R6")


def label(clause_id: str) -> str:
    return f"{clause_id} {CLAUSES[clause_id].label}"


FACTOR_SEPARATOR = "；"


# Red clauses no missing fact can undo: G1 carves out only R3-R6, and R1 needs the income it compares.
CERTAIN_RED: tuple[str, ...] = ("R1", "R2", "R7")
MISSING_SEPARATOR = "、"


def factor_text(clause_ids: tuple[str, ...] | list[str], missing: tuple[str, ...] | list[str] = (),
                grade: str = "") -> str:
    """What the ledger's 监测预警因素 column shows: each clause that holds, with its short label; for a household
    graded 待补充, the facts it still needs."""
    if grade == INCOMPLETE:
        return f"{INCOMPLETE}：{MISSING_SEPARATOR.join(missing)}"
    return FACTOR_SEPARATOR.join(label(c) for c in clause_ids)
