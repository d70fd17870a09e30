"""The brain the adapter tests hand to an adapter: the real one, which also records what it was given."""

from __future__ import annotations

from collections.abc import Sequence

from bot.brain import Brain
from bot.config import Config
from bot.messages import Action, ActionEvent, ActionId, Buttons, Incoming, Paragraph, Reply, ReplyKind
from bot.notify import Notify
from bot.reminders.service import AvatarSighting


class RecordingBrain(Brain):
    """The real brain, plus a record of what an adapter handed it.

    Button presses get a canned answer (with markup-looking text, to show that it is escaped) and photo
    tracking is fixed by `tracking`, unless `real_actions=True` / `tracking=None` hand them to the real core.
    """

    def __init__(self, config: Config, *, tracking: bool | None = False, real_actions: bool = False) -> None:
        super().__init__(config)
        self.real_actions = real_actions
        self.tracking = tracking
        self.incomings: list[Incoming] = []
        self.actions: list[ActionEvent] = []
        self.sightings: list[tuple[str, str, list[AvatarSighting]]] = []

    def handle(self, incoming: Incoming, notify: Notify | None = None) -> list[Reply]:
        self.incomings.append(incoming)
        return super().handle(incoming, notify)

    def handle_action(self, event: ActionEvent) -> list[Reply]:
        self.actions.append(event)
        if self.real_actions:
            return super().handle_action(event)
        return [
            Reply(
                ReplyKind.REMINDER,
                (
                    Paragraph(f"Pressed <{event.action_id}> {event.value} & done"),
                    Buttons((Action("Done, I updated it", ActionId.DONE, value=event.value),)),
                ),
            )
        ]

    def photo_tracking_enabled(self, platform: str, workspace: str) -> bool:
        if self.tracking is None:
            return super().photo_tracking_enabled(platform, workspace)
        return self.tracking

    def record_avatar_sightings(
        self, platform: str, workspace: str, sightings: Sequence[AvatarSighting]
    ) -> None:
        self.sightings.append((platform, workspace, list(sightings)))
        if self.tracking is None:
            super().record_avatar_sightings(platform, workspace, sightings)
