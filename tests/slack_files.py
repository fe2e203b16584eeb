"""File uploads for the Slack stand-in (``tests.slack_server.SlackServer``), as slack-sdk's
``files_upload_v2`` makes them: ``files.getUploadURLExternal`` hands out an upload URL on the
stand-in itself, the bytes are POSTed there, and ``files.completeUploadExternal`` shares the
file in a channel (an ID, as Slack wants) with its comment.

Completed shares are recorded in ``uploads`` for assertions. The upload URL's requests are
logged and scripted under the method name ``files.upload``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

UPLOAD_PATH = "/upload/v1/"
UPLOAD_METHOD = "files.upload"


@dataclass
class Upload:
    """A file announced by ``files.getUploadURLExternal``; ``data`` once its bytes arrived,
    ``channel`` once ``files.completeUploadExternal`` shared it."""

    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    data: bytes | None = None
    title: str | None = None
    channel: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None


class FileUploads:
    """The ``files.*`` methods; mixed into the stand-in, which provides ``url``, ``channels``
    and ``_lock``."""

    url: str
    channels: dict[str, str]
    _lock: threading.Lock

    def _init_files(self) -> None:
        self._files: dict[str, Upload] = {}

    @property
    def uploads(self) -> list[Upload]:
        """Files shared in a channel, in the order they were shared."""
        with self._lock:
            return [f for f in self._files.values() if f.channel is not None]

    def handle_files(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "files.getUploadURLExternal":
            return self._upload_url(params)
        if method == "files.completeUploadExternal":
            return self._complete(params)
        return {"ok": False, "error": "unknown_method"}

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = str(params.get("filename") or "")
        try:
            length = int(params.get("length") or 0)
        except ValueError:
            length = 0
        if not filename or length <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            file_id = f"F{len(self._files) + 1:08d}"
            self._files[file_id] = Upload(file_id, filename, length, params.get("alt_txt"))
        base = self.url[: -len("api/")].rstrip("/")
        return {"ok": True, "upload_url": f"{base}{UPLOAD_PATH}{file_id}", "file_id": file_id}

    def receive_upload(self, file_id: str, data: bytes) -> tuple[int, bytes]:
        """The upload URL: the bytes must be as long as announced."""
        with self._lock:
            upload = self._files.get(file_id)
            if upload is None:
                return 404, b"no such upload"
            if len(data) != upload.length:
                return 400, f"expected {upload.length} bytes, got {len(data)}".encode()
            upload.data = data
        return 200, f"OK - {len(data)}".encode()

    def _complete(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            files = json.loads(str(params.get("files") or "[]"))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        channel = str(params.get("channel_id") or "")
        if channel and channel not in self.channels:
            # Like Slack: a file is shared by channel ID, never by '#name'.
            return {"ok": False, "error": "channel_not_found"}
        shared = []
        with self._lock:
            for entry in files if isinstance(files, list) else []:
                upload = self._files.get(str(entry.get("id")))
                if upload is None or upload.data is None:
                    return {"ok": False, "error": "file_not_found"}
                upload.title = entry.get("title") or upload.filename
                upload.channel = channel or None
                upload.initial_comment = params.get("initial_comment")
                upload.thread_ts = params.get("thread_ts")
                shared.append(
                    {"id": upload.file_id, "name": upload.filename, "title": upload.title}
                )
        if not shared:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "files": shared}
