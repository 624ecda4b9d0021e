"""The ledger schema, declared once: every column of 台账 with its header, group, type, value list, width, help text
(citing clause ids) and, for computed columns, its formula.

The template writer, the reader, the writer of rows, the checks and the docs all read `COLUMNS`. The first 14
columns are the document's own ledger (附件: 花溪区防贫分级监测预警及动态帮扶台账), in its order and with its headers.
One row per person: household facts are typed on the head's row (与户主关系 = 户主), member facts on every row, and
the 户编号 column ties them together whatever order the rows are sorted in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

from openpyxl.utils import get_column_letter

from hx_excel.ledger import formulas as f

# input: typed by the clerk · computed: a formula · filled: written by `hx-excel fill` (no formula can say it)
Kind = Literal["input", "computed", "filled"]
# text: free text · id: ID number stored as text · number/date: typed values · bool: 是/否 · list: a policy value list
ValueType = Literal["text", "id", "number", "integer", "date", "bool", "list"]
# row: every row · household: typed or shown on the head row · member: every person's own row
Level = Literal["row", "household", "member"]

TITLE = "花溪区防贫分级监测预警及动态帮扶台账"
MULTIPLE_SEPARATOR = "、"
SHEET = "台账"
# The ledger's layout: raised with every change to 台账's columns or formulas or to 参数's rows, and written on 参数
# (台账版式). A workbook without it was made before the marker (version 0). `hx-excel upgrade` rebuilds an earlier
# one on the current template by header; a later one (a newer hx-excel made it) is refused, never misread.
LAYOUT_VERSION = 1
TITLE_ROW, GROUP_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3, 4

OFFICIAL = "附件台账（官方 14 列）"
HOUSEHOLD = "户信息（户主行填写）"
MEMBER = "成员信息（每人一行）"
WORKFLOW = "线索与流程（户主行填写）"
RESULTS = "计算结果（自动，勿填）"
HELPERS = "辅助列（自动）"
FILLED = "建议（hx-excel fill 填写）"
GROUPS = (OFFICIAL, HOUSEHOLD, MEMBER, WORKFLOW, RESULTS, HELPERS, FILLED)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    group: str
    kind: Kind
    type: ValueType
    level: Level
    width: float
    help: str
    values: str | None = None                     # policy list name, for type "list"
    field: str | None = None                      # model field it reads into: "household.x", "member.x", "measure.x"
    formula: Callable[[f.Refs], str] | None = None  # computed columns: Excel text, "§" standing for the row
    hidden: bool = False
    required: bool = False                        # on the rows of its level
    multiple: bool = False                        # a list column holding several values joined by MULTIPLE_SEPARATOR
    wrap: bool = False                            # long text: wrap within the column's width
    in_cell: bool = False                         # formula written in each cell, not as a defined name (see template)


def _in(key, header, group, type_, level, width, help_, *, values=None, field=None, required=False,
        multiple=False, wrap=False) -> Column:
    return Column(key, header, group, "input", type_, level, width, help_, values=values, field=field,
                  required=required, multiple=multiple, wrap=wrap)


def _out(key, header, group, type_, level, width, help_, formula, *, hidden=False, wrap=False, in_cell=False) -> Column:
    return Column(key, header, group, "computed", type_, level, width, help_, formula=formula, hidden=hidden,
                  wrap=wrap, in_cell=in_cell)


COLUMNS: tuple[Column, ...] = (
    # ---- 附件台账：文件附件的 14 列，顺序、表头与文件一致 ----
    _out("seq", "序号", OFFICIAL, "integer", "row", 5, "自动编号：显示着的行依次编号，筛选后也连续。", f.seq),
    _in("township", "乡镇", OFFICIAL, "text", "row", 12, "乡（镇、街道）名称。", field="household.township"),
    _in("village", "村", OFFICIAL, "list", "row", 10, "村（居）名称，从下拉列表选择（列表在“参数”表维护）。",
        values="villages", field="household.village"),
    _in("group", "组", OFFICIAL, "text", "row", 6, "村民小组。", field="household.group"),
    _in("name", "姓名", OFFICIAL, "text", "member", 9, "每人一行：户主一行，其他成员各一行。", field="member.name",
        required=True),
    _in("relation", "与户主关系", OFFICIAL, "list", "member", 9, "户主行填“户主”；其他成员按关系选择。性别与身份证号不符会提示。",
        values="relations", field="member.relation", required=True),
    _in("id_number", "身份证号", OFFICIAL, "id", "member", 20,
        "18 位公民身份号码，按文本保存（GB 11643 校验码、出生日期自动检查）。公示名单和上报汇总中脱敏（保留前 6 位和后 4 位）。",
        field="member.id_number", required=True),
    _in("household_type", "户类型", OFFICIAL, "list", "household", 16, "户主行填写。决定监测范围（S1/S2）和红色户的监测类别。",
        values="household_types", field="household.household_type", required=True),
    _out("factors", "监测预警因素", OFFICIAL, "text", "household", 36,
         "自动：成立的条款编号及因素（R1–R7 红、Y1–Y2 黄、G1–G4 绿）。", f.factors, wrap=True),
    _out("grade", "预警分级", OFFICIAL, "text", "household", 7, "自动：红 > 黄 > 绿 > 无（三、监测级别）。", f.grade),
    _in("measure_text", "帮扶措施", OFFICIAL, "text", "row", 24,
        "帮扶措施内容（五、分类管理及动态帮扶）。一户多项措施可写在本户各行，每行一项。", field="measure.text", wrap=True),
    _in("measure_completed_on", "帮扶措施完成时间", OFFICIAL, "date", "row", 11, "该行措施的完成日期。",
        field="measure.completed_on"),
    _in("exit_status", "是否退出监测预警对象", OFFICIAL, "list", "household", 12,
        "户主行填写：红黄户标注风险消除（D5）或绿色户销号（D6）后选择“是”。", values="exit_statuses",
        field="household.exit_status"),
    _in("note", "备注", OFFICIAL, "text", "household", 14, "户主行填写。", field="household.note", wrap=True),

    # ---- 户信息（户主行） ----
    _in("household_id", "户编号", HOUSEHOLD, "text", "row", 10,
        "同一户的每一行填相同的户编号（如 QY-001），排序后仍能认出同户成员。", field="household.household_id",
        required=True),
    _in("annual_net_income", "家庭年纯收入（元）", HOUSEHOLD, "number", "household", 11,
        "全年家庭纯收入合计（元）。人均 = 合计 ÷ 本户行数（R1 Y1 G1）。", field="household.annual_net_income",
        required=True),
    _in("rigid_spending_school", "就学刚性支出（元）", HOUSEHOLD, "number", "household", 10, "当年就学支出（Y1 G1）。",
        field="household.rigid_spending_school"),
    _in("rigid_spending_medical", "就医刚性支出（元）", HOUSEHOLD, "number", "household", 10, "当年就医支出（Y1 G1）。",
        field="household.rigid_spending_medical"),
    _in("rigid_spending_other", "其他刚性支出（元）", HOUSEHOLD, "number", "household", 10, "当年其他刚性支出（Y1 G1）。",
        field="household.rigid_spending_other"),
    _in("food_clothing_secured", "吃穿有保障", HOUSEHOLD, "bool", "household", 7, "“否”即 R2 吃、穿不保障。",
        field="household.food_clothing_secured", required=True),
    _in("water_secured", "饮水安全有保障", HOUSEHOLD, "bool", "household", 7, "“否”即 R3 饮水不保障（可自行解决时见 G1）。",
        field="household.water_secured", required=True),
    _in("house_grade", "住房安全等级", HOUSEHOLD, "list", "household", 7, "住建部门鉴定等级，C、D 级即 R6 危房。",
        values="house_grades", field="household.house_grade"),
    _in("has_dibao", "享受低保", HOUSEHOLD, "bool", "household", 6, "R7：均无劳动力且无低保兜底为红色。",
        field="household.has_dibao"),
    _in("sharp_income_fall", "收入大幅缩减致生活严重困难", HOUSEHOLD, "bool", "household", 9, "“是”即 Y2。",
        field="household.sharp_income_fall"),
    _in("can_self_resolve", "能依靠自身能力及时解决", HOUSEHOLD, "bool", "household", 9,
        "G1：三保障或饮水问题本户完全能及时自行解决，且扣除刚性支出后人均明显高于标准线时，按绿色。",
        field="household.can_self_resolve"),
    _in("poor_hygiene", "家庭卫生环境差", HOUSEHOLD, "bool", "household", 7, "G2 人居环境差。", field="household.poor_hygiene"),
    _in("access_road", "入户路", HOUSEHOLD, "list", "household", 8, "G2：无入户路或砂石路、泥土路。", values="access_roads",
        field="household.access_road"),
    _in("sanitary_toilet", "有卫生厕所", HOUSEHOLD, "bool", "household", 6, "“否”即 G2。", field="household.sanitary_toilet"),
    _in("subsidies_undelivered", "应享资助未落实", HOUSEHOLD, "bool", "household", 7, "“是”即 G3。",
        field="household.subsidies_undelivered"),
    _in("files_incomplete", "档案资料不完善", HOUSEHOLD, "bool", "household", 7, "“是”即 G4（仅建档立卡户）。",
        field="household.files_incomplete"),
    _in("low_policy_awareness", "政策知晓率低", HOUSEHOLD, "bool", "household", 7, "“是”即 G4（仅建档立卡户）。",
        field="household.low_policy_awareness"),
    _in("risk_types", "风险类型", HOUSEHOLD, "list", "household", 12,
        "致贫返贫风险类型，最多 5 项，多项用“、”分隔（记录原因，不影响分级）。", values="risk_types",
        field="household.risk_types", multiple=True),

    # ---- 成员信息（每人一行） ----
    _in("labour", "劳动技能", MEMBER, "list", "member", 11, "全家均为丧失劳动力/无劳动力且无低保 → R7。", values="labour",
        field="member.labour", required=True),
    _in("health", "健康状况", MEMBER, "list", "member", 9, "患有大病且未参保 → R5。", values="health", field="member.health"),
    _in("disability", "残疾等级", MEMBER, "list", "member", 7, "一、二级为重残，未参保 → R5。", values="disability",
        field="member.disability"),
    _in("school", "在校生状况", MEMBER, "list", "member", 9, "义务教育年龄（按身份证算）而非在校或辍学 → R4。", values="school",
        field="member.school"),
    _in("insured", "参加基本医疗保险", MEMBER, "bool", "member", 8, "R5。", field="member.insured"),
    _in("employed", "务工就业", MEMBER, "bool", "member", 6, "五(二) 黄色户确保至少 1 人就业。", field="member.employed"),

    # ---- 线索与流程（户主行）：先放文字列，日期列连在一起便于检查 ----
    _in("clue_channel", "线索来源", WORKFLOW, "list", "household", 11, "C1 四种渠道；“上级反馈”从发布日起算 7 日（D1）。",
        values="clue_channels", field="household.clue_channel"),
    _in("contact_name", "帮扶联系人", WORKFLOW, "text", "household", 9, "D3 纳入监测后 10 天内确定。",
        field="household.contact_name"),
    _in("measure_category", "措施类别", WORKFLOW, "list", "row", 11, "该行“帮扶措施”的类别。", values="measure_categories",
        field="measure.category"),
    _in("measure_decided_on", "措施明确日期", WORKFLOW, "date", "row", 11, "D3 纳入监测后 10 天内明确帮扶措施。",
        field="measure.decided_on"),
    _in("clue_on", "线索收集日期", WORKFLOW, "date", "household", 11, "D1 收集后 7 日内入户核实。", field="household.clue_on"),
    _in("clue_published_on", "线索发布日期", WORKFLOW, "date", "household", 11, "上级反馈线索的发布日期（每月 5 日左右）。",
        field="household.clue_published_on"),
    _in("household_check_on", "入户核实日期", WORKFLOW, "date", "household", 11, "D1 D2。", field="household.household_check_on"),
    _in("application_on", "申请及承诺授权日期", WORKFLOW, "date", "household", 11, "D2。", field="household.application_on"),
    _in("notice_start_on", "村级公示开始", WORKFLOW, "date", "household", 11, "D2 公示 5 天（含起止日）。",
        field="household.notice_start_on"),
    _in("notice_end_on", "村级公示结束", WORKFLOW, "date", "household", 11, "D2。", field="household.notice_end_on"),
    _in("township_review_on", "乡级核查研判日期", WORKFLOW, "date", "household", 11, "D2 须在公示期满之后。",
        field="household.township_review_on"),
    _in("district_approval_on", "区级审定公告日期", WORKFLOW, "date", "household", 11, "D2。",
        field="household.district_approval_on"),
    _in("entered_on", "纳入监测日期", WORKFLOW, "date", "household", 11, "D2 录入全国防返贫监测信息系统的日期；D3 由此起算。",
        field="household.entered_on"),
    _in("contact_assigned_on", "确定联系人日期", WORKFLOW, "date", "household", 11, "D3。",
        field="household.contact_assigned_on"),
    _in("last_visit_on", "最近走访日期", WORKFLOW, "date", "household", 11, "D4 D6 每月至少走访一次。",
        field="household.last_visit_on"),
    _in("last_review_on", "最近村级研判日期", WORKFLOW, "date", "household", 11, "D4 每月集中研判。",
        field="household.last_review_on"),
    _in("income_stable_since", "收入稳定起始日期", WORKFLOW, "date", "household", 11, "D5 稳定满 6 个月可提名风险消除。",
        field="household.income_stable_since"),
    _in("elimination_nominated_on", "风险消除提名日期", WORKFLOW, "date", "household", 11, "D5 村（居）提名。",
        field="household.elimination_nominated_on"),
    _in("elimination_check_on", "风险消除核实日期", WORKFLOW, "date", "household", 11, "D5 入户核实。",
        field="household.elimination_check_on"),
    _in("elimination_notice_start_on", "风险消除公示开始", WORKFLOW, "date", "household", 11, "D5。",
        field="household.elimination_notice_start_on"),
    _in("elimination_notice_end_on", "风险消除公示结束", WORKFLOW, "date", "household", 11, "D5。",
        field="household.elimination_notice_end_on"),
    _in("elimination_township_review_on", "风险消除乡级审核日期", WORKFLOW, "date", "household", 11, "D5。",
        field="household.elimination_township_review_on"),
    _in("elimination_county_approval_on", "风险消除县级审定日期", WORKFLOW, "date", "household", 11, "D5。",
        field="household.elimination_county_approval_on"),
    _in("eliminated_on", "标注风险消除日期", WORKFLOW, "date", "household", 11, "D5。", field="household.eliminated_on"),
    _in("closed_on", "绿色销号日期", WORKFLOW, "date", "household", 11, "D6。", field="household.closed_on"),

    # ---- 计算结果 ----
    _out("age", "年龄", RESULTS, "integer", "member", 5, "按身份证出生日期算到评估日的周岁。", f.age),
    _out("sex", "性别", RESULTS, "text", "member", 5, "身份证号第 17 位：奇数男、偶数女。", f.sex),
    _out("size", "人口数", RESULTS, "integer", "household", 6, "本户行数（同户编号）。", f.size),
    _out("income_per_head", "人均纯收入", RESULTS, "number", "household", 10, "R1：与标准线比较。", f.income_per_head),
    _out("after_rigid_per_head", "扣除刚性支出后人均", RESULTS, "number", "household", 10, "Y1 G1。", f.after_rigid_per_head),
    _out("clauses", "成立条款", RESULTS, "text", "household", 12,
         "成立的条款编号，按 R1–R7、Y1–Y2、G1–G4 排列；G1 成立时 R3–R6 不计（三、监测级别）。可按“包含 R5”筛选。", f.clauses),
    _out("category", "监测类别", RESULTS, "text", "household", 13,
         "红：脱贫户→脱贫不稳定户，一般户→边缘易致贫户；黄：突发严重困难户；绿：绿色预警台账。", f.category),
    _out("scope", "监测范围", RESULTS, "text", "household", 8, "S1 建档立卡户 / S2 重点群体；都不是则“不在范围”。", f.scope),
    _out("next_step", "下一步", RESULTS, "text", "household", 24, "最紧的期限优先（D1–D6）。", f.next_step, wrap=True),
    _out("next_due", "期限", RESULTS, "date", "household", 11, "下一步的期限（文件未定期限的步骤为空）。", f.next_due),
    _out("next_status", "状态", RESULTS, "text", "household", 8, "未到期 / 即将到期 / 已逾期。", f.next_status),
    _out("d1_due", "D1 入户核实期限", RESULTS, "date", "household", 11, "线索（上级反馈为发布日）后 7 日。", f.d1_due),
    _out("notice_full_end", "D2 公示期满日", RESULTS, "date", "household", 11, "公示须至少到此日。", f.notice_full_end),
    _out("d3_due", "D3 联系人和措施期限", RESULTS, "date", "household", 11, "纳入监测后 10 天。", f.d3_due),
    _out("visit_due", "本月走访期限", RESULTS, "date", "household", 11, "D4 D6 上次走访次月月底。", f.visit_due),
    _out("elimination_earliest", "D5 最早可提名日", RESULTS, "date", "household", 11, "收入稳定起 6 个月。",
         f.elimination_earliest),
    _out("e_notice_full_end", "D5 公示期满日", RESULTS, "date", "household", 11, "风险消除公示须至少到此日。",
         f.e_notice_full_end),
    _out("row_check", "行检查", RESULTS, "text", "row", 30,
         "本行需要改正的地方；空白表示没有发现问题。有内容时本行的“序号”和“姓名”也标红。", f.row_check, wrap=True),

    # ---- 辅助列：成员行的事实和户主行的汇总 ----
    _out("h_g1", "G1 成立", HELPERS, "integer", "household", 5, "G1：三保障或饮水问题可自行解决（R3–R6 转绿）。", f.h_g1,
         hidden=True),
    _out("m_id", "规范身份证号", HELPERS, "text", "member", 20, "去空格、x 转大写。", f.m_id, hidden=True),
    _out("m_id_ok", "身份证有效", HELPERS, "integer", "member", 5, "GB 11643。", f.m_id_ok, hidden=True),
    _out("m_code", "成员事实编码", HELPERS, "number", "member", 8,
         "本行成员事实各占两位十进制数字：辍学 R4、重病重残未参保 R5、重病重残 S2、有劳动力或未填 R7、老人 S2、有措施 D3、"
         "人数、户主。", f.m_code, hidden=True),
    _out("check_member", "行检查（本行）", HELPERS, "text", "row", 20, "本行各格需要改正之处，每条以“；”开头。", f.check_member,
         hidden=True),
    _out("check_household", "行检查（本户）", HELPERS, "text", "household", 20, "户主行：户的情况和流程日期需要改正之处。",
         f.check_household, hidden=True),
    _out("is_head", "户主行", HELPERS, "integer", "row", 5, "1：与户主关系为“户主”（前后空格不计）。户的各项结果只在户主行计算。",
         f.is_head, hidden=True),
    _out("h_missing", "待补充的项", HELPERS, "text", "household", 16,
         "户主行：条款需要、却未填或填写有误的项；有则预警分级为“待补充”（R1 R2 R7 已成立的除外）。", f.h_missing, hidden=True),
    _out("block_start", "本户起始行", HELPERS, "integer", "row", 5,
         "1：本行的户编号与上一行不同，是一户的第一行（应为户主行）。", f.block_start, hidden=True, in_cell=True),
    _out("hh_members", "本户成员事实", HELPERS, "number", "household", 8,
         f"户主行：本户各成员事实按位汇总（户主行起 {f.HOUSEHOLD_ROWS} 行内户编号与本行完全相同的行，一次 SUMPRODUCT）。", f.hh_members,
         hidden=True),
    _out("m_bad", "成员值不在列表", HELPERS, "number", "member", 8,
         "本行劳动技能、健康状况、残疾等级、在校生状况、参加基本医疗保险不在下拉列表中的，各占两位十进制数字。", f.m_bad, hidden=True),
    _out("hh_bad", "本户成员值不在列表", HELPERS, "number", "household", 8,
         "户主行：本户各行不在下拉列表中的成员值按列汇总；有则预警分级为“待补充”并写明是哪一列。", f.hh_bad, hidden=True),
    _out("h_clue_start", "D1 起算日", HELPERS, "date", "household", 11, "上级反馈为发布日，其他为收集日。", f.h_clue_start,
         hidden=True),
    _out("h_monitored", "在监测中", HELPERS, "integer", "household", 5, "已纳入监测且未退出（D3–D5）。", f.h_monitored,
         hidden=True),
    _out("h_elim_started", "风险消除已启动", HELPERS, "integer", "household", 5, "D5。", f.h_elim_started, hidden=True),
    _out("due_d1_open", "D1 未完成期限", HELPERS, "date", "household", 11, "D1 未完成时的期限。", f.due_d1_open, hidden=True),
    _out("due_contact_open", "D3 联系人未定期限", HELPERS, "date", "household", 11, "D3。", f.due_contact_open, hidden=True),
    _out("due_measures_open", "D3 措施未定期限", HELPERS, "date", "household", 11, "D3。", f.due_measures_open, hidden=True),
    _out("due_visit_open", "本月未走访期限", HELPERS, "date", "household", 11, "D4 D6。", f.due_visit_open, hidden=True),
    _out("due_review_open", "本月未研判期限", HELPERS, "date", "household", 11, "D4。", f.due_review_open, hidden=True),
    _out("s_village", "统计：村序号", HELPERS, "integer", "row", 5, "本行的村在“参数”表村名单中的序号；不在名单中为 0。",
         f.s_village, hidden=True),
    _out("s_grade", "统计：村与分级", HELPERS, "integer", "household", 5,
         "户主行：村序号 × 6 + 分级（红 0 黄 1 绿 2 无 3 待补充 4；不在监测范围 5）。",
         f.s_grade, hidden=True),
    _out("s_person", "统计：人", HELPERS, "integer", "member", 5, "有姓名的行：村序号。", f.s_person, hidden=True),
    _out("s_overdue", "统计：已逾期", HELPERS, "integer", "household", 5, "下一步已逾期的户：村序号。", f.s_overdue,
         hidden=True),
    _out("s_due_soon", "统计：即将到期", HELPERS, "integer", "household", 5, "下一步即将到期的户：村序号。", f.s_due_soon,
         hidden=True),
    _out("s_category", "统计：监测类别", HELPERS, "integer", "household", 5,
         "户主行：监测类别的序号（1 脱贫不稳定户、2 边缘易致贫户、3 突发严重困难户、4 绿色预警台账）。", f.s_category, hidden=True),
    _out("p_grade", "统计：人与分级", HELPERS, "integer", "member", 5,
         "有姓名的行：本户户主行的“村与分级”编号，按人统计各级人数。", f.p_grade, hidden=True, in_cell=True),
    _out("p_category", "统计：人与类别", HELPERS, "integer", "member", 5,
         "有姓名的行：本户的监测类别序号，按人统计各类别人数。", f.p_category, hidden=True, in_cell=True),
    _out("row_shown", "本行显示", HELPERS, "integer", "row", 5, "每行为 1；序号据此只数显示着的行（筛选隐藏的不数）。",
         f.row_shown, hidden=True),
    _out("seq_count", "序号计数", HELPERS, "integer", "row", 5, "到本行为止显示着的行数；序号取自它，筛选后仍连续。",
         f.seq_count, hidden=True, in_cell=True),

    # ---- 建议：公式说不出的，由 hx-excel fill 写入（辅助列隐藏，它在“行检查”之后显示） ----
    Column("suggested_measures", "建议帮扶措施", FILLED, "filled", "text", "household", 40,
           "五、分类管理及动态帮扶：按成立的条款建议的措施（R1–R7、Y1–Y2、G1–G4 各自的措施），由 hx-excel fill 写入，"
           "每次运行按最新情况重写。仅供参考：采用的措施请填在“帮扶措施”和“措施类别”。", wrap=True),
)

BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
INPUT_COLUMNS: tuple[Column, ...] = tuple(c for c in COLUMNS if c.kind == "input")   # what a clerk types
FILLED_COLUMNS: tuple[Column, ...] = tuple(c for c in COLUMNS if c.kind == "filled")
OFFICIAL_HEADERS = ("序号", "乡镇", "村", "组", "姓名", "与户主关系", "身份证号", "户类型", "监测预警因素", "预警分级", "帮扶措施",
                    "帮扶措施完成时间", "是否退出监测预警对象", "备注")


def column_index(key: str) -> int:
    """1-based column number of `key` on 台账."""
    return _INDEX[key]


def column_letter(key: str) -> str:
    """Column letter of `key` on 台账: `column_letter("grade") == "J"`."""
    return get_column_letter(_INDEX[key])


_INDEX = {c.key: i for i, c in enumerate(COLUMNS, start=1)}
INPUT_INDEXES = frozenset(_INDEX[c.key] for c in INPUT_COLUMNS)                     # their column numbers
