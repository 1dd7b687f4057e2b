"""A renderer (ports.Renderer) that writes what it was asked for, so a test can see which template and language
a message used without reading Jinja's output; `too_long` makes an SMS refuse as the real one does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.messages import MessageContext, MessageTooLong, RenderedMessage


class FakeRenderer:
    def __init__(self) -> None:
        self.rendered: list[MessageContext] = []
        self.too_long: set[str] = set()  # templates whose rendering is too long for their channel

    def render(self, ctx: MessageContext) -> RenderedMessage:
        if ctx.template in self.too_long:
            raise MessageTooLong(f"{ctx.template} does not fit")
        self.rendered.append(ctx)
        text = f"{ctx.template} [{ctx.locale}] {ctx.portal_url}"
        if ctx.channel == "sms":
            return RenderedMessage(text)
        return RenderedMessage(text, subject=ctx.template, headers={"List-Unsubscribe": f"<{ctx.unsubscribe_url}>"})


if TYPE_CHECKING:
    from chalicelib.domain import ports

    _renderer: ports.Renderer = FakeRenderer()
