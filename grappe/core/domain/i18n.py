"""Marking translatable strings in pure code.

Domain packages may not import Django, yet their messages reach users. They wrap English
messages in `gettext_noop` (the name `makemessages` extracts); the interface layer translates
them with `gettext(message)` at display time.
"""


def gettext_noop(message: str) -> str:
    return message
