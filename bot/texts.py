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
