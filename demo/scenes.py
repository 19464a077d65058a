"""The demo's script, scene by scene. Each capability of the bot adds its own scene here."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from demo.stage import Stage
from demo.town import ADMIN_ID


@dataclass(frozen=True)
class Scene:
    title: str
    play: Callable[[Stage], Awaitable[None]]


async def bot_joins_groups(stage: Stage) -> None:
    """Each unit's leader adds the bot to their group; the bot says how to bind."""
    for unit in stage.town.units:
        await stage.playground.client.add_bot_to_group(stage.groups[unit.code], by=unit.leaders[0], as_admin=True)
        await stage.playground.settle()
    await stage.show()


async def binding(stage: Stage) -> None:
    """Leaders bind their groups; a resident and an anonymous admin are refused."""
    first_grid = stage.town.grids()[0]
    resident = stage.residents[first_grid.code][0]
    await stage.say(resident, first_grid.code, f"/bind {first_grid.code}")
    await stage.playground.client.send_message(
        user_id=first_grid.leaders[0],
        chat_id=stage.groups[first_grid.code],
        text=f"/bind {first_grid.code}",
        sender_chat_id=stage.groups[first_grid.code],
    )
    await stage.playground.settle()
    await stage.show()
    for unit in stage.town.units:
        await stage.say(unit.leaders[0], unit.code, f"/bind {unit.code}")
    await stage.say(first_grid.leaders[0], first_grid.code, f"/bind {first_grid.code}")


async def first_contact(stage: Stage) -> None:
    """A resident starts the bot privately and asks what it can do; the admin checks who they are."""
    grid = stage.town.grids()[0]
    resident = stage.residents[grid.code][1]
    await stage.say(resident, resident, "/start")
    await stage.say(resident, grid.code, "/help")
    await stage.say(grid.leaders[0], grid.code, "/help")
    await stage.say(ADMIN_ID, ADMIN_ID, "/whoami")


async def _edit(stage: Stage, code: str, message_id: int, text: str) -> None:
    """The author corrects a message they sent (Telegram's edit)."""
    await stage.playground.client.edit_message(chat_id=stage.groups[code], message_id=message_id, text=text)
    await stage.playground.settle()
    await stage.show()


async def morning_checkins(stage: Stage) -> None:
    """Residents check in as they talk; a fever without an address is asked about once, then alerts
    the grid leader (a Start link first: they never opened a private chat) and, masked, the village."""
    stage.clock.set(7, 50)
    grid, rural = stage.town.grids()[0], stage.town.grids()[2]
    people = stage.residents[grid.code]
    await stage.say(people[8], grid.code, "2-2-202 雷美玲 一个人在家 体温36.4 挺好的")
    await stage.say(people[9], grid.code, "2栋1单元301 体温36.6 无发热咳嗽")
    await stage.say(people[10], grid.code, "3-1-101 全家5口")
    await stage.say(people[10], grid.code, "大人小孩体温都正常 最高36.7")
    await stage.say(people[14], grid.code, "大家早上好，今天天气不错")
    await stage.say(people[11], grid.code, "我发烧了 38.2度 还有点咳嗽")
    await stage.say(people[11], grid.code, "3-2-102")
    await stage.say(grid.leaders[0], grid.leaders[0], "/start alerts")
    await stage.say(people[12], grid.code, "3-1-201 彭明德 两口人 36.5 36.3 抗原一道杠")
    sent = await stage.say(people[13], grid.code, "3-2-202 全家5口 体温36.5")
    await _edit(stage, grid.code, sent, "3-2-202 全家5口 体温36.5 无症状 核酸已做")
    await stage.say(stage.residents[rural.code][0], rural.code, "一组2号 沈春生 老两口 体温36.3 36.5 正常")


async def supply_orders(stage: Stage) -> None:
    """你点单、我送单: each order gets a number and a 送达 button; a missing quantity is asked for and
    fixed by editing; urgent medicine reaches the grid leader privately at once."""
    stage.clock.set(8, 10)
    grid = stage.town.grids()[1]
    people = stage.residents[grid.code]
    await stage.say(grid.leaders[0], grid.leaders[0], "/start")
    sent = await stage.say(people[0], grid.code, "4-1-101 大米两袋 还要点鸡蛋")
    await _edit(stage, grid.code, sent, "4-1-101 大米两袋 鸡蛋两斤")
    await stage.say(people[1], grid.code, "4-2-102 降压药吃完了 急需一盒 电话13912345678")
    await stage.say(people[5], grid.code, "5-1-101 面条三包 酱油一瓶 食用油一桶")


async def returnee_reports(stage: Stage) -> None:
    """返乡报备: stored with the monitoring plan from the config; the leader sees it in /returnees."""
    stage.clock.set(8, 25)
    grid = stage.town.grids()[2]
    people = stage.residents[grid.code]
    await stage.say(people[1], grid.code, "报备：我女儿李娜明天从上海坐G7回来，住一组5号，电话13800001111")
    await stage.say(people[2], grid.code, "一组8号 报备 孙子钱磊从石家庄开车回来 昨天到的")
    # The list names residents: in their group it goes to the leader privately, once they allow it.
    await stage.say(grid.leaders[0], grid.code, "/returnees")
    await stage.say(grid.leaders[0], grid.leaders[0], "/start")
    await stage.say(grid.leaders[0], grid.code, "/returnees")


async def _order_notices(stage: Stage, code: str, action: str = "deliver") -> list[tuple[int, str, str]]:
    """The grid's order notices still offering ``action`` (accept, deliver): (message id, order number, callback data)."""
    notices = []
    for message in await stage.playground.client.bot_messages(stage.groups[code]):
        buttons = [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
        data = next(
            (b["callback_data"] for b in buttons if b.get("callback_data", "").startswith(f"order:{action}:")), None
        )
        number = re.search(r"#(\d+)", message.text or "")
        if data and number:
            notices.append((message.message_id, number.group(1), data))
    return notices


async def leaders_look(stage: Stage) -> None:
    """The grid leader checks the day, takes an order and delivers it by the buttons, a resident
    cancels; the village sums up."""
    stage.clock.set(8, 40)
    grid = stage.town.grids()[0]
    leader, residents = grid.leaders[0], stage.residents[grid.code]
    households = stage.town.households_of(grid.code)
    await stage.say(residents[3], grid.code, f"{households[3].address} 大米两袋 鸡蛋一板")
    await stage.say(residents[4], grid.code, f"{households[4].address} 要一袋大米，降压药一盒，急")
    await stage.say(residents[5], grid.code, f"{households[5].address} 全家3口 体温36.6 无症状")
    await stage.say(residents[6], grid.code, f"{households[6].address} 老伴咳嗽 体温37.8")
    await stage.say(residents[7], grid.code, f"报备：我儿子昨天从北京坐G123回来，住{households[7].address}")
    for command in ("/status", "/missing", "/orders"):
        await stage.say(leader, grid.code, command)
    for action in ("accept", "deliver"):
        notices = await _order_notices(stage, grid.code, action)
        if notices:
            message_id, _number, data = notices[0]
            chat_id = stage.groups[grid.code]
            client = stage.playground.client
            await client.press_button(user_id=leader, chat_id=chat_id, message_id=message_id, data=data)
            await stage.playground.settle()
            await stage.show()
    await stage.say(residents[2], grid.code, f"{households[2].address} 酱油一瓶 食盐两袋")
    mine = await _order_notices(stage, grid.code)
    if mine:
        await stage.say(residents[2], grid.code, f"/cancel {mine[-1][1]}")
    await stage.say(leader, grid.code, "/returnees")
    village = stage.unit(grid.parent)
    await stage.say(village.leaders[0], village.code, "/status")


async def cluster_report(stage: Stage) -> None:
    """A 联户长 (楼长) reports for several households of her 联户 in one message (代报): one record each,
    one reply listing them; she starts the bot so that reminders can reach her privately."""
    stage.clock.set(8, 0)
    grid, cluster = stage.town.grids()[0], stage.town.clusters[0]
    leader = cluster.leaders[0]
    await stage.say(leader, leader, "/start")
    await stage.say(
        leader, grid.code, "1号楼代报：1-1-101 余淑珍 36.5；1-2-102 全家5口 体温正常 核酸已做；1-1-201 36.6"
    )


async def testing_morning(stage: Stage) -> None:
    """The 社区 starts a testing campaign for today; check-ins stating a test and the testing team's
    /tested bring 未检 down; a bedridden household is on the 需上门 list; the 社区 sees 应检/已检/未检."""
    stage.clock.set(8, 45)
    grid, village = stage.town.grids()[0], stage.unit(stage.town.grids()[0].parent)
    await stage.say(village.leaders[0], village.code, f"/testing {stage.clock.day.isoformat()}")
    await stage.playground.bot.schedule.deliver()
    await stage.show()
    stage.clock.set(8, 50)
    await stage.say(grid.leaders[0], grid.code, "/untested")
    people = stage.residents[grid.code]
    await stage.say(people[5], grid.code, "2-1-101 核酸已做 1人")
    await stage.say(people[6], grid.code, "2-2-102 全家3口 核酸已做")
    stage.clock.set(8, 55)
    await stage.say(grid.leaders[0], grid.code, "/tested 1-1-301 2人")
    await stage.say(grid.leaders[0], grid.code, "/untested")
    await stage.say(village.leaders[0], village.code, "/status")


async def _clock_strikes(stage: Stage, hour: int, minute: int = 0) -> None:
    """The demo's clock moves to ``hour:minute`` and the schedule runs what is due: nothing waits."""
    stage.terminal.note(f"⏰ {hour:02d}:{minute:02d}")
    await stage.playground.bot.schedule.tick(stage.clock.set(hour, minute))
    await stage.show()


async def reminders(stage: Stage) -> None:
    """09:00 returnee follow-up, 10:00 and 15:00 check-in reminders (the 联户长 privately: her households
    still to check in, which her zero report then covers); a grid leader turns @mentions off."""
    await _clock_strikes(stage, 9)
    await _clock_strikes(stage, 10)
    first, second = stage.town.grids()[:2]
    address = stage.town.households_of(first.code)[3].address
    stage.clock.set(10, 20)
    await stage.say(stage.residents[first.code][3], first.code, f"{address} 全家2口 体温36.4 无症状")
    await stage.say(stage.town.clusters[0].leaders[0], first.code, "我联户今日无异常")
    await stage.say(second.leaders[0], second.code, "/remind 点名关")
    await _clock_strikes(stage, 15)


async def _latest_button(stage: Stage, code: str, prefix: str) -> tuple[int, str] | None:
    """The newest bot message in the unit's group with a button whose data starts with ``prefix``."""
    for message in reversed(await stage.playground.client.bot_messages(stage.groups[code])):
        buttons = [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
        data = next((b["callback_data"] for b in buttons if b.get("callback_data", "").startswith(prefix)), None)
        if data:
            return message.message_id, data
    return None


async def notices(stage: Stage) -> None:
    """The town sends a notice down to every group; grids and a village press 收到; the town checks."""
    stage.clock.set(15, 20)
    town = stage.town.units[0]
    await stage.say(
        town.leaders[0],
        town.code,
        "/notice 明天上午9点在各村社区广场全员核酸，请各网格通知到户，行动不便的老人登记上门。",
    )
    await stage.playground.bot.schedule.deliver()
    await stage.show()
    stage.clock.set(15, 35)
    grid, village = stage.town.grids()[0], stage.town.units[1]
    for code, person in (
        (grid.code, grid.leaders[0]),
        (grid.code, stage.residents[grid.code][0]),
        (village.code, village.leaders[0]),
    ):
        button = await _latest_button(stage, code, "notice:ack:")
        if button is not None:
            client = stage.playground.client
            await client.press_button(user_id=person, chat_id=stage.groups[code], message_id=button[0], data=button[1])
            await stage.playground.settle()
    await stage.show()
    await stage.say(town.leaders[0], town.code, "/notice_status")


async def pairing_visits(stage: Stage) -> None:
    """结对帮困: the grid leader pairs a volunteer with a vulnerable household (a reply with /pair); the
    volunteer's /visit finds a concern, which reaches the leader privately; /visits lists due and overdue."""
    stage.clock.set(15, 40)
    grid = stage.town.grids()[0]
    leader, helper = grid.leaders[0], stage.residents[grid.code][1]
    household = next(h for h in stage.town.households_of(grid.code) if h.tags)
    sent = await stage.say(helper, grid.code, "我是党员志愿者，可以帮忙照顾老人")
    client = stage.playground.client
    await client.send_message(
        user_id=leader, chat_id=stage.groups[grid.code], text=f"/pair {household.address} 每周", reply_to=sent
    )
    await stage.playground.settle()
    await stage.show()
    await stage.say(helper, grid.code, f"/visit {household.address} 送药 量血压 发现血压偏高需要关注")
    await stage.say(leader, grid.code, "/visits")


async def disinfection_round(stage: Stage) -> None:
    """消杀: the day's round of the configured points (垃圾站, 电梯 daily; 楼道 weekly) by command and by
    message; /status shows what is still due today, /disinfections the log."""
    stage.clock.set(15, 50)
    grid = stage.town.grids()[0]
    leader, cleaner = grid.leaders[0], stage.residents[grid.code][2]
    await stage.say(leader, grid.code, "/status")
    await stage.say(cleaner, grid.code, "/disinfect 垃圾站 喷洒 84消毒液")
    await stage.say(cleaner, grid.code, "今天对3栋楼道进行喷洒消毒，含氯消毒液，操作人周建国")
    await stage.say(leader, grid.code, "/disinfections")


async def _save_attachments(stage: Stage, code: str) -> None:
    """Keep the chart and ledger the bot posted in a unit's group, as an official would."""
    bot = stage.playground.bot.application.bot
    for message in await stage.playground.client.bot_messages(stage.groups[code]):
        if message.file is not None:
            target = stage.out_dir / (message.file.file_name or f"图表-{code}.png")
            await (await bot.get_file(message.file.file_id)).download_to_drive(target)
            stage.terminal.note(f"已保存 {target}")


async def end_of_day(stage: Stage) -> None:
    """16:00 grid reports; all grids but one confirm (a zero report with households missing: tapped twice);
    16:30 village digests; 17:00 the town digest."""
    await _clock_strikes(stage, 16)
    stage.clock.set(16, 10)
    client = stage.playground.client
    for grid in stage.town.grids()[:-1]:
        # A zero report with households not checked in takes a second tap (仍确认零报告).
        for prefix in ("report:confirm:", "report:zero:"):
            button = await _latest_button(stage, grid.code, prefix)
            if button is not None:
                await client.press_button(
                    user_id=grid.leaders[0], chat_id=stage.groups[grid.code], message_id=button[0], data=button[1]
                )
                await stage.playground.settle()
    await stage.show()
    await _clock_strikes(stage, 16, 30)
    await _clock_strikes(stage, 17)
    for unit in stage.town.units:
        if unit.level != "grid":
            await _save_attachments(stage, unit.code)


SCENES: list[Scene] = [
    Scene("机器人进群：各级负责人把网格助手拉进群", bot_joins_groups),
    Scene("绑定：负责人发送 /bind 把群绑定到单位", binding),
    Scene("初次使用：/start、/help、/whoami", first_contact),
    Scene("早上打卡：居民随口说，✍ 表示已记下；发烧住户 → 网格长私信、村群脱敏通报", morning_checkins),
    Scene("联户长代报：楼长一条消息报多户，一户一条记录、一条回复列出", cluster_report),
    Scene("点单：订单编号与「已送达」按钮，补数量靠改原消息，急需药品私信网格长", supply_orders),
    Scene("返乡报备：按配置登记监测期与检测日，网格长 /returnees 查看", returnee_reports),
    Scene("网格长查看：/status、/missing、/orders、一键送达、居民 /cancel、/returnees、村级汇总", leaders_look),
    Scene(
        "全员核酸的上午：社区 /testing 发起，打卡写“核酸已做”、检测队 /tested，/untested 未检越来越少", testing_morning
    ),
    Scene(
        "定时提醒：09:00 返乡随访、10:00 和 15:00 打卡提醒（@ 未打卡的住户，联户长私信收到本联户未打卡名单）、/remind 点名关",
        reminders,
    ),
    Scene("上级通知：镇里 /notice 发到各村各网格，点“收到”，/notice_status 看收到情况", notices),
    Scene("结对帮困：/pair 结对、/visit 走访发现问题 → 网格长私信、/visits 查看应访与逾期", pairing_visits),
    Scene("消杀：/disinfect 与消息登记，/status 看今日待消杀点位，/disinfections 看记录", disinfection_round),
    Scene("日报告、零报告：16:00 网格日报与确认上报，16:30 村社区汇总，17:00 镇街汇总（图表与台账）", end_of_day),
]
