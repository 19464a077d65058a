"""SQLModel tables, each beside the plain models that cross the storage boundary.

Every table that holds a resident's record (check-ins, orders, returnees: later
migrations) references its household, its grid and the Telegram message it came from
(chat_id, message_id), so that an edit updates the record and a redelivery is recognised.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# Re-exported: the columns below store them, and storage and services name them from here.
from core.domain import BindingStatus as BindingStatus
from core.domain import OrderStatus as OrderStatus
from core.domain import OutboxStatus as OutboxStatus
from core.domain import UnitLevel as UnitLevel
from core.domain import utcnow as utcnow


def _timestamp(**kwargs: object) -> datetime:
    return Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), **kwargs)  # type: ignore[no-any-return, call-overload]


#: The outbox channel of a Telegram chat (the others are the robot platforms, ``RobotTarget.platform``).
TELEGRAM = "telegram"

#: A town's children are villages, a village's are grids.
PARENT_LEVEL: dict[UnitLevel, UnitLevel | None] = {
    UnitLevel.TOWN: None,
    UnitLevel.VILLAGE: UnitLevel.TOWN,
    UnitLevel.GRID: UnitLevel.VILLAGE,
}


class UnitBase(SQLModel):
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=128)
    level: UnitLevel = Field(sa_type=sa.String(16))


class Unit(UnitBase, table=True):
    """A town, village or grid. ``path`` (codes joined by '/') lets SQL select a subtree by prefix."""

    __tablename__ = "units"
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    path: str = Field(max_length=512, index=True)
    created_at: datetime = _timestamp()


class UnitCreate(UnitBase):
    parent_code: str | None = None
    leader_ids: list[int] = []
    chat_id: int | None = None


class UnitLeader(SQLModel, table=True):
    """A Telegram user who leads a unit (网格长, 书记); leadership extends to the units below."""

    __tablename__ = "unit_leaders"
    __table_args__ = (sa.UniqueConstraint("unit_id", "telegram_user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    telegram_user_id: int = Field(sa_type=sa.BigInteger, index=True)


class HouseholdBase(SQLModel):
    address: str = Field(max_length=128, description="as written in the roster")
    building: str | None = Field(default=None, max_length=16)
    unit_no: str | None = Field(default=None, max_length=16)
    room: str | None = Field(default=None, max_length=16)
    group_no: str | None = Field(default=None, max_length=16)
    number: str | None = Field(default=None, max_length=16)
    head: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=20)
    members: int = Field(default=1, ge=0)
    tags: str = Field(default="", max_length=256, description="care tags separated by ';'")


class Household(HouseholdBase, table=True):
    """A household of a grid, matched on re-import by (grid, normalised address key)."""

    __tablename__ = "households"
    __table_args__ = (sa.UniqueConstraint("grid_id", "address_key"),)
    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="units.id", index=True)
    address_key: str = Field(max_length=64)
    active: bool = True
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    #: Its 联户 (十户联防 / 楼组), if the roster gives one: a group of about ten households of the grid.
    cluster_id: int | None = Field(default=None, foreign_key="clusters.id", index=True)


class Cluster(SQLModel, table=True):
    """A 联户 below a grid: about ten households a 联户长 (楼组长) answers for. Not a unit: it has no
    group of its own and no report to confirm; its leaders report for its households and hear of
    those not yet checked in."""

    __tablename__ = "clusters"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=128)
    grid_id: int = Field(foreign_key="units.id", index=True)
    created_at: datetime = _timestamp()


class ClusterLeader(SQLModel, table=True):
    """A 联户长: a Telegram user who answers for a cluster's households."""

    __tablename__ = "cluster_leaders"
    __table_args__ = (sa.UniqueConstraint("cluster_id", "telegram_user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="clusters.id", index=True)
    telegram_user_id: int = Field(sa_type=sa.BigInteger, index=True)


class HouseholdCreate(HouseholdBase):
    grid_code: str
    address_key: str


class Person(SQLModel, table=True):
    """A Telegram user the bot has seen, and the household they belong to once known."""

    __tablename__ = "people"
    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=sa.BigInteger, unique=True, index=True)
    display_name: str = Field(default="", max_length=128)
    username: str | None = Field(default=None, max_length=64)
    #: The confirmed link: what lets them cancel the household's orders and see its records.
    household_id: int | None = Field(default=None, foreign_key="households.id", index=True)
    #: A household they wrote the address of, waiting for a grid leader's 关联 (a pending link).
    claimed_household_id: int | None = Field(default=None, foreign_key="households.id")
    started_bot: bool = Field(default=False, description="has pressed Start, so the bot may write privately")
    created_at: datetime = _timestamp()


class ChatBinding(SQLModel, table=True):
    """A Telegram group bound to one unit; a unit has at most one active group."""

    __tablename__ = "chat_bindings"
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=sa.BigInteger, unique=True, index=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    title: str = Field(default="", max_length=256)
    status: BindingStatus = Field(default=BindingStatus.ACTIVE, sa_type=sa.String(16))
    bound_by: int | None = Field(default=None, sa_type=sa.BigInteger)
    bound_at: datetime = _timestamp()
    #: When the notice to residents (告知) was posted here: once per group, ever.
    privacy_notice_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class InboxUpdate(SQLModel, table=True):
    """A raw Telegram update, stored before its offset is confirmed or its webhook call answered.

    The unique ``update_id`` is what makes a redelivery a no-op; ``processed_at`` is what lets
    a restarted process finish what a killed one had acknowledged.
    """

    __tablename__ = "inbox"
    update_id: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    payload: str = Field(sa_type=sa.Text)
    received_at: datetime = _timestamp()
    processed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True), index=True)


# --- what residents post (group life) -------------------------------------------------------


class MessageRecord(SQLModel, table=True):
    """A resident's message as received: the source every derived record points back to.

    Unique on (chat_id, message_id): an edit updates this row, a redelivery finds it. The raw
    text is kept with identity numbers masked, since the work never needs a full ID number.
    """

    __tablename__ = "messages"
    __table_args__ = (sa.UniqueConstraint("chat_id", "message_id"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=sa.BigInteger)
    message_id: int = Field(sa_type=sa.BigInteger)
    update_id: int = Field(sa_type=sa.BigInteger)
    sender_id: int = Field(sa_type=sa.BigInteger, index=True)
    grid_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="households.id", index=True)
    kind: str = Field(max_length=16)
    text: str = Field(sa_type=sa.Text)
    parsed: str = Field(sa_type=sa.Text, description="the parser's JSON result")
    day: date = Field(index=True, description="local date the message was sent")
    sent_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    edited_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    #: When retention or a household's erasure removed its personal details (see ``storage.privacy``).
    purged_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class MessageHousehold(SQLModel, table=True):
    """A further household one message reports on (代报, a 联户长's list): its part of the message.

    The message's first household stays ``messages.household_id``; each other one is a row here,
    replaced whenever the message is edited, so that its check-in day is recomputed from its part
    of every message that named it, never incremented."""

    __tablename__ = "message_households"
    __table_args__ = (sa.UniqueConstraint("message_id", "household_id"),)
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="messages.id", index=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    day: date = Field(index=True)
    parsed: str = Field(sa_type=sa.Text, description="this household's part of the parse result (JSON)")
    purged_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class CheckIn(SQLModel, table=True):
    """A household's check-in for one local day: derived from all its check-in messages that day,
    so a second message, a merge of several or an edit all update one row."""

    __tablename__ = "checkins"
    __table_args__ = (sa.UniqueConstraint("household_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    grid_id: int = Field(foreign_key="units.id", index=True)
    day: date = Field(index=True)
    persons: int | None = None
    temperature: float | None = None
    symptoms: str | None = Field(default=None, max_length=128, description="comma-separated; '' = none stated")
    test_type: str | None = Field(default=None, max_length=16)
    test_result: str | None = Field(default=None, max_length=16)
    abnormal: bool = False
    message_count: int = 1
    last_message_id: int = Field(foreign_key="messages.id")
    updated_at: datetime = _timestamp()
    #: When retention or a household's erasure removed its personal details (see ``storage.privacy``).
    purged_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class SupplyOrder(SQLModel, table=True):
    """你点单、我送单: one order message; ``number`` is short and per grid (#17)."""

    __tablename__ = "orders"
    __table_args__ = (sa.UniqueConstraint("grid_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="units.id", index=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    message_id: int = Field(foreign_key="messages.id", unique=True)
    number: int
    status: OrderStatus = Field(default=OrderStatus.OPEN, sa_type=sa.String(16), index=True)
    urgent: bool = False
    phone: str | None = Field(default=None, max_length=20)
    day: date = Field(index=True)
    created_at: datetime = _timestamp()
    accepted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    delivered_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    cancelled_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    handled_by: int | None = Field(default=None, sa_type=sa.BigInteger)
    #: Who took delivery (领取人), as the leader wrote it after delivering (``/received N 姓名``).
    receiver: str | None = Field(default=None, max_length=64)
    #: When retention or a household's erasure removed its personal details (see ``storage.privacy``).
    purged_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class OrderItem(SQLModel, table=True):
    """One line of an order, a row of its own so shopping lists are a GROUP BY."""

    __tablename__ = "order_items"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    name: str = Field(max_length=64)
    qty: float | None = None
    unit: str | None = Field(default=None, max_length=16)


class Returnee(SQLModel, table=True):
    """返乡报备: a person arriving, monitored from ``arrival`` to ``monitor_until``."""

    __tablename__ = "returnees"
    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="units.id", index=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    message_id: int = Field(foreign_key="messages.id", unique=True)
    name: str | None = Field(default=None, max_length=64)
    origin: str | None = Field(default=None, max_length=64)
    arrival: date | None = None
    transport_mode: str | None = Field(default=None, max_length=16)
    transport_number: str | None = Field(default=None, max_length=32)
    id_last4: str | None = Field(default=None, max_length=4)
    phone: str | None = Field(default=None, max_length=20)
    test_type: str | None = Field(default=None, max_length=16)
    test_result: str | None = Field(default=None, max_length=16)
    day: date = Field(index=True, description="the day it was reported")
    monitor_until: date | None = Field(default=None, index=True)
    test_days: str = Field(default="", max_length=64, description="comma-separated days after arrival")
    created_at: datetime = _timestamp()
    #: When retention or a household's erasure removed its personal details (see ``storage.privacy``).
    purged_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class VisitRecord(SQLModel, table=True):
    """A worker's or volunteer's visit to a household (走访), one per message, rewritten by its edits."""

    __tablename__ = "visits"
    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="units.id", index=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    message_id: int = Field(foreign_key="messages.id", unique=True)
    day: date = Field(index=True, description="the day of the visit (the message's, unless it names one)")
    visitor_id: int = Field(sa_type=sa.BigInteger, index=True)
    visitor_name: str = Field(default="", max_length=128)
    name: str | None = Field(default=None, max_length=64, description="the person visited")
    help: str | None = Field(default=None, max_length=128, description="what was done, comma-separated")
    concern: bool = Field(default=False, description="something found that needs a leader's follow-up")
    purged_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class DisinfectionRecord(SQLModel, table=True):
    """A record of disinfecting a place (消杀): a place, not a household; one per message."""

    __tablename__ = "disinfections"
    id: int | None = Field(default=None, primary_key=True)
    grid_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    message_id: int = Field(foreign_key="messages.id", unique=True)
    day: date = Field(index=True, description="the day of the work (the message's, unless it names one)")
    reporter_id: int = Field(sa_type=sa.BigInteger)
    place: str | None = Field(default=None, max_length=128)
    method: str | None = Field(default=None, max_length=16)
    agent: str | None = Field(default=None, max_length=64)
    operator: str | None = Field(default=None, max_length=64)
    purged_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class Pairing(SQLModel, table=True):
    """结对帮困: a helper (party member, volunteer) paired with a household they visit regularly.

    ``helper_key`` is ``tg:<id>`` for a Telegram user, else ``name:<name>`` (a roster that names a
    helper the bot has not met); a household may have several helpers, each once."""

    __tablename__ = "pairings"
    __table_args__ = (sa.UniqueConstraint("household_id", "helper_key"),)
    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="units.id", index=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    helper_key: str = Field(max_length=80)
    helper_id: int | None = Field(default=None, sa_type=sa.BigInteger, index=True)
    helper_name: str = Field(default="", max_length=64)
    #: Days between visits for this pairing; None: by the household's tags (``[policy.visits]``).
    every_days: int | None = None
    paired_on: date
    #: ``roster`` (replaced by the next roster with a pairs sheet) or ``command`` (``/pair``).
    source: str = Field(default="roster", max_length=16)


class DisinfectionPoint(SQLModel, table=True):
    """A grid's place to disinfect (消杀点位) and how often, from the roster's 消杀点位 sheet."""

    __tablename__ = "disinfection_points"
    __table_args__ = (sa.UniqueConstraint("grid_id", "place"),)
    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="units.id", index=True)
    place: str = Field(max_length=64)
    every_days: int = 1


class Nudge(SQLModel, table=True):
    """A follow-up question asked of a person, at most once per person, reason and day."""

    __tablename__ = "nudges"
    __table_args__ = (sa.UniqueConstraint("telegram_user_id", "reason", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=sa.BigInteger)
    reason: str = Field(max_length=32)
    day: date


# --- reports up the chain, notices down -----------------------------------------------------


class UnitReport(SQLModel, table=True):
    """A unit's confirmed daily report (确认上报 / 零报告); its absence at digest time means 未报."""

    __tablename__ = "unit_reports"
    __table_args__ = (sa.UniqueConstraint("unit_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    day: date = Field(index=True)
    zero: bool = Field(description="nothing abnormal and no new returnee: a zero report")
    confirmed_by: int = Field(sa_type=sa.BigInteger)
    confirmed_at: datetime = _timestamp()
    #: The grid's counts as confirmed (``storage.reports.Counts`` field → value): what the leader vouched for.
    figures: dict[str, int] | None = Field(default=None, sa_type=sa.JSON)


class UnitSettings(SQLModel, table=True):
    """Per-unit switches a leader can flip (/remind off)."""

    __tablename__ = "unit_settings"
    unit_id: int = Field(foreign_key="units.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    reminders: bool = True
    mentions: bool = True


class DayOff(SQLModel, table=True):
    """A day on which missing check-ins count against no one (a unit's, or everyone's if unit is null)."""

    __tablename__ = "days_off"
    __table_args__ = (sa.UniqueConstraint("unit_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int | None = Field(default=None, foreign_key="units.id")
    day: date


class OutboxMessage(SQLModel, table=True):
    """A scheduled message written before it is sent: (unit, day, kind, part, robot) is sent once, never lost.

    Its target is a channel and an address: a Telegram chat (``channel`` telegram, ``chat_id``) or a
    group robot (``channel`` wecom, dingtalk or feishu; ``robot_id`` its ``RobotTarget``, ``chat_id`` 0).
    """

    __tablename__ = "outbox"
    __table_args__ = (sa.UniqueConstraint("unit_id", "day", "kind", "part", "robot_id", name="uq_outbox_target"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    day: date = Field(index=True)
    kind: str = Field(max_length=32)
    part: int = 0
    chat_id: int = Field(sa_type=sa.BigInteger)
    payload: str = Field(sa_type=sa.Text, description="JSON: method and its parameters")
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=sa.String(16), index=True)
    attempts: int = 0
    next_attempt_at: datetime = _timestamp()
    sent_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    telegram_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    last_error: str | None = Field(default=None, max_length=512)
    created_at: datetime = _timestamp()
    channel: str = Field(default=TELEGRAM, max_length=16, sa_column_kwargs={"server_default": TELEGRAM})
    #: The robot target of a robot row; 0 for Telegram (part of the key, so never NULL).
    robot_id: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class SharedFile(SQLModel, table=True):
    """A digest's chart or ledger as a DingTalk or Feishu robot reaches it: by an unguessable link
    (``token``) until ``expires_at``; ``outbox_id`` is the robot row it was shared for (once)."""

    __tablename__ = "shared_files"
    token: str = Field(primary_key=True, max_length=64)
    outbox_id: int = Field(unique=True)
    filename: str = Field(max_length=128)
    media_type: str = Field(max_length=128)
    content: bytes = Field(sa_type=sa.LargeBinary)
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)


class RobotTarget(SQLModel, table=True):
    """A WeCom, DingTalk or Feishu custom group robot of a unit's officials (besides its Telegram group).

    ``url`` carries the robot's key or token and ``secret`` its signing secret: both are credentials,
    shown only masked (``core.redact``). ``status`` becomes broken when the platform rejects the key
    or signature; the unit's Telegram group is told once, and ``gridbot robot add`` mends it.
    """

    __tablename__ = "robot_targets"
    __table_args__ = (sa.UniqueConstraint("unit_id", "url"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    platform: str = Field(max_length=16)
    url: str = Field(max_length=512)
    secret: str | None = Field(default=None, max_length=256)
    status: str = Field(default="active", max_length=16)
    last_error: str | None = Field(default=None, max_length=512)
    created_at: datetime = _timestamp()


class Notice(SQLModel, table=True):
    """上级通知: sent down from a town or village group to every group below."""

    __tablename__ = "notices"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    text: str = Field(sa_type=sa.Text)
    created_by: int = Field(sa_type=sa.BigInteger)
    created_at: datetime = _timestamp()


class NoticeAck(SQLModel, table=True):
    """A 收到 press: counted per unit below."""

    __tablename__ = "notice_acks"
    __table_args__ = (sa.UniqueConstraint("notice_id", "unit_id", "telegram_user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notices.id", index=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    telegram_user_id: int = Field(sa_type=sa.BigInteger)
    acked_at: datetime = _timestamp()


class TestingCampaign(SQLModel, table=True):
    """全员核酸: every resident below ``unit_id`` is to be tested between ``start`` and ``until``."""

    __tablename__ = "testing_campaigns"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    start: date = Field(index=True)
    until: date = Field(index=True)
    created_by: int = Field(sa_type=sa.BigInteger)
    created_at: datetime = _timestamp()
    #: The notice that announced it down the chain.
    notice_id: int | None = Field(default=None, foreign_key="notices.id")


class CampaignTest(SQLModel, table=True):
    """The testing team's count for a household in a campaign (``/tested 3-2-501 3人``): the latest stands."""

    __tablename__ = "campaign_tests"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "household_id"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="testing_campaigns.id", index=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    persons: int
    recorded_by: int = Field(sa_type=sa.BigInteger)
    recorded_at: datetime = _timestamp()


# --- who saw personal details ---------------------------------------------------------------


class AuditEntry(SQLModel, table=True):
    """One access to personal details: who (a Telegram user, a group, or an operator at the CLI),
    what (``storage.audit.AuditAction``), when, and which unit and household it concerned."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _timestamp(index=True)
    actor: str = Field(max_length=64, description="tg:<user id>, chat:<chat id> or cli:<login>")
    action: str = Field(max_length=32, index=True)
    unit_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="households.id", index=True)
    detail: str = Field(default="", max_length=256)
