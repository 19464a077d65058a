"""The message catalogue: every text a person reads, in zh-CN, in one place.

Texts that go out in HTML parse mode are marked ``HTML``; their ``{placeholders}`` must be
filled with ``html.escape``d values. Plain texts (CLI output) are never parsed.
"""

from __future__ import annotations

# --- command menu (setMyCommands) -------------------------------------------------------------
COMMAND_START = "开始使用 / 关联我的住户"
COMMAND_HELP = "我在这里能做什么"
COMMAND_WHOAMI = "查看我的身份"
COMMAND_BIND = "把本群绑定到单位：/bind 编码"
COMMAND_UNBIND = "解除本群绑定"

# --- /start, /help, /whoami (HTML) ------------------------------------------------------------
START_PRIVATE = (
    "您好，{name}！我是网格助手。\n"
    "在网格群里直接发消息就行，不用记格式，例如：\n"
    "· 打卡：<code>3栋2单元501 全家4口 体温36.5 无症状</code>\n"
    "· 买菜买药：<code>5-301 大米两袋 降压药一盒 急</code>\n"
    "· 返乡报备：<code>李四 昨天从北京朝阳坐G123回来 住7栋502</code>\n"
    "您的健康信息只有网格员能看到，不会发到群里。"
)
START_GROUP = "大家好，我是网格助手。{bind_hint}"
BIND_HINT = "网格长请发送 <code>/bind 单位编码</code> 把本群绑定到对应网格或村社区。"

HELP_HEADER = "<b>在这里您可以：</b>"
HELP_RESIDENT = "· 直接发消息打卡、点单、返乡报备，我会自动登记（看到 ✍ 表示已记下）\n· /whoami 查看我的身份"
HELP_LEADER = "· /bind 编码 — 把本群绑定到单位\n· /unbind — 解除本群绑定"
HELP_ADMIN = "· 您是管理员：可在任何群绑定或改绑单位"
HELP_UNBOUND_GROUP = "本群还没有绑定单位。" + BIND_HINT
HELP_BOUND_GROUP = "本群已绑定：{unit}"

WHOAMI = "您的 Telegram ID：<code>{user_id}</code>\n身份：{roles}"
WHOAMI_HOUSEHOLD = "\n已关联住户：{address}"
ROLE_ADMIN = "管理员"
ROLE_LEADER = "{unit} 负责人"
ROLE_RESIDENT = "居民"
ROLE_SEPARATOR = "、"

# --- /bind, /unbind (HTML) --------------------------------------------------------------------
BIND_USAGE = "用法：<code>/bind 单位编码</code>，例如 <code>/bind XQ01-03-01</code>"
BIND_ONLY_GROUPS = "请在要绑定的群里发送 /bind。"
BIND_ANONYMOUS = "您正以匿名管理员身份发言，我无法确认您是谁。请在群设置里关闭“匿名发言”后再发送 /bind。"
BIND_UNKNOWN_CODE = "找不到编码 <code>{code}</code>，请核对后再试（可让管理员运行 gridbot org show 查看）。"
BIND_REFUSED = "只有 {unit} 或其上级单位的负责人、或管理员可以绑定本群。"
BIND_DONE = "✅ 本群已绑定到 {unit}（{code}）。"
BIND_MOVED = "\n原先绑定 {unit} 的群已自动解绑。"
BIND_ALREADY = "本群已经绑定到 {unit}（{code}），无需重复绑定。"
BIND_ELSEWHERE = "本群已绑定到 {unit}（{code}），改绑需要管理员操作。"
UNBIND_DONE = "本群已解除与 {unit} 的绑定。"
UNBIND_NOT_BOUND = "本群还没有绑定单位。"
UNBIND_REFUSED = "只有 {unit} 或其上级单位的负责人、或管理员可以解除绑定。"
ADDED_TO_GROUP = (
    "大家好，我是网格助手。" + BIND_HINT + "\n为了看到居民的消息，请把我设为管理员，或在 @BotFather 关闭隐私模式。"
)

# --- errors (HTML) ----------------------------------------------------------------------------
INTERNAL_ERROR = "抱歉，刚才出了点问题，请稍后再试。"

# --- unit levels ------------------------------------------------------------------------------
LEVEL_LABELS = {"town": "镇/街道", "village": "村/社区", "grid": "网格"}

# --- roster import (CLI, plain) ---------------------------------------------------------------
ROSTER_NOT_FOUND = "{path}: 找不到名册（需要 .xlsx 文件，或含 units.csv 和 households.csv 的文件夹）"
ROSTER_BAD_XLSX = "{path}: 无法作为 Excel 文件读取（{error}）"
ROSTER_MISSING_SHEET = "{path}: 缺少工作表 {sheets}"
ROSTER_MISSING_CSV = "{path}: 缺少此文件"
ROSTER_BAD_ENCODING = "CSV 文件既不是 UTF-8 也不是 GB18030 编码"
ROSTER_EMPTY_SHEET = "{sheet}: 表是空的，缺少表头"
ROSTER_MISSING_COLUMNS = "{sheet}: 缺少必填列 {columns}"
ROSTER_REJECTED = "名册未导入（一行出错则整份不导入），共 {count} 处问题："
ROSTER_DONE = (
    "名册已导入：单位 新增 {units_created}、更新 {units_updated}；"
    "住户 新增 {households_created}、更新 {households_updated}、停用 {households_deactivated}"
)
ROSTER_REQUIRED = "必填，不能为空"
ROSTER_BAD_CODE = "编码 “{value}” 只能包含字母、数字、- _ .（最多 64 个字符）"
ROSTER_DUPLICATE_CODE = "编码 “{value}” 重复"
ROSTER_BAD_LEVEL = "层级 “{value}” 无法识别，应为 town/village/grid 或 镇街/村社区/网格"
ROSTER_TOWN_HAS_PARENT = "镇街是最上级，不能有上级编码"
ROSTER_UNKNOWN_PARENT = "上级编码 “{value}” 不存在"
ROSTER_WRONG_PARENT_LEVEL = "上级 “{value}” 层级不对（村社区的上级应是镇街，网格的上级应是村社区）"
ROSTER_BAD_USER_ID = "“{value}” 不是 Telegram 用户 ID（应为数字）"
ROSTER_BAD_CHAT_ID = "“{value}” 不是群 ID（应为负数，如 -1001234567890）"
ROSTER_UNKNOWN_GRID = "网格编码 “{value}” 不存在或不是网格"
ROSTER_BAD_ADDRESS = "地址 “{value}” 无法识别，请写成 3-2-501、3栋2单元501室 或 五组12号 这样的格式"
ROSTER_DUPLICATE_ADDRESS = "地址 “{value}” 与第 {line} 行重复"
ROSTER_BAD_PHONE = "电话 “{value}” 不是有效的手机号或座机号"
ROSTER_BAD_MEMBERS = "人数 “{value}” 应为 1 到 99 的整数"

# --- org show (CLI, plain) --------------------------------------------------------------------
ORG_EMPTY = "还没有导入名册：请先运行 gridbot org import 名册.xlsx"
ORG_UNKNOWN = "找不到编码 {code}"
ORG_LINE = "{indent}{code}  {name}（{level}）  住户 {households}  {chat}"
ORG_BOUND = "已绑定群 {chat_id}"
ORG_UNBOUND = "未绑定群"

# --- CLI (plain) ------------------------------------------------------------------------------
CLI_CONFIG_ERROR = "配置错误：{error}"
CLI_DB_UPGRADED = "数据库已升级到最新版本（{revision}）"

# --- daily reports: grid reports, digests, /zero, /dayoff (HTML) ------------------------------
COMMAND_ZERO = "确认今日零报告（无异常、无新返乡）"
COMMAND_DAYOFF = "设休息日：/dayoff 2026-12-01"
HELP_LEADER_REPORTS = "· /zero — 确认今日零报告　· /dayoff 日期 — 设休息日（未打卡不计）"
REPORT_GRID_TITLE = "📋 <b>{unit} 日报告</b>　{day}"
REPORT_CHECKINS = "打卡：{checked}/{total} 户（{rate}）"
REPORT_CHECKINS_OFF = "打卡：休息日，已打卡 {checked}/{total} 户（未打卡不计）"
REPORT_ABNORMAL = "异常：{count} 户"
REPORT_RETURNEES = "返乡：新报备 {new} 人｜在管 {monitoring} 人｜今日解除 {ending} 人｜今日应检测 {due} 人"
REPORT_ORDERS = "物资：新单 {new}｜已送达 {delivered}｜未完成 {open}（超24小时 {overdue}，加急 {urgent}）"
REPORT_ASK_ZERO = "今日无异常、无新返乡人员，请网格长核对后点「确认零报告」。"
REPORT_ASK = "请网格长核对后点「确认上报」。"
REPORT_CONFIRMED = "✅ 已由 {who} 于 {time} 确认{what}。"
REPORT_WHAT_ZERO = "零报告"
REPORT_WHAT_REPORT = "上报"
BUTTON_CONFIRM = "✅ 确认上报"
BUTTON_CONFIRM_ZERO = "✅ 确认零报告"
REPORT_DIGEST_TITLE = "📊 <b>{unit} 日报</b>　{day}（{as_of}）"
REPORT_AS_OF = "截至 {time}"
REPORT_AS_OF_DAY_END = "全天"
REPORT_DIGEST_STATUS = "下属{level} {total} 个：已报 {reported}（零报告 {zero}），<b>未报 {missing}</b>"
REPORT_SECTION_MISSING = "<b>⚠️ 未报（{count}）</b>"
REPORT_SECTION_ZERO = "<b>⭕ 零报告（{count}）</b>"
REPORT_SECTION_EVENTS = "<b>📌 有情况（{count}）</b>"
REPORT_LINE = "· {unit}：{summary}"
REPORT_LINE_UNCONFIRMED = "· {unit}（未确认）：{summary}"
REPORT_LINE_PARTLY = "· {unit}（{missing}/{total} 个网格未确认：{grids}）：{summary}"
REPORT_SUMMARY_CHECKINS = "打卡 {checked}/{total}（{rate}）"
REPORT_SUMMARY_OFF = "休息日 打卡 {checked}/{total}"
REPORT_SUMMARY_ABNORMAL = "异常 {count}"
REPORT_SUMMARY_RETURNEES = "返乡 新{new} 在管{monitoring} 解除{ending} 应检{due}"
REPORT_SUMMARY_ORDERS = "物资 新{new} 送达{delivered} 未完{open} 超时{overdue} 急{urgent}"
REPORT_SUMMARY_SEPARATOR = "｜"
REPORT_LIST_SEPARATOR = "、"
REPORT_TOTALS = "<b>合计</b>：{summary}"
REPORT_DETAILS_ABNORMAL = "<b>异常明细（{count}）</b>"
REPORT_ABNORMAL_LINE = "· {grid} {address} {name}：{health}"
REPORT_TEMPERATURE = "体温{value:.1f}℃"
REPORT_NO_DETAIL = "未说明"
REPORT_DETAILS_RETURNEES = "<b>新返乡人员（{count}）</b>"
REPORT_RETURNEE_LINE = "· {grid} {address} {name}：{trip}"
REPORT_FROM = "自{origin}"
REPORT_ARRIVAL = "{day}到达"
REPORT_MONITOR_UNTIL = "监测至{day}"
REPORT_NO_RATE = "—"
REPORT_CHART_CAPTION = "📈 {unit} {day}：各单位打卡完成率与异常户数"
REPORT_LEDGER_CAPTION = "📎 {unit} {day} 台账（打卡/物资/返乡/异常；姓名、电话已脱敏）"
REPORT_LEVEL_UNITS = {"town": "村/社区", "village": "网格"}
CHART_RATE_TITLE = "打卡完成率"
CHART_ABNORMAL_TITLE = "异常户数"
CHART_DAY_OFF = "（休息日）"
ZERO_DONE = "✅ {unit} {day} 零报告已确认。"
REPORT_DONE = "✅ {unit} {day} 日报告已确认上报。"
REPORT_ALREADY = "{unit} {day} 的日报告已于 {time} 确认，无需重复。"
ZERO_REFUSED = "今日有 {events}，不能报零，请点「确认上报」。"
ZERO_EVENT_ABNORMAL = "{count} 户异常"
ZERO_EVENT_RETURNEES = "{count} 名新返乡人员"
CONFIRM_REFUSED = "只有 {unit} 或其上级单位的负责人、或管理员可以确认上报。"
CONFIRM_NOT_GRID = "日报告由网格确认；{unit} 的日报在下属网格全部确认后自动算作已报。"
CONFIRM_UNKNOWN = "找不到这个单位，可能已从名册中删除。"
DAYOFF_USAGE = "用法：<code>/dayoff 2026-12-01</code>（可写多个日期，用空格分开）"
DAYOFF_BAD_DATE = "“{value}” 不是日期，请写成 2026-12-01 这样的格式。"
DAYOFF_DONE = "已将 {days} 设为 {unit} 的休息日：当天未打卡不计入任何人。"
DAYOFF_REFUSED = "只有 {unit} 或其上级单位的负责人、或管理员可以设休息日。"

# --- report run, export, generate county (CLI, plain) ----------------------------------------
CLI_UNKNOWN_UNIT = "找不到编码 {code}"
CLI_BAD_DATE = "“{value}” 不是日期，请写成 2026-12-01 这样的格式"
CLI_BAD_RANGE = "起始日期 {start} 晚于结束日期 {end}"
CLI_REPORT_MESSAGE = "── {kind} → {unit}（{chat}）第 {part} 条 ──"
CLI_REPORT_FILE = "[{kind}] {path}"
CLI_REPORT_UNBOUND = "未绑定群"
CLI_REPORT_QUEUED = "已交给发送队列：{count} 条消息（{units} 个单位）"
CLI_REPORT_SKIPPED = "未绑定群、没有发送：{units}"
CLI_EXPORT_DONE = "台账已写入 {path}"
CLI_COUNTY_DONE = (
    "示例县已生成（{seconds:.1f} 秒）：{towns} 个镇街、{villages} 个村社区、{grids} 个网格、"
    "{households} 户 {people} 人；{day} 打卡 {checkins}、订单 {orders}、返乡 {returnees}、已确认网格 {confirmed}"
)
CLI_COUNTY_NOT_EMPTY = "数据库里已经有单位了：示例县只能生成到空数据库中"
