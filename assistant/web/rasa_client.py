"""The web server's two calls to Rasa (the REST channel webhook, a tracker's slots) and what of a reply the widget keeps."""
import asyncio
from typing import List
from urllib.parse import quote

import aiohttp


class RasaUnavailable(RuntimeError):
    """Rasa did not answer, or answered with an error."""


class RasaClient:
    """The two calls the web server makes: the REST channel webhook, and a tracker's slots."""

    def __init__(self, base_url: str, token: str, session: aiohttp.ClientSession):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.session = session

    async def say(self, sender: str, message: str, metadata: dict) -> List[dict]:
        body = {"sender": sender, "message": message, "metadata": metadata}
        try:
            async with self.session.post(f"{self.base_url}/webhooks/rest/webhook", json=body) as reply:
                if reply.status != 200:
                    raise RasaUnavailable(f"Rasa answered {reply.status}")
                messages = await reply.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(str(error) or type(error).__name__) from error
        return messages if isinstance(messages, list) else []

    async def slots(self, sender: str) -> dict:
        """The conversation's slots, or {} when Rasa does not know the conversation or fails."""
        url = f"{self.base_url}/conversations/{quote(sender, safe='')}/tracker"
        try:
            async with self.session.get(url, params={"include_events": "NONE", "token": self.token}) as reply:
                if reply.status != 200:
                    return {}
                tracker = await reply.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return {}
        slots = tracker.get("slots") if isinstance(tracker, dict) else None
        return slots if isinstance(slots, dict) else {}


def chat_messages(messages: List[dict]) -> List[dict]:
    """Only what the widget acts on: text, quick-reply buttons, the urgency flag (as strings) and whether
    to forget the conversation (the patient's confirmed deletion, actions/privacy.py)."""
    kept = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        item = {}
        if isinstance(message.get("text"), str):
            item["text"] = message["text"]
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in message.get("buttons") or [] if isinstance(b, dict)
        ]
        if buttons:
            item["buttons"] = buttons
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get("urgency"):
            item["urgency"] = str(custom["urgency"])
        if isinstance(custom, dict) and custom.get("forget_conversation") is True:
            item["forget"] = True
        if item:
            kept.append(item)
    return kept
