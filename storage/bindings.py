"""Queries on chat ↔ unit bindings."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import BindingStatus, ChatBinding, Unit, utcnow


async def get_binding(session: AsyncSession, *, chat_id: int) -> ChatBinding | None:
    return (await session.exec(select(ChatBinding).where(ChatBinding.chat_id == chat_id))).first()


async def active_binding_of_unit(session: AsyncSession, *, unit_id: int) -> ChatBinding | None:
    query = select(ChatBinding).where(ChatBinding.unit_id == unit_id, ChatBinding.status == BindingStatus.ACTIVE)
    return (await session.exec(query)).first()


async def bound_unit(session: AsyncSession, *, chat_id: int) -> Unit | None:
    """The unit an active binding ties this chat to."""
    query = (
        select(Unit)
        .join(ChatBinding, ChatBinding.unit_id == Unit.id)  # type: ignore[arg-type]
        .where(ChatBinding.chat_id == chat_id, ChatBinding.status == BindingStatus.ACTIVE)
    )
    return (await session.exec(query)).first()


async def upsert_binding(
    session: AsyncSession, *, chat_id: int, unit_id: int, title: str, bound_by: int | None
) -> ChatBinding:
    """Bind ``chat_id`` to ``unit_id``, reusing the chat's row so its history stays in one place."""
    binding = await get_binding(session, chat_id=chat_id)
    if binding is None:
        binding = ChatBinding(chat_id=chat_id, unit_id=unit_id)
    binding.unit_id = unit_id
    binding.title = title
    binding.bound_by = bound_by
    binding.bound_at = utcnow()
    binding.status = BindingStatus.ACTIVE
    session.add(binding)
    await session.flush()
    return binding


async def is_bound(session: AsyncSession, *, chat_id: int, unit_id: int) -> bool:
    """Whether ``chat_id`` is already actively bound to ``unit_id`` (nothing to write then)."""
    binding = await get_binding(session, chat_id=chat_id)
    return binding is not None and binding.unit_id == unit_id and binding.status == BindingStatus.ACTIVE


async def set_binding_status(session: AsyncSession, *, chat_id: int, status: BindingStatus) -> ChatBinding | None:
    binding = await get_binding(session, chat_id=chat_id)
    if binding is not None:
        binding.status = status
        session.add(binding)
    return binding
