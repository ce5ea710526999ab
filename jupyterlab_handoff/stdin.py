"""input() prompts of server-side runs, for every tab, first answer wins.

jupyter-server-nbmodel 0.2 keeps, per kernel, the prompt the running
request waits on. Any client can read it by polling the request
(``GET /api/kernels/{k}/requests/{r}`` answers 300) and answer it
(``POST /api/kernels/{k}/input``). Two things make that unfit for several
tabs at once:

- The request route hands a finished request's result to its first reader
  and forgets it. A tab polling for a prompt can take the result from the
  tab that submitted the run in the moment between the run's end and the
  document saying so.
- nbmodel accepts any number of answers. Two tabs answering the same prompt
  send two replies to the kernel: the second one can answer the kernel's
  *next* prompt (``a = input(); b = input()``), and checking that the prompt
  is still pending before sending leaves that window open.

A third problem loses the answer to an ``input()`` in the first cell run on
a fresh kernel (about one time in three; in a tab too, when a notebook's
first cell asks): nbmodel creates its kernel client on the kernel's first
request and waits for it with jupyter_client's ``wait_for_ready``, which
sends ``kernel_info`` again every second until the kernel answers. The
answers to the extra requests stay unread in the client's shell channel.
nbmodel's ``send_input`` sends nothing when a shell message is waiting (it
takes it for the end of the run) but still clears the prompt: the answer
is dropped, and the run waits forever. ``collect_kernel_info_replies``
reads those extra answers as soon as the client is ready, before the first
execute. In the same first request the prompt itself can be lost (about
one time in six here): jupyter_client connects the stdin socket only
inside ``execute_interactive``, right before it sends the code, and the
kernel drops a prompt sent before that socket has connected. The same
wrapper connects it when nbmodel creates the client.

So this server part adds two routes next to nbmodel's:

- ``GET /api/handoff/kernels/{k}/input``: the prompt the kernel waits on
  now (request id, prompt id, prompt, password), 204 when there is none. It
  reads nbmodel's pending input only, never a request's result.
- ``POST /api/handoff/kernels/{k}/input`` with ``{request_id, prompt_id,
  input}``: answers that very prompt if it is still the one pending, and
  otherwise 409, atomically per kernel. The first answer wins; a late one
  never reaches the kernel.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from http import HTTPStatus
from typing import Any

SUPPORTED = ("0.2.",)


class Prompts:
    """The prompt each kernel waits on, and the first answer to it."""

    def __init__(self, stack: Any) -> None:
        self._stack = stack
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        #: How many answers came too late (another tab's won).
        self.late_answers = 0

    def pending(self, kernel_id: str) -> dict | None:
        """What the kernel asks for now, or None."""
        pending_inputs = getattr(self._stack, "_ExecutionStack__pending_inputs", {})
        pending = pending_inputs.get(kernel_id)
        if pending is None or not pending.is_pending() or pending.content is None:
            return None
        content = pending.content
        return {
            "kernel_id": kernel_id,
            "request_id": pending.request_id,
            "prompt_id": (content.parent_header or {}).get("msg_id"),
            "prompt": content.input_request.prompt,
            "password": bool(content.input_request.password),
        }

    async def answer(self, kernel_id: str, request_id: str, prompt_id: str, value: str) -> bool:
        """Send ``value`` if that prompt is still pending; False if it is not."""
        async with self._locks[kernel_id]:
            now = self.pending(kernel_id)
            if now is None or now["request_id"] != request_id or now["prompt_id"] != prompt_id:
                self.late_answers += 1
                return False
            # nbmodel clears the pending input once sent: the next caller,
            # after this lock, sees it gone (or the kernel's next prompt).
            await self._stack.send_input(kernel_id, value)
            return True


#: How long to wait for the answer to a ``kernel_info`` sent again (s).
LEFTOVER_TIMEOUT = 10.0


def _read_leftover_replies(client: Any, log: Any) -> None:
    """Make ``client.wait_for_ready`` read every ``kernel_info`` reply it caused."""
    original_wait = client.wait_for_ready

    async def wait_for_ready(*args: Any, **kwargs: Any) -> None:
        from jupyter_core.utils import ensure_async

        sent: set[str] = set()
        seen: set[str] = set()
        kernel_info = client.kernel_info
        get_msg = client.shell_channel.get_msg

        def counted_kernel_info(*a: Any, **k: Any) -> str:
            msg_id = kernel_info(*a, **k)
            sent.add(msg_id)
            return msg_id

        async def counted_get_msg(*a: Any, **k: Any) -> dict:
            msg = await ensure_async(get_msg(*a, **k))
            seen.add((msg.get("parent_header") or {}).get("msg_id"))
            return msg

        client.kernel_info = counted_kernel_info
        client.shell_channel.get_msg = counted_get_msg
        try:
            await original_wait(*args, **kwargs)
        finally:
            del client.kernel_info
            del client.shell_channel.get_msg
        # No execute was sent yet: every shell message now answers one of
        # the kernel_info requests sent again while the kernel was starting.
        while sent - seen:
            try:
                msg = await ensure_async(get_msg(timeout=LEFTOVER_TIMEOUT))
            except Exception:
                log.warning(
                    "jupyterlab_handoff: %d kernel_info replies never came; an input() "
                    "in the kernel's first run may not get its answer",
                    len(sent - seen),
                )
                break
            seen.add((msg.get("parent_header") or {}).get("msg_id"))

    client.wait_for_ready = wait_for_ready


def collect_kernel_info_replies(log: Any) -> bool:
    """Wrap ``ExecutionStack._get_local_client`` so that a new client's
    ``wait_for_ready`` leaves no reply in the shell channel, and its stdin
    socket is connected before the first execute."""
    try:
        from jupyter_server_nbmodel.execution_stack import ExecutionStack
    except ImportError:
        return False
    original = getattr(ExecutionStack, "_get_local_client", None)
    if original is None:
        log.warning(
            "jupyterlab_handoff: nbmodel's client creation changed; the answer to an "
            "input() in the first cell run on a kernel may be lost"
        )
        return False
    if getattr(original, "__handoff_stdin__", False):
        return True  # Already installed (the extension loaded twice).

    def _get_local_client(self: Any, kernel_id: str) -> Any:
        client = original(self, kernel_id)
        if not getattr(client, "_handoff_replies_read", False):
            client._handoff_replies_read = True
            _read_leftover_replies(client, log)
            if getattr(client, "allow_stdin", False):
                # jupyter_client creates (and connects) the stdin channel on
                # first use: inside execute_interactive, right before the
                # code is sent. Connect it now, while the client waits for
                # the kernel.
                client.stdin_channel  # noqa: B018
        return client

    _get_local_client.__handoff_stdin__ = True  # type: ignore[attr-defined]
    _get_local_client.__wrapped__ = original  # type: ignore[attr-defined]
    ExecutionStack._get_local_client = _get_local_client
    return True


def _find_stack(serverapp: Any) -> Any:
    for extension in serverapp.extension_manager.extension_apps.get("jupyter_server_nbmodel", ()):
        stack = getattr(extension, "_Extension__execution_stack", None)
        if stack is not None:
            return stack
    return None


def install(serverapp: Any) -> None:
    """Add the routes, if jupyter-server-nbmodel is a version we know."""
    try:
        import jupyter_server_nbmodel
        import tornado.web
        from jupyter_server.auth.decorator import authorized
        from jupyter_server.base.handlers import APIHandler
        from jupyter_server.utils import url_path_join
    except ImportError:
        return
    version = getattr(jupyter_server_nbmodel, "__version__", "")
    if not version.startswith(SUPPORTED):
        serverapp.log.warning(
            "jupyterlab_handoff: jupyter-server-nbmodel %s is not one we know; "
            "input() prompts are left to it",
            version,
        )
        return
    collect_kernel_info_replies(serverapp.log)
    prompts: dict[str, Prompts] = {}

    def get_prompts() -> Prompts | None:
        if "p" not in prompts:
            stack = _find_stack(serverapp)
            if stack is None:
                return None
            prompts["p"] = Prompts(stack)
        return prompts["p"]

    class InputHandler(APIHandler):
        auth_resource = "kernels"

        def _prompts(self, kernel_id: str) -> Prompts:
            found = get_prompts()
            if found is None:
                raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE, "no execution stack")
            if kernel_id not in self.kernel_manager:
                raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND, f"no kernel {kernel_id}")
            return found

        @tornado.web.authenticated
        @authorized
        async def get(self, kernel_id: str) -> None:
            pending = self._prompts(kernel_id).pending(kernel_id)
            if pending is None:
                self.set_status(HTTPStatus.NO_CONTENT)
                self.finish()
                return
            self.finish(json.dumps(pending))

        @tornado.web.authenticated
        @authorized
        async def post(self, kernel_id: str) -> None:
            found = self._prompts(kernel_id)
            body = self.get_json_body() or {}
            fields = ("request_id", "prompt_id", "input")
            if not all(isinstance(body.get(f), str) for f in fields):
                raise tornado.web.HTTPError(
                    HTTPStatus.BAD_REQUEST, "request_id, prompt_id and input must be strings"
                )
            if await found.answer(kernel_id, body["request_id"], body["prompt_id"], body["input"]):
                self.set_status(HTTPStatus.CREATED)
                self.finish(json.dumps({"answered": True}))
            else:
                self.set_status(HTTPStatus.CONFLICT)
                self.finish(json.dumps({"answered": False, "reason": "not pending"}))

    pattern = url_path_join(
        serverapp.web_app.settings["base_url"], r"/api/handoff/kernels/(?P<kernel_id>[^/]+)/input"
    )
    serverapp.web_app.add_handlers(".*$", [(pattern, InputHandler)])
    serverapp.log.info("jupyterlab_handoff: input() prompts answerable from any tab")
