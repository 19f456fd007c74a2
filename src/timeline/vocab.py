"""The closed vocabularies of an event, kept free of pydantic so the CLI can offer them cheaply."""

from __future__ import annotations

import enum


class EventType(str, enum.Enum):
    """The 16 PLOVER event categories (Halterman et al.), lowercase."""

    AGREE = "agree"
    CONSULT = "consult"
    SUPPORT = "support"
    CONCEDE = "concede"
    COOPERATE = "cooperate"
    AID = "aid"
    RETREAT = "retreat"
    REQUEST = "request"
    ACCUSE = "accuse"
    REJECT = "reject"
    THREATEN = "threaten"
    PROTEST = "protest"
    SANCTION = "sanction"
    MOBILIZE = "mobilize"
    COERCE = "coerce"
    ASSAULT = "assault"


class Status(str, enum.Enum):
    """How far an event is established; an unverified assertion by an actor is ``claimed``."""

    REPORTED = "reported"
    CLAIMED = "claimed"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
