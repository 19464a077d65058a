"""The standing duties' commands: /pair, /visit, /visits, /disinfect, /disinfections, /received.

``/visit`` and ``/disinfect`` are messages in command form: their words go through the same path as
a ``走访…`` or ``消杀…`` message (``handlers.messages.ingest_text``), so they are stored, ✍'d, asked
about and alerted on exactly alike.
"""

from __future__ import annotations

from html import escape

from telegram import Message, Update

from core import texts
from core.callbacks import parse_id
from core.config import frequency_days
from handlers import leader_format as view
from handlers.context import GridContext, Services
from handlers.duties_format import disinfections_messages, visits_messages, visits_private
from handlers.leader import _link_target, leader_request, leader_view, local_day
from handlers.messages import ingest_text
from handlers.senders import from_a_person
from services.disinfection_log import LONGEST_PERIOD, disinfections_report
from services.leader_scope import Denied
from services.linking import Link
from services.receipts import Receipt, ReceiptOutcome, record_receiver
from services.visits import Pair, PairOutcome, pair_helper, visits_report

#: ``/disinfections`` without a number of days.
DEFAULT_DAYS = 7


def _pair_reply(outcome: PairOutcome | Denied, address: str) -> str:
    if isinstance(outcome, Denied):
        return view.denied(outcome)
    match outcome.result:
        case Pair.PAIRED | Pair.UPDATED:
            assert outcome.household is not None
            every = texts.PAIR_EVERY.format(days=outcome.every_days) if outcome.every_days else texts.PAIR_EVERY_BY_TAG
            template = texts.PAIR_DONE if outcome.result is Pair.PAIRED else texts.PAIR_UPDATED
            return template.format(
                helper=escape(outcome.helper), address=escape(outcome.household.address), every=every
            )
        case Link.NOT_A_GRID:
            return texts.PAIR_NOT_A_GRID
        case Link.BAD_ADDRESS:
            return texts.ADDRESS_BAD.format(address=escape(address))
        case Link.NOT_FOUND:
            return texts.ADDRESS_NOT_FOUND.format(address=escape(address))
        case Link.UNKNOWN_USERNAME:
            return texts.PAIR_UNKNOWN_USERNAME.format(username=escape(outcome.helper))
    raise AssertionError(outcome.result)


async def pair(update: Update, context: GridContext) -> None:
    """/pair @user 3-2-501 [7]: a grid leader pairs a helper with a household (every N days, else by tags)."""
    request = await leader_request(update)
    if request is None:
        return
    message, user = request
    target, rest = _link_target(message, context.args or [])
    words = rest.split()
    every = frequency_days(words[-1]) if len(words) > 1 else None
    address = " ".join(words[:-1] if every else words)
    if target is None or not address:
        await message.reply_html(texts.PAIR_USAGE)
        return
    services = context.services
    outcome = await pair_helper(
        services.sessions, chat_id=message.chat_id, user_id=user.id, admin_ids=services.admin_ids,
        target=target, address=address, every_days=every, day=local_day(message, services),
    )  # fmt: skip
    await message.reply_html(_pair_reply(outcome, address))


async def _as_message(update: Update, context: GridContext, template: str, usage: str) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not from_a_person(message):
        return
    words = " ".join(context.args or [])
    if not words:
        await message.reply_html(usage)
        return
    await ingest_text(update, context, message, user, template.format(words=words))


async def visit(update: Update, context: GridContext) -> None:
    """/visit 3-2-501 送药 量血压: a visit, recorded as a 走访 message would be."""
    await _as_message(update, context, texts.VISIT_COMMAND_TEXT, texts.VISIT_USAGE)


async def disinfect(update: Update, context: GridContext) -> None:
    """/disinfect 3号楼楼道 喷洒 84消毒液: a disinfection, recorded as a 消杀 message would be."""
    await _as_message(update, context, texts.DISINFECT_COMMAND_TEXT, texts.DISINFECT_USAGE)


def _with_settings(message: Message, services: Services) -> dict[str, object]:
    return {"day": local_day(message, services), "settings": services.settings}


async def visits(update: Update, context: GridContext) -> None:
    """/visits: paired households overdue and due this week, with their last visits; in a grid group, privately."""
    await leader_view(update, context, visits_report, visits_messages, _with_settings, private=visits_private)


async def disinfections(update: Update, context: GridContext) -> None:
    """/disinfections [days]: the log of the last days (default 7) and today's outstanding points."""
    args = context.args or []
    days = parse_id(args[0]) if len(args) == 1 else DEFAULT_DAYS if not args else None
    if days is None or days > LONGEST_PERIOD:
        if (message := update.effective_message) is not None:
            await message.reply_html(texts.DISINFECTIONS_USAGE)
        return

    def when(message: Message, services: Services) -> dict[str, object]:
        return {**_with_settings(message, services), "days": days}

    await leader_view(update, context, disinfections_report, disinfections_messages, when)


def _receipt_reply(outcome: ReceiptOutcome | Denied) -> str:
    if isinstance(outcome, Denied):
        return view.denied(outcome)
    match outcome.result:
        case Receipt.DONE:
            return texts.RECEIVED_DONE.format(number=outcome.number, receiver=escape(outcome.receiver))
        case Receipt.NOT_DELIVERED:
            return texts.RECEIVED_NOT_DELIVERED.format(number=outcome.number)
        case Receipt.UNKNOWN | Receipt.AMBIGUOUS:
            return texts.ORDER_UNKNOWN.format(number=outcome.number)
    raise AssertionError(outcome.result)


async def received(update: Update, context: GridContext) -> None:
    """/received 17 王阿姨: who took delivery of delivered order #17 (领取记录)."""
    request = await leader_request(update)
    if request is None:
        return
    message, user = request
    args = context.args or []
    number = parse_id(args[0].removeprefix("#")) if args else None
    receiver = " ".join(args[1:]).strip()
    if number is None or not receiver:
        await message.reply_html(texts.RECEIVED_USAGE)
        return
    services = context.services
    outcome = await record_receiver(
        services.sessions, chat_id=message.chat_id, user_id=user.id, admin_ids=services.admin_ids,
        number=number, receiver=receiver,
    )  # fmt: skip
    await message.reply_html(_receipt_reply(outcome))
