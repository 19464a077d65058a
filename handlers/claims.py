"""Claims on a household: its grid's leaders confirm with one tap, or a shared contact does.

Callback data ``claim:<link|keep>:<telegram user id>:<household id>`` (``core.callbacks.ClaimAnswer``,
parsed strictly by ``handlers.buttons``).
"""

from __future__ import annotations

from html import escape

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden

from core import texts
from core.callbacks import ClaimAnswer
from core.formatting import mask_name
from handlers.context import GridContext
from services.ingest import LinkClaim
from services.leader_scope import Denied
from services.linking import Link, answer_claim, link_by_contact


async def ask_leaders(context: GridContext, claim: LinkClaim) -> None:
    """Privately, to each of the grid's leaders the bot can write to: the name masked, two buttons."""
    household = claim.household
    text = texts.CLAIM_ASK.format(
        name=escape(mask_name(claim.name)),
        address=escape(household.address),
        grid=escape(claim.grid.name),
        kind=texts.CLAIM_KINDS.get(claim.kind, ""),
    )
    assert household.id is not None
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=ClaimAnswer(link, claim.user_id, household.id).data())
                for link, label in ((True, texts.CLAIM_LINK), (False, texts.CLAIM_KEEP))
            ]
        ]
    )
    for leader in claim.audience.leaders:
        try:
            await context.bot.send_message(leader, text, parse_mode=ParseMode.HTML, reply_markup=buttons)
        except Forbidden:
            continue  # never started the bot: /link in the group still works


async def claim_button(query: CallbackQuery, press: ClaimAnswer, context: GridContext) -> None:
    """关联 or 不关联 pressed: the first leader's answer stands; the message shows it."""
    services = context.services
    outcome = await answer_claim(
        services.sessions,
        user_id=query.from_user.id,
        admin_ids=services.admin_ids,
        claimant=press.user_id,
        household_id=press.household_id,
        link=press.link,
    )
    if isinstance(outcome, Denied):
        await query.answer(texts.CLAIM_REFUSED)
        return
    await query.answer()
    if outcome.result is Link.NO_CLAIM or outcome.person is None or outcome.household is None:
        await query.edit_message_text(texts.CLAIM_SETTLED)
        return
    template = texts.CLAIM_LINKED if outcome.result is Link.LINKED else texts.CLAIM_DECLINED
    name = escape(mask_name(outcome.person.display_name))
    await query.edit_message_text(
        template.format(name=name, address=escape(outcome.household.address)), parse_mode=ParseMode.HTML
    )


async def on_contact(update: Update, context: GridContext) -> None:
    """A person shares their own contact (not someone else's): a roster phone match links them."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.contact is None or message.contact.user_id != user.id:
        return
    outcome = await link_by_contact(context.services.sessions, user_id=user.id, phone=message.contact.phone_number)
    if outcome.result is Link.LINKED and outcome.household is not None:
        await message.reply_html(texts.CONTACT_LINKED.format(address=escape(outcome.household.address)))
    elif outcome.person is not None and outcome.person.claimed_household_id is not None:
        await message.reply_html(texts.CONTACT_NO_MATCH)
