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
HELP_RESIDENT = (
    "· 直接发消息打卡、点单、返乡报备，我会自动登记（看到 ✍ 表示已记下）\n"
    "· /cancel 编号 — 取消自己家的订单\n· /whoami 查看我的身份\n· /privacy 我记录什么、谁能看到、保存多久"
)
HELP_COMMAND_LINE = "· /{command} — {description}"
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

# --- leader commands: /status /missing /orders /deliver /cancel /returnees /link /household (HTML) ---
COMMAND_STATUS = "今日概况：打卡、异常、订单、返乡"
COMMAND_MISSING = "今天还没打卡的住户"
COMMAND_ORDERS = "待送订单和采购清单"
COMMAND_DELIVER = "标记订单已送达：/deliver 编号"
COMMAND_CANCEL = "取消订单：/cancel 编号"
COMMAND_RETURNEES = "返乡人员监测情况"
COMMAND_LINK = "关联住户：/link @用户 地址"
COMMAND_HOUSEHOLD = "查看住户近况：/household 地址"

LEADER_ONLY_GROUPS = "请在网格群或村、镇工作群里发送这个命令。"
LEADER_ANONYMOUS = "您正以匿名管理员身份发言，我无法确认您是谁。请在群设置里关闭“匿名发言”后再试。"
LEADER_NOT_BOUND = "本群还没有绑定单位，请负责人先发送 <code>/bind 单位编码</code>。"
LEADER_REFUSED = "抱歉，这个命令仅供本群单位的网格员和上级负责人使用。"
DAY = "{month}月{day}日"
SHORT_DAY = "{month}-{day:02d}"
LIST_SEPARATOR = "、"

STATUS_HEADER = "📊 <b>{unit}</b> {day}概况"
STATUS_GRID = "打卡：{checked}/{households} 户（{rate}）\n异常：{abnormal} 户\n待送订单：{orders} 单{urgent}\n返乡监测：{monitoring} 人{due}"
STATUS_URGENT = "（急 {count}）"
STATUS_TESTS_DUE = "（今日需检测 {count}）"
STATUS_DAY_OFF = "休息日"
STATUS_PART = "{unit}：打卡 {checked}/{households} · 异常 {abnormal} · 订单 {orders}{urgent} · 监测 {monitoring}{due}"
STATUS_TOTAL = "<b>合计</b>：打卡 {checked}/{households} 户（{rate}） · 异常 {abnormal} 户 · 待送订单 {orders} 单{urgent} · 返乡监测 {monitoring} 人{due}"
STATUS_ABNORMAL_HEADER = "<b>异常住户</b>："
STATUS_ABNORMAL_LINE = "· {grid} {address} {head} {details}"

MISSING_HEADER = "📋 <b>{unit}</b> {day} 未打卡 {missing}/{households} 户："
MISSING_NONE = "✅ <b>{unit}</b> {day} 全部 {households} 户都已打卡。"
STATUS_TESTING = "核酸：应检 {due} 人，已检 {tested} 人，未检 {untested} 人；需上门未检 {at_home} 户"
MISSING_GRID = "<b>{grid}</b>（{count} 户）"
MISSING_LINE = "· {address} {who}"
MISSING_UNLINKED = "{head}（未关联成员）"
MISSING_UNLINKED_COUNT = "其中 {count} 户还没有关联成员，请电话联系，或回复其消息发送 /link 地址 关联。"

ORDERS_NONE = "📦 <b>{unit}</b> 目前没有待送订单。"
ORDERS_HEADER = "📦 <b>{unit}</b> 待送订单 {count} 单："
ORDERS_GRID = "<b>{grid}</b>"
ORDERS_LINE = "· #{number} {address} {items}{urgent}{accepted}"
ORDERS_URGENT = " 🔴急"
ORDERS_ACCEPTED = "（已接单）"
ORDERS_SHOPPING_HEADER = "🛒 <b>采购清单</b>"
SHOPPING_LINE = "· {name} 共 {total} · {households} 户"
SHOPPING_LINE_UNCOUNTED = "· {name} · {households} 户"
ORDER_ITEM_SEPARATOR = "、"

ORDER_USAGE = "用法：<code>/{command} 订单编号</code>，例如 <code>/{command} 17</code>"
ORDER_UNKNOWN = "找不到订单 #{number}，请用 /orders 查看编号。"
ORDER_AMBIGUOUS = "{grids} 都有订单 #{number}，请到对应的网格群里操作。"
ORDER_ALREADY_DELIVERED = "订单 #{number} 已经送达了。"
ORDER_ALREADY_CANCELLED = "订单 #{number} 已经取消了。"
ORDER_NOT_YOURS = "订单 #{number} 不是您家的，只能取消自己家的订单。"
ORDER_CANCELLED = "订单 #{number} 已取消。"
ORDER_DELIVERED_NOTICE = "✅ 订单 #{number}（{items}）已送达，请 {resident} 查收。"
ORDER_DELIVERED_CONFIRM = "✅ {grid} 订单 #{number} 已送达，已在网格群通知居民。"
ORDER_DELIVERED_PRIVATE = "您的订单 #{number}（{items}）已送达，请查收。"
ORDER_NOTICE_DELIVERED = "\n✅ 已送达（{leader}）"
ORDER_NOTICE_ACCEPTED = "\n🙋 {leader} 已接单"
ORDER_NOTICE_CANCELLED = "\n❌ 已取消（{leader}）"
ORDER_ACCEPTED_PRIVATE = "您的订单 #{number}（{items}）已由网格员接单，正在为您准备。"
ORDER_BUTTON_REFUSED = "只有本网格的网格员可以标记送达"
ORDER_BUTTON_ACCEPT_REFUSED = "只有本网格的网格员可以接单"
ORDER_BUTTON_DONE = "已标记送达"
ORDER_BUTTON_ACCEPTED = "已接单，送达后请点「已送达」"
ORDER_BUTTON_ALREADY_ACCEPTED = "这个订单已经有人接单了"
ORDER_BUTTON_ALREADY_DELIVERED = "这个订单已经送达了"
ORDER_BUTTON_ALREADY_CANCELLED = "这个订单已经取消了"
ORDER_BUTTON_UNKNOWN = "找不到这个订单"
#: The answer to a press whose data no button of ours carries (a forged or stale press); never posted in the group.
BUTTON_INVALID = "这个按钮无效。"
#: The answer to a press whose handling failed: a callback answer, so nothing is posted in the group.
BUTTON_FAILED = "抱歉，刚才出了点问题，请稍后再试。"
RESIDENT_FALLBACK_NAME = "居民"

RETURNEES_NONE = "🚄 <b>{unit}</b> 目前没有在监测的返乡人员。"
RETURNEES_HEADER = "🚄 <b>{unit}</b> 返乡监测 {count} 人（今日需检测 {due} 人）："
RETURNEES_LINE = "· {name} {address} {origin} {progress}{due}"
RETURNEES_PROGRESS = "第{number}天/共{total}天"
RETURNEES_ARRIVAL_DAY = "今日到达/共{total}天"
RETURNEES_DUE = " 🧪今日需检测"
RETURNEES_NO_NAME = "（未报姓名）"
VIEW_SENT_PRIVATELY = "名单涉及居民个人信息，已私信发给您。"
VIEW_START_FIRST = '名单涉及居民个人信息，只能私信发送。请先点<a href="{link}">这里</a>开启私信，再发一次命令。'

LINK_USAGE = "用法：回复某人的消息发送 <code>/link 地址</code>，或 <code>/link @用户名 地址</code>"
LINK_DONE = "✅ 已把 {person} 关联到 {address}。"
LINK_MOVED = "（原关联 {address}）"
LINK_ALREADY = "{person} 已经关联在 {address}，无需重复关联。"
LINK_UNKNOWN_USERNAME = "我还不认识 @{username}：请他在群里发一句话，或回复他的消息发送 <code>/link 地址</code>。"
LINK_NOT_A_GRID = "请在网格群里关联住户。"
LINK_NOT_A_MEMBER = "只能关联本群的成员：此人不在本网格群里。"
CLAIM_ASK = "{name} 写了 {address}（{grid}）的{kind}，关联？\n关联后，他可以取消这一户的订单、查看这一户的记录。"
CLAIM_KINDS = {"checkin": "打卡", "order": "订单", "returnee": "返乡登记"}
CLAIM_LINK = "关联"
CLAIM_KEEP = "不关联"
CLAIM_LINKED = "✅ 已关联：{name} → {address}"
CLAIM_DECLINED = "已选择不关联：{name} 不是 {address} 的成员。"
CLAIM_SETTLED = "这条关联请求已处理过了。"
CLAIM_REFUSED = "只有本网格的网格员可以确认关联。"
CONTACT_LINKED = "✅ 手机号与名册一致，已关联到 {address}。"
CONTACT_NO_MATCH = "手机号与名册不一致，已转请网格员确认。"
ADDRESS_BAD = "地址“{address}”无法识别，请写成 3-2-501、3栋2单元501室 或 五组12号 这样的格式。"
ADDRESS_NOT_FOUND = "名册里没有 {address} 这一户，请核对地址。"
ADDRESS_AMBIGUOUS = "{grids} 都有 {address} 这一户，请到对应的网格群里查询。"

HOUSEHOLD_USAGE = "用法：<code>/household 地址</code>，例如 <code>/household 3-2-501</code>"
HOUSEHOLD_SENT_PRIVATELY = "已把 {address} 的近况私信发给您（含健康信息，不在群里显示）。"
HOUSEHOLD_START_FIRST = (
    '{address} 的近况含健康信息，不在群里显示。请点 <a href="{link}">这里</a> 打开与我的私聊，我会把详情发给您。'
)
HOUSEHOLD_HEADER = "🏠 <b>{address}</b>（{grid}）户主 {head} · {members} 人{phone}"
HOUSEHOLD_PHONE = " · {phone}"
HOUSEHOLD_LINKED = "已关联：{people}"
HOUSEHOLD_NOBODY_LINKED = "还没有关联成员"
HOUSEHOLD_CHECKINS = "<b>近 {days} 天打卡</b> {count}/{days} 天："
HOUSEHOLD_CHECKIN_LINE = "· {day} {details}"
HOUSEHOLD_ORDERS = "<b>订单</b>："
HOUSEHOLD_ORDER_LINE = "· #{number} {day} {items} {status}"
HOUSEHOLD_RETURNEES = "<b>返乡报备</b>："
HOUSEHOLD_RETURNEE_LINE = "· {name} {origin} {arrival}到达 监测至 {until}"
HOUSEHOLD_NONE = "无"
HOUSEHOLD_GONE = "找不到这一户，可能已从名册中移除。"
ORDER_STATUS_LABELS = {"open": "待送", "accepted": "已接单", "delivered": "已送达", "cancelled": "已取消"}
CHECKIN_PERSONS = "{persons}人"
CHECKIN_TEMPERATURE = "体温{temperature}℃"
CHECKIN_NO_SYMPTOMS = "无症状"
CHECKIN_ABNORMAL = "⚠️异常"
CHECKIN_NO_DETAILS = "已打卡"
SYMPTOM_LABELS = {
    "fever": "发热",
    "cough": "咳嗽",
    "sore_throat": "咽痛",
    "fatigue": "乏力",
    "smell_taste": "嗅味觉减退",
    "diarrhea": "腹泻",
    "breathing": "呼吸困难",
}
TEST_LABELS = {"pcr": "核酸", "antigen": "抗原"}
TRANSPORT_LABELS = {"train": "火车", "flight": "飞机", "car": "自驾", "bus": "大巴", "other": "其他"}
TEST_RESULT_LABELS = {"negative": "阴性", "positive": "阳性", "done": "已做", "pending": "待出结果"}

# --- group life: residents' check-ins, orders, returnee reports as they write them (HTML) ------
ACK_REACTION = "✍"
ACK_FALLBACK = "✍ 已登记"
#: A message about several households (代报): one reply lists what was recorded, a reaction cannot.
FILED_HOUSEHOLDS = "✍ 已登记 {count} 户：{lines}"
FILED_SEPARATOR = "；"
FILED_PERSONS = "{persons}人"
FILED_UNKNOWN = "{address}（名册里没有这一户，未登记）"
#: A report stored but not fully understood: asked once, briefly, instead of ✍ (edit to complete).
ASK_MISSING = "已记下，还差{parts}：请直接修改原消息补上。"
ASK_MISSING_SEPARATOR = "、"
MISSING_LABELS = {
    "name": "姓名", "origin": "从哪里来", "arrival": "哪天到的", "qty": "数量", "items": "要买什么", "place": "消杀地点",
}  # fmt: skip
ASK_MISSING_WHOSE = "{name}是哪一户？请在原消息里写上门牌号，例如 <code>{example}</code>。"
ADDRESS_EXAMPLE = "3-2-501"
ASK_ADDRESS_CHECKIN = "请回复您家的门牌号，例如 <code>{example}</code>，我把这条打卡记到您家。（今天只提醒这一次）"
ASK_ADDRESS_VISIT = "请带上走访住户的门牌号再发一次，例如 <code>{example}</code>。（今天只提醒这一次）"
ASK_ADDRESS_RESEND = "请带上您家的门牌号再发一次，例如 <code>{example}</code>。（今天只提醒这一次）"
ASK_ADDRESS_UNKNOWN = (
    "名册里没有 {address} 这一户，请核对门牌，照 <code>{example}</code> 的写法再发一次。（今天只提醒这一次）"
)
ORDER_NOTICE = (
    "🛒 订单 <b>#{number}</b> 已登记{urgent}：{items}\n网格员接单、送达时各点一下按钮；要取消请发送 /cancel {number}"
)
ORDER_NOTICE_EDITED = "🛒 订单 <b>#{number}</b> 已更新{urgent}：{items}"
ORDER_NOTICE_URGENT = "（加急）"
ORDER_NOTICE_NO_ITEMS = "还没写要买什么"
ORDER_ASK_QUANTITY = "\n请补充数量：{names}（直接修改原消息即可）"
ORDER_DELIVER_BUTTON = "✅ 已送达"
ORDER_ACCEPT_BUTTON = "🙋 接单"
EDIT_PAST_CLOSED = (
    "这条是 {day} 的记录，当天已过，修改消息不会改动记录。过去的记录请联系网格员更正（网格员可用 /household 查看）。"
)
ORDER_EDIT_TOO_LATE = "订单 #{number} {status}，这次修改没有生效；如还需要，请重新下单。"
ABNORMAL_ADVICE = "已收到，网格员会尽快联系您。请先居家休息、暂不外出；如有胸闷、呼吸困难请立即拨打 120。"
ALERT_CHECKIN_LEADER = "⚠️ <b>异常打卡</b>　{grid}\n{address} {name}{phone}\n{details}\n原话：{text}"
ALERT_CHECKIN_VILLAGE = "⚠️ <b>异常打卡</b>　{grid} {address} {name}：{details}。请网格长及时跟进。"
ALERT_ORDER_LEADER = "🚨 <b>加急订单 #{number}</b>　{grid}\n{address} {name}{phone}\n{items}"
ALERT_VISIT_LEADER = "👀 <b>走访发现情况</b>　{grid}\n{address} {name}{phone}\n走访人：{visitor}\n原话：{text}"
ALERT_PHONE = "　📞 {phone}"
ALERT_CHECKIN_CLEARED_LEADER = "✅ <b>更正</b>　{grid}\n{address} {name}：此前提醒的异常打卡已更正，现为：{details}"
ALERT_CHECKIN_CLEARED_VILLAGE = "✅ <b>更正</b>　{grid} {address} {name}：此前通报的异常打卡已更正，现为：{details}。"
CHECKIN_WITHDRAWN = "打卡已撤回"
ALERT_START_LINK = '网格长请<a href="{link}">点此开启私信提醒</a>：异常情况、加急订单会第一时间私信您。'
ALERTS_ON = "✅ 已开启私信提醒：异常打卡、加急订单会第一时间私信您。"
ALERTS_TODAY = "今天到目前为止的异常打卡（{count} 户）："
ALERTS_TODAY_LINE = "· {grid} {address} {name}：{details}"
ALERTS_TODAY_ORDERS = "今天还没送达的加急订单（{count} 单）："
ALERTS_TODAY_ORDER_LINE = "· {grid} #{number} {address} {name}：{items}"

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
ROSTER_DONE_CLUSTERS = "联户 新增 {clusters_created}、更新 {clusters_updated}"
ROSTER_CLUSTER_PARENT = "联户的上级 “{value}” 不存在或不是网格"
ROSTER_CLUSTER_CHAT = "联户没有自己的群，请不要填写群ID"
ROSTER_UNKNOWN_CLUSTER = "联户编码 “{value}” 不存在"
ROSTER_CLUSTER_OTHER_GRID = "联户 “{value}” 不属于网格 {grid}"

# --- org show (CLI, plain) --------------------------------------------------------------------
ORG_EMPTY = "还没有导入名册：请先运行 gridbot org import 名册.xlsx"
ORG_UNKNOWN = "找不到编码 {code}"
ORG_LINE = "{indent}{code}  {name}（{level}）  住户 {households}  {chat}"
ORG_BOUND = "已绑定群 {chat_id}"
ORG_UNBOUND = "未绑定群"

# --- CLI (plain) ------------------------------------------------------------------------------
CLI_CONFIG_ERROR = "配置错误：{error}"
CLI_TOKEN_REJECTED = (
    "机器人令牌被 Telegram 拒绝：请检查 telegram.token（或 $GRIDBOT_TELEGRAM_TOKEN）是否为 @BotFather 给出的完整令牌"
)
CLI_DB_UPGRADED = "数据库已升级到最新版本（{revision}）"
DEMO_DB_EXISTS = "{path} 已存在：演示每次都新建一个示范镇，请换一个 --db 路径，或先删除它"
CLI_DB_UNAVAILABLE = "无法打开数据库 {url}：{error}"
CLI_DB_MISSING = "{source}，要用的数据库文件 {path} 不存在；查看类命令不会新建数据库"
CLI_SOURCE_DEFAULT = "没有找到配置文件（-c、$GRIDBOT_CONFIG 或 ./config.toml）"
CLI_SOURCE_ENV = "按 $GRIDBOT_DATABASE_URL"
CLI_SOURCE_FILE = "按配置文件 {path}"
CLI_RANGE_TOO_LONG = "日期范围 {start} 至 {end} 太长：一次最多导出 {days} 天，请分段导出"
CLI_EXPORT_NOT_A_FOLDER = "{path} 已存在且不是文件夹：CSV 台账需要写入一个文件夹"
ROSTER_NOT_A_ROSTER = "{path}: 不是名册（需要 .xlsx 文件，或含 units.csv 和 households.csv 的文件夹）"

# --- daily reports: grid reports, digests, /zero, /dayoff (HTML) ------------------------------
COMMAND_ZERO = "确认今日零报告（无异常、无新返乡）"
COMMAND_DAYOFF = "设休息日：/dayoff 2026-12-01"
REPORT_GRID_TITLE = "📋 <b>{unit} 日报告</b>　{day}"
REPORT_LINE_PART = "{label}：{value}"
#: A figure that changed after the grid confirmed it: as confirmed, and as it is now.
REPORT_LINE_CHANGED = "{label}：确认时 {confirmed}，现 {current}"
REPORT_CHECKINS = "打卡"
REPORT_CHECKINS_VALUE = "{checked}/{total} 户（{rate}）"
REPORT_CHECKINS_OFF_VALUE = "休息日，已打卡 {checked}/{total} 户（未打卡不计）"
REPORT_ABNORMAL = "异常"
REPORT_ABNORMAL_VALUE = "{count} 户"
REPORT_RETURNEES = "返乡"
REPORT_RETURNEES_VALUE = "新报备 {new} 人｜在管 {monitoring} 人｜今日解除 {ending} 人｜今日应检测 {due} 人"
REPORT_ORDERS = "物资"
REPORT_TESTING = "核酸"
REPORT_TESTING_VALUE = "应检 {due} 人｜已检 {tested} 人｜未检 {untested} 人｜需上门未检 {at_home} 户"
REPORT_CLUSTERS = "联户打卡：{parts}"
REPORT_CLUSTER_PART = "{name} {checked}/{total}（{rate}）"
REPORT_NO_CLUSTER = "未分联户"
REPORT_ORDERS_VALUE = "新单 {new}｜已送达 {delivered}｜未完成 {open}（超24小时 {overdue}，加急 {urgent}）"
REPORT_ASK_ZERO = "今日无异常、无新返乡人员，请网格长核对后点「确认零报告」。"
REPORT_ASK = "请网格长核对后点「确认上报」。"
REPORT_CONFIRMED = "✅ 已由 {who} 于 {time} 确认{what}。"
REPORT_WHAT_ZERO = "零报告"
REPORT_WHAT_ZERO_MISSING = "零报告（{missing} 户未打卡）"
REPORT_WHAT_REPORT = "上报"
BUTTON_CONFIRM = "✅ 确认上报"
BUTTON_CONFIRM_ZERO = "✅ 确认零报告"
REPORT_DIGEST_TITLE = "📊 <b>{unit} 日报</b>　{day}（{as_of}）"
REPORT_AS_OF = "截至 {time}"
#: A digest edited in place after a unit below confirmed or changed (live until the day closes).
REPORT_UPDATED_AT = "更新于 {time}"
#: Before the title of a report sent by hand before its scheduled time, and of one sent again.
REPORT_MARK_PRELIMINARY = "【预报】"
REPORT_MARK_CORRECTION = "【更正】"
REPORT_AS_OF_DAY_END = "全天"
REPORT_DIGEST_STATUS = "下属{level} {total} 个：已报 {reported}（零报告 {zero}），<b>未报 {missing}</b>"
REPORT_SECTION_MISSING = "<b>⚠️ 未报（{count}）</b>"
REPORT_SECTION_ZERO = "<b>⭕ 零报告（{count}）</b>"
REPORT_SECTION_EVENTS = "<b>📌 有情况（{count}）</b>"
REPORT_LINE = "· {unit}：{summary}"
#: A zero report confirmed with households not checked in: the completion beside 零报告.
REPORT_LINE_ZERO_MISSING = "· {unit}（{missing} 户未打卡）：{summary}"
REPORT_LINE_UNCONFIRMED = "· {unit}（未确认）：{summary}"
REPORT_LINE_PARTLY = "· {unit}（{missing}/{total} 个网格未确认：{grids}）：{summary}"
REPORT_SUMMARY_PART = "{label} {value}"
#: A figure that changed after the grid confirmed it: as confirmed, and as it is now.
REPORT_SUMMARY_CHANGED = "{label} 确认时 {confirmed}，现 {current}"
REPORT_SUMMARY_CHECKINS = "打卡"
REPORT_SUMMARY_OFF = "休息日 打卡"
REPORT_SUMMARY_CHECKINS_VALUE = "{checked}/{total}（{rate}）"
REPORT_SUMMARY_OFF_VALUE = "{checked}/{total}"
REPORT_SUMMARY_ABNORMAL = "异常"
REPORT_SUMMARY_ABNORMAL_VALUE = "{count}"
REPORT_SUMMARY_RETURNEES = "返乡"
REPORT_SUMMARY_RETURNEES_VALUE = "新{new} 在管{monitoring} 解除{ending} 应检{due}"
REPORT_SUMMARY_TESTING = "核酸"
REPORT_SUMMARY_TESTING_VALUE = "应检{due} 已检{tested} 未检{untested} 上门{at_home}"
REPORT_SUMMARY_ORDERS = "物资"
REPORT_SUMMARY_ORDERS_VALUE = "新{new} 送达{delivered} 未完{open} 超时{overdue} 急{urgent}"
REPORT_SUMMARY_SEPARATOR = "｜"
REPORT_LIST_SEPARATOR = "、"
REPORT_TOTALS = "<b>合计</b>：{summary}"
REPORT_DETAILS_ABNORMAL = "<b>异常明细（{count}）</b>"
REPORT_ABNORMAL_LINE = "· {grid} {address} {name}：{health}"
REPORT_NO_DETAIL = "未说明"
REPORT_NOTICES_TITLE = "<b>通知收到情况（{count}）</b>"
#: A notice in a digest names who sent it: a town digest also lists its villages' notices.
REPORT_NOTICE_LINE = "· {time} {origin}通知「{text}」：{receipt}"
REPORT_DETAILS_RETURNEES = "<b>新返乡人员（{count}）</b>"
REPORT_RETURNEE_LINE = "· {grid} {address} {name}：{trip}"
REPORT_FROM = "自{origin}"
REPORT_ARRIVAL = "{day}到达"
REPORT_MONITOR_UNTIL = "监测至{day}"
#: A check-in rate where there are no households to divide by.
NO_RATE = "—"
REPORT_CHART_CAPTION = "📈 {unit} {day}：各单位打卡完成率与异常户数"
LEDGER_FILENAME = "台账-{unit}-{span}{suffix}"
REPORT_LEDGER_CLOSE_CAPTION = "📎 {unit} {day} 台账（日终 {time}；汇总发出后有更新，以此为准）"
REPORT_LEDGER_CAPTION = "📎 {unit} {day} 台账（打卡/物资/返乡/异常/消杀/领取记录/人口；姓名、电话已脱敏）"
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
#: A zero report means "we checked": with households not checked in it takes a second tap.
ZERO_ASK_MISSING = "还有 {missing} 户未打卡，仍确认零报告？"
BUTTON_ZERO_DESPITE_MISSING = "⚠️ 仍确认零报告（{missing} 户未打卡）"
ZERO_ASK_AGAIN = "还有 {missing} 户未打卡，仍确认零报告？请再点一次按钮。"
CONFIRM_REFUSED = "只有 {unit} 或其上级单位的负责人、或管理员可以确认上报。"
CONFIRM_NOT_GRID = "日报告由网格确认；{unit} 的日报在下属网格全部确认后自动算作已报。"
CONFIRM_UNKNOWN = "找不到这个单位，可能已从名册中删除。"
DAYOFF_USAGE = "用法：<code>/dayoff 2026-12-01</code>（可写多个日期，用空格分开）"
DAYOFF_BAD_DATE = "“{value}” 不是日期，请写成 2026-12-01 这样的格式。"
DAYOFF_DONE = "已将 {days} 设为 {unit} 的休息日：当天未打卡不计入任何人。"
DAYOFF_REFUSED = "只有 {unit} 或其上级单位的负责人、或管理员可以设休息日。"
REPORT_ONLY_GROUPS = "请在网格群里发送这个命令。"
REPORT_ANONYMOUS = "您正以匿名管理员身份发言，我无法确认您是谁。请在群设置里关闭“匿名发言”后再试。"
REPORT_NOT_BOUND = "本群还没有绑定单位，请负责人先发送 <code>/bind 单位编码</code>。"

# --- the ledger (台账: Excel sheets and CSV files; plain) ----------------------------------------
MASKED_SOMEONE = "某"  # after the first character of a masked name that is not a Chinese name: L某
LEDGER_CHECKINS = "打卡"
LEDGER_ORDERS = "物资"
LEDGER_RETURNEES = "返乡"
LEDGER_ABNORMAL = "异常"
LEDGER_TEMPERATURE = "体温"  # the header of the temperature columns (shown with one decimal)
LEDGER_CHECKIN_HEADER = ["日期", "村/社区", "网格", "地址", "户主", "人数", "打卡", "报告人数", LEDGER_TEMPERATURE, "症状", "检测", "结果", "异常"]  # fmt: skip
LEDGER_ORDER_HEADER = ["日期", "村/社区", "网格", "单号", "地址", "户主", "电话", "物品", "加急", "状态", "下单时间", "送达时间"]  # fmt: skip
LEDGER_RETURNEE_HEADER = [
    "报备日期", "村/社区", "网格", "地址", "姓名", "来自", "到达日期", "交通方式", "班次", "身份证后四位", "电话", "检测", "结果", "监测至",
]  # fmt: skip
LEDGER_ABNORMAL_HEADER = ["日期", "村/社区", "网格", "地址", "户主", LEDGER_TEMPERATURE, "症状", "检测", "结果"]
LEDGER_TESTING = "核酸"
LEDGER_TESTING_HEADER = ["日期", "村/社区", "网格", "地址", "应检", "已检", "未检", "需上门"]
LEDGER_CHECKED = "已打卡"
LEDGER_MISSING = "未打卡"
LEDGER_DAY_OFF = "休息日"
LEDGER_YES = "是"
LEDGER_ITEM = "{name}{qty}{unit}"
LEDGER_ORDER_STATUS = {"open": "待送", "accepted": "已接单", "delivered": "已送达", "cancelled": "已取消"}

# --- report run, export, generate county (CLI, plain) ----------------------------------------
CLI_UNKNOWN_UNIT = "找不到编码 {code}"
CLI_BAD_DATE = "“{value}” 不是日期，请写成 2026-12-01 这样的格式"
CLI_BAD_RANGE = "起始日期 {start} 晚于结束日期 {end}"
CLI_REPORT_MESSAGE = "── {kind} → {unit}（{chat}）第 {part} 条 ──"
CLI_REPORT_FILE = "[{kind}] {path}"
CLI_REPORT_UNBOUND = "未绑定群"
CLI_REPORT_QUEUED = "已写入发送队列：新增 {count} 条消息（{units} 个单位），运行中的机器人会按限速发出"
CLI_REPORT_SKIPPED = "未绑定群、没有发送：{units}"
CLI_REPORT_SCHEDULE = (
    "以上是现在会发出的内容（没有发送）。定时发送（{zone}）：网格日报 {grid}，村社区汇总 {village}，镇街汇总 {town}。"
    "现在就发请加 --send（早于定时的标为「预报」，不影响定时发送）；重发某单位的汇总请用 --resend --unit 编码（标为「更正」）。"
)
CLI_REPORT_PRELIMINARY = "早于定时发送，已标为「预报」：{units}；定时发送照常进行"
CLI_REPORT_RESEND_NEEDS_UNIT = "--resend 需要 --unit 编码：重发哪个单位的日报或汇总"
CLI_EXPORT_DONE = "台账已写入 {path}"
CLI_COUNTY_DONE = (
    "示例县已生成（{seconds:.1f} 秒）：{towns} 个镇街、{villages} 个村社区、{grids} 个网格、"
    "{households} 户 {people} 人；{day} 打卡 {checkins}、订单 {orders}、返乡 {returnees}、已确认网格 {confirmed}"
)
CLI_COUNTY_NOT_EMPTY = "数据库里已经有单位了：示例县只能生成到空数据库中"

# --- schedules: outbox, reminders, returnee follow-ups, notices, /remind (HTML) ----------------
COMMAND_REMIND = "打卡提醒开关：/remind 开 或 /remind 关"
COMMAND_NOTICE = "向下级各群发通知：/notice 内容"
COMMAND_NOTICE_STATUS = "查看通知收到情况"
COMMAND_TESTING = "发起全员核酸（如 /testing 2026-12-05 --until 2026-12-06）"
COMMAND_TESTED = "登记某户已检人数（如 /tested 3-2-501 3人）"
COMMAND_UNTESTED = "核酸未检住户和需上门名单"

# --- testing campaigns (全员核酸; HTML) --------------------------------------------------------
TESTING_NOTICE = "【全员核酸】{unit}定于 {days} 开展全员核酸检测，应检尽检、不漏一人。请各户按时检测，检测后在群里打卡写明“核酸已做 几人”；行动不便、卧床的住户由网格安排上门采样。"
TESTING_USAGE = "用法：<code>/testing 2026-12-05</code>，多天时加 <code>--until 2026-12-06</code>。"
TESTING_BAD_DATE = "“{value}”不是日期，请写成 2026-12-05 这样的格式。"
TESTING_BAD_DATES = "日期不对：开始日期不能早于今天，结束日期不能早于开始日期，一次最多 {days} 天。"
TESTING_STARTED = "✅ 全员核酸 #{id} 已发起（{days}），通知已发往 {count} 个群。期间各级日报告和汇总会显示应检、已检、未检和需上门；用 <code>/untested</code> 查看未检住户。"
TESTING_ONLY_UPPER = "全员核酸只能由镇街或村社区在本级群里发起。"
TESTING_REFUSED = "只有 {unit} 或其上级单位的负责人、或管理员可以发起全员核酸。"
TESTED_USAGE = "用法：<code>/tested 3-2-501 3人</code>（不写人数即全户已检）。"
TESTED_DONE = "✅ {address} 已检 {persons}/{members} 人。"
TESTED_NO_CAMPAIGN = "今天这里没有进行中的全员核酸。"
UNTESTED_NONE_RUNNING = "{unit} 今天没有进行中的全员核酸。"
UNTESTED_HEADER = "🧪 <b>{unit}</b> 全员核酸未检（{days}）：{count} 户"
UNTESTED_ALL_DONE = "🧪 <b>{unit}</b> 全员核酸（{days}）：应检人员已全部检测 ✅"
UNTESTED_LINE = "· {address}：已检 {tested}/{members} 人"
UNTESTED_GRID = "<b>{grid}</b>"
UNTESTED_AT_HOME = "🏠 <b>需上门</b>（{count} 户）："

OUTBOX_KIND_LABELS = {
    "reminder": "打卡提醒",
    "grid_report": "网格日报",
    "village_digest": "村社区汇总",
    "town_digest": "镇街汇总",
    "preliminary": "预报",
    "correction": "更正",
    "edit": "汇总更新",
    "ledger_close": "当日台账（日终）",
    "followup": "返乡随访提醒",
    "notice": "上级通知",
    "broken": "群失联提醒",
    "alert": "异常打卡提醒",
    "urgent": "加急订单提醒",
    "order": "订单回执",
    "alertlink": "私信提醒开启链接",
    "correct": "异常打卡更正",
    "orderedit": "订单回执更新",
    "visits": "结对走访提醒",
}
#: Marks text cut short to fit a message.
ELLIPSIS = "…"
OUTBOX_KIND_OTHER = "消息"
OUTBOX_BINDING_BROKEN = (
    "⚠️ 网格助手已无法在 {unit}（{code}）的群里发消息（可能被移出群或群已解散），{kind}没有送达。\n"
    "请该单位负责人把网格助手拉回群，并在群里发送 <code>/bind {code}</code>。"
)

REMINDER_HEADER = "⏰ 打卡提醒（{time}）：本网格共 {total} 户，已打卡 {done} 户，还有 {missing} 户未打卡。"
REMINDER_MENTIONS = "请以下住户在群里打卡：{mentions}"
REMINDER_CALL = "请还没打卡的住户尽快在群里打卡。"
CLUSTER_REMINDER = "⏰ 联户打卡提醒（{time}）：您负责的 {cluster} 还有 {count} 户未打卡："
CLUSTER_REMINDER_HOW = (
    "可在网格群里一条消息代报多户（如“3-2-501 3人 体温正常；3-2-502 2人 正常”），都正常时发“我联户今日无异常”。"
)
REMINDER_UNLINKED = "另有 {count} 户未关联 Telegram 账号，请网格员电话联系。"
MENTION_SEPARATOR = " "

FOLLOWUP_PRIVATE = (
    "您好！{name}于 {start} 返乡，今天是返乡第 {days} 天，按规定需要做一次核酸或抗原检测。\n"
    "做完后请把结果发到这里或网格群，例如：<code>{example}</code>"
)
#: The report gave no arrival date: the plan counts from the day of the report.
FOLLOWUP_PRIVATE_REPORTED = (
    "您好！{name}于 {start} 报备返乡，今天是报备后第 {days} 天，按规定需要做一次核酸或抗原检测。\n"
    "做完后请把结果发到这里或网格群，例如：<code>{example}</code>"
)
FOLLOWUP_EXAMPLE = "{name} 抗原阴性"
FOLLOWUP_SOMEONE = "您家返乡人员"
FOLLOWUP_GROUP = "📋 今日随访：{mentions} 您家今天有一项随访事项，请私聊 @{bot} 点“开始”查看，或联系网格员。"
FOLLOWUP_GROUP_UNLINKED = "📋 今天还有 {count} 户有随访事项，请网格员电话联系。"

REMIND_USAGE = (
    "用法：<code>/remind 开</code> 或 <code>/remind 关</code> 打开或关闭打卡提醒；"
    "<code>/remind 点名开</code> 或 <code>/remind 点名关</code> 打开或关闭提醒里的 @点名。"
    "在村社区或镇街群里设置，对其下所有网格生效。"
)
REMIND_STATUS = "{unit} 的打卡提醒：{reminders}；@点名：{mentions}。"
REMIND_SWITCH = {True: "开", False: "关"}
REMIND_INHERITED = "\n上级单位 {unit} 已关闭{what}，本单位暂按关闭处理。"
REMIND_WHAT_REMINDERS = "打卡提醒"
REMIND_WHAT_MENTIONS = "@点名"
REMIND_REFUSED = "只有 {unit} 或其上级单位的负责人、或管理员可以设置打卡提醒。"
REMIND_UNBOUND = "本群还没有绑定单位，请先发送 <code>/bind 单位编码</code>。"

NOTICE_USAGE = "用法：<code>/notice 通知内容</code>。通知会发到本单位以下每个已绑定的群，并带“收到”按钮。"
NOTICE_ONLY_UPPER = "通知只能在镇街或村社区的群里发出，发往其下各级群。"
NOTICE_REFUSED = "只有 {unit} 或其上级单位的负责人、或管理员可以发通知。"
ANONYMOUS_LEADER = "您正以匿名管理员身份发言，我无法确认您是谁。请在群设置里关闭“匿名发言”后再试。"
NOTICE_TOO_LONG = "通知太长了（最多 {limit} 字），请分几次发。"
NOTICE_NO_TARGETS = "{unit} 以下还没有已绑定的群，通知没有发出。"
NOTICE_SENT = "📢 通知 #{id} 正在发往 {count} 个群。发送 /notice_status 查看收到情况。"
NOTICE_MESSAGE = "📢 <b>通知</b>（{unit}）\n{text}\n\n看到后请点“收到”。"
NOTICE_ACK_BUTTON = "收到"
NOTICE_ACKED = "已确认收到，谢谢！"
NOTICE_ACK_AGAIN = "您已经确认过了。"
NOTICE_ACK_UNKNOWN = "这条通知已失效。"
NOTICE_STATUS_NONE = "{unit} 还没有发过通知。"
NOTICE_STATUS_REFUSED = "只有 {unit} 或其上级单位的负责人、或管理员可以查看通知的收到情况。"
NOTICE_STATUS_UNKNOWN = "找不到本单位发出的通知 #{id}。"
NOTICE_DIGEST_LINE = "📢 通知 #{id}：{acked}/{total} 个单位已收到"
NOTICE_STATUS_HEADER = "📢 通知 #{id}（{at} 发出）\n{text}"
NOTICE_STATUS_UNIT = "· {unit}：{receipt}"
NOTICE_STATUS_TOTAL = "<b>合计</b>：{receipt}"
#: Receipts: households a linked member acknowledged for, and the units' own leaders, separately.
NOTICE_RECEIPT_HOUSEHOLDS = "已收到 {acked}/{total} 户"
NOTICE_RECEIPT_LEADER = "{role}已确认"
NOTICE_RECEIPT_NO_LEADER = "{role}未确认"
NOTICE_RECEIPT_LEADERS = "{role}已确认 {acked}/{total}"
NOTICE_RECEIPT_SEPARATOR = " · "
NOTICE_ROLE_GRID = "网格长"
NOTICE_ROLE_ANY = "负责人"

# --- privacy: the notice to residents (告知), /privacy, and the operator's privacy commands ------
COMMAND_PRIVACY = "机器人记录什么、谁能看到、保存多久"
#: Posted once in a grid group when it is bound, repeated by /privacy (HTML). README quotes it.
PRIVACY_NOTICE = (
    "🔒 <b>个人信息告知</b>\n"
    "<b>记录什么</b>：大家在本群发的打卡、点单、返乡报备——门牌、体温、症状、检测结果、所买物品、"
    "返乡人姓名和行程、电话，以及发消息的人。\n"
    "<b>为什么</b>：只用于本网格的每日打卡统计、送物资和返乡随访。\n"
    "<b>谁能看到</b>：本网格网格长和上级村社区、镇街负责人。健康情况不会发在本群；"
    "报给上级时姓名、电话打码（张*、138****5678）。谁查看过某户详情、收到过异常提醒、导出过台账，都有记录。\n"
    "<b>保存多久</b>：{days} 天后删除消息原文和健康情况，姓名、电话只留打码后的样子，只保留统计数字。\n"
    "<b>查阅、复制、更正、删除</b>：请找本网格网格长，可以导出一份您家的全部记录，或马上删除。\n"
    "随时发送 /privacy 再看这段说明。"
)

CLI_HOUSEHOLD_FORMAT = "住户写作 网格编码/地址，例如 T1-V1-G1/3-2-501：{value}"
CLI_HOUSEHOLD_UNKNOWN = "找不到住户 {value}"
CLI_PURGE_HEADER = "保留 {days} 天：{before} 之前的记录（收件箱：{inbox_before} 之前已处理的更新）"
CLI_PURGE_LINE = "  {table}：{count} 行"
CLI_PURGE_DRY_RUN = "（试运行：以上内容将被删除或打码，什么都没有改）"
CLI_PURGE_DONE = "已清理。"
CLI_PRIVACY_EXPORTED = "住户 {household} 的全部记录已写入 {path}"
CLI_PRIVACY_FORGOTTEN = "住户 {household} 的个人信息已删除：{rows} 行（计数保留）"
CLI_AUDIT_EMPTY = "没有访问记录。"
CLI_AUDIT_LINE = "{at}  {actor}  {action}  {unit}  {address}  {detail}"
#: Table names as the privacy commands print them.
PRIVACY_TABLES = {
    "messages": "消息原文",
    "checkins": "打卡",
    "order_items": "订单物品",
    "orders": "订单",
    "returnees": "返乡",
    "households": "名册",
    "people": "成员",
    "inbox": "收件箱",
    "audit_log": "访问记录",
}

# --- group robots: WeCom, DingTalk, Feishu (issue #15) --------------------------------------
ROBOT_PLATFORM_LABELS = {"wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书"}
ROBOT_BROKEN_NOTE = (
    "⚠️ 本单位的{platform}群机器人（编号 {target}）拒绝了网格助手的密钥或签名，日报、提醒已不再发到那个群。"
    "请管理员核对机器人的 Webhook 地址和加签密钥，用 <code>gridbot robot add</code> 重新添加。"
)
ROBOT_TEST_MESSAGE = "✅ 网格助手测试消息：{unit}（{code}）的日报、零报告、异常提醒和通知会发到这个群。"
CLI_ROBOT_ADDED = "已添加 {platform}机器人（编号 {id}）到 {unit}（{code}）：{url}"
CLI_ROBOT_UNCHANGED = "{unit}（{code}）已有这个{platform}机器人（编号 {id}），没有改动。"
CLI_ROBOT_BAD_URL = "“{url}” 不像{platform}机器人的 Webhook 地址（应为 {example}）"
CLI_ROBOT_NEEDS_NO_SECRET = "企业微信机器人没有加签密钥，请去掉 --secret"
CLI_ROBOT_NONE = "还没有群机器人。用 gridbot robot add 编码 wecom|dingtalk|feishu 地址 [--secret 密钥] 添加。"
CLI_ROBOT_LINE = "{id:>4}  {code}  {unit}  {platform}  {status}  {url}  密钥 {secret}"
CLI_ROBOT_STATUS = {"active": "正常", "broken": "已失效"}
CLI_ROBOT_NO_SECRET = "无"
CLI_ROBOT_NO_TARGETS = "{unit}（{code}）没有群机器人"
CLI_ROBOT_ANSWER = "{id:>4}  {platform}  {url}  →  {outcome}：{answer}"
CLI_ROBOT_OUTCOMES = {
    "SENT": "已送达", "RATE_LIMITED": "太快，被限流", "BROKEN": "密钥/签名被拒", "RETRY": "暂时失败", "REJECTED": "消息被拒",
}  # fmt: skip
ROSTER_BAD_ROBOT_URL = "“{value}” 不是{platform}机器人的 Webhook 地址"
ROSTER_SECRET_WITHOUT_URL = "填了加签密钥却没有填{platform}机器人地址"

# --- standing duties: 结对帮困 visits, 消杀 points, 领取记录, population ledgers (issue #14) ---------

COMMAND_PAIR = "结对帮困：/pair @用户 地址 [每N天]"
COMMAND_VISIT = "登记走访：/visit 地址 做了什么"
COMMAND_VISITS = "结对走访：本周待访、逾期、发现的问题"
COMMAND_DISINFECT = "登记消杀：/disinfect 地点 方式 药剂"
COMMAND_DISINFECTIONS = "消杀记录与今日待消杀点位：/disinfections [天数]"
COMMAND_RECEIVED = "登记领取人：/received 订单编号 姓名"
#: What ``/visit`` and ``/disinfect`` hand to the parser: the same words a message would start with.
VISIT_COMMAND_TEXT = "走访 {words}"
DISINFECT_COMMAND_TEXT = "消杀 {words}"
VISIT_USAGE = "用法：<code>/visit 地址 做了什么</code>，例如 <code>/visit 3-2-501 送药 量血压</code>"
DISINFECT_USAGE = "用法：<code>/disinfect 地点 方式 药剂</code>，例如 <code>/disinfect 3号楼楼道 喷洒 84消毒液</code>"

PAIR_USAGE = "用法：<code>/pair @用户名 地址 [每N天]</code>，或回复某人的消息发送 <code>/pair 地址</code>"
PAIR_DONE = "🤝 已结对：{helper} 负责走访 {address}（{every}）。"
PAIR_UPDATED = "🤝 {helper} 与 {address} 已经结对，走访频次已更新（{every}）。"
PAIR_EVERY = "每 {days} 天走访一次"
PAIR_EVERY_BY_TAG = "按住户标签的频次走访"
PAIR_NOT_A_GRID = "请在网格群里结对：结对的住户属于网格。"
PAIR_UNKNOWN_USERNAME = "还不认识 @{username}：请他先在群里说句话，或回复他的消息发送 /pair 地址。"

VISITS_NONE = "🤝 <b>{unit}</b> 还没有结对户。网格长可用 /pair 结对，或在名册的“结对”表里填写。"
VISITS_HEADER = "🤝 <b>{unit}</b> 结对走访（{day}，本周 {monday}–{sunday}）：结对 {paired} 户，本周应访已完成 {done} 户"
VISITS_OVERDUE_HEADER = "<b>⚠️ 逾期（{count}）</b>"
VISITS_DUE_HEADER = "<b>📅 本周待走访（{count}）</b>"
VISITS_ALL_DONE = "本周没有待走访、逾期的结对户。"
VISITS_LINE = "· {grid}{address} {head}{tags}｜每{every}天｜上次 {last}｜应于 {deadline} 前｜{helpers}"
VISITS_NEVER = "未走访"
VISITS_CONCERNS_HEADER = "<b>👀 本周走访发现问题（{count}）</b>"
VISITS_CONCERN_LINE = "· {grid}{day} {address} {head}：{help}（走访人 {visitor}）"
VISIT_HELP_LABELS = {
    "medicine": "送药", "groceries": "代购", "health": "测量血压体温", "company": "陪伴谈心",
    "errand": "代办", "cleaning": "打扫", "repair": "维修",
}  # fmt: skip
VISIT_NO_HELP = "未说明"

STATUS_VISITS = "结对走访：本周 {done}/{due} 户，<b>逾期 {overdue} 户</b>{concerns}（/visits 查看）"
STATUS_VISIT_CONCERNS = "，发现问题 {count} 次"
STATUS_POINTS = "消杀：今日待消杀 {outstanding}/{points} 处{places}"
STATUS_PLACES = "（{places}）"

REPORT_VISITS = "结对走访"
REPORT_VISITS_VALUE = "本周应访 {due} 户，已访 {done} 户｜逾期 {overdue} 户｜本周走访 {made} 次（发现问题 {concerns}）"
REPORT_POINTS = "消杀"
REPORT_POINTS_VALUE = "点位 {points} 处，今日未完成 {outstanding} 处{places}"
REPORT_DIGEST_VISITS = (
    "<b>结对走访</b>：本周应访 {due} 户，已访 {done} 户｜逾期 {overdue} 户｜本周走访 {made} 次，发现问题 {concerns} 次"
)
REPORT_DIGEST_POINTS = "<b>消杀</b>：点位 {points} 处，今日已完成 {done} 处，未完成 {outstanding} 处"
REPORT_DETAILS_CONCERNS = "<b>走访发现问题（{count}）</b>"
REPORT_CONCERN_LINE = "· {grid} {address} {name}：{help}（{day}）"

VISIT_REMINDER_HEADER = "🤝 本周需走访的结对户（{count} 户）："
VISIT_REMINDER_LINE = "· {grid} {address} {head}｜上次 {last}｜应于 {deadline} 前"
VISIT_REMINDER_FOOTER = "走访后在网格群发“走访 门牌 做了什么”，或 /visit 门牌 做了什么，即可登记。"

DISINFECTIONS_USAGE = "用法：<code>/disinfections [天数]</code>（1–31 天，默认 7 天）"
DISINFECTIONS_HEADER = "🧴 <b>{unit}</b> 近 {days} 天消杀记录 {count} 条："
DISINFECTIONS_NONE = "🧴 <b>{unit}</b> 近 {days} 天没有消杀记录。"
DISINFECTIONS_LINE = "· {day} {grid}{place}｜{method}｜{agent}｜{operator}"
DISINFECTIONS_OUTSTANDING = "<b>今日待消杀</b>：{places}"
DISINFECTIONS_ALL_DONE = "今日点位均已消杀。"
DISINFECTION_METHOD_LABELS = {"spray": "喷洒", "wipe": "擦拭", "fumigate": "熏蒸", "other": "其他"}
DISINFECTION_UNKNOWN = "—"

RECEIVED_USAGE = "用法：<code>/received 订单编号 领取人</code>，例如 <code>/received 17 王阿姨</code>"
RECEIVED_DONE = "📦 订单 #{number} 的领取人已登记：{receiver}。"
RECEIVED_NOT_DELIVERED = "订单 #{number} 还没有送达：送达后再登记领取人。"
ORDER_DELIVERED_RECEIVER_HINT = "已标记送达。登记领取人（可不填）：/received {number} 姓名"

ROSTER_BAD_FREQUENCY = "“{value}”不是频次：请写 每天、每周 或天数（如 7）"
ROSTER_PAIR_NO_HOUSEHOLD = "住户表里没有 {value} 这一户（结对的住户须在住户表里）"

LEDGER_DISINFECTIONS = "消杀"
LEDGER_DISINFECTION_HEADER = ["日期", "村/社区", "网格", "地点", "方式", "药剂", "操作人"]
LEDGER_RESIDENT = "常住"
LEDGER_FLOATING = "流动"
LEDGER_RETURNEE_POPULATION = "返乡人员"
LEDGER_KEY_GROUPS = "重点人群"
LEDGER_RECEIPTS = "领取记录"
LEDGER_POPULATION_HEADER = ["村/社区", "网格", "地址", "户主", "电话", "人数", "标签"]
LEDGER_FLOATING_HEADER = ["村/社区", "网格", "地址", "户主/姓名", "电话", "人数", "标签", "来源"]
LEDGER_FROM_TAG = "名册标签"
LEDGER_RETURNEE_STAYED = "返乡留住"
LEDGER_RETURNEE_POPULATION_HEADER = [
    "报备日期",
    "村/社区",
    "网格",
    "地址",
    "姓名",
    "来自",
    "到达日期",
    "监测至",
    "状态",
]
LEDGER_MONITORING = "监测中"
LEDGER_ENDED = "已解除"
LEDGER_RECEIPT_HEADER = ["送达日期", "村/社区", "网格", "单号", "地址", "户主", "物品", "领取人", "送达时间"]
