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
from queue import Empty
from typing import Any

SUPPORTED = ("0.2.",)
#: A kernel that answered one kernel_info request answers the others it
#: got back to back: this long without one means there are no more.
LEFTOVER_REPLY_QUIET = 0.5


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


def prepare_new_clients(stack_class: Any) -> None:
    """Make nbmodel's new kernel clients fit for an ``input()`` in their first run.

    nbmodel makes its client for a kernel on the kernel's first request and
    waits for it with jupyter_client's ``wait_for_ready``. Two things then
    break an ``input()`` in that first run (seen here in most runs on a
    freshly started kernel):

    - The stdin channel is created lazily, just before the first execute
      request is sent, so the prompt can reach the kernel's ROUTER socket
      before the new stdin socket is known to it: the prompt is dropped and
      the run waits forever. Creating the channel first starts its handshake
      before the shell's kernel_info round trip.
    - ``wait_for_ready`` asks for kernel_info once a second until one reply
      comes, and leaves the replies to the other requests in the shell
      channel. nbmodel's ``send_input`` takes any waiting shell message for
      the end of the run and drops the answer. So the leftover replies are
      read here, when there were extra requests.
    """
    original = stack_class._get_local_client
    if getattr(original, "_handoff_prepared", False):
        return

    def get_local_client(self: Any, kernel_id: str) -> Any:
        known = kernel_id in getattr(self, "_ExecutionStack__kernel_clients", {})
        client = original(self, kernel_id)
        if not known:
            _prepare(client)
        return client

    get_local_client._handoff_prepared = True  # type: ignore[attr-defined]
    stack_class._get_local_client = get_local_client


def _prepare(client: Any) -> None:
    if getattr(client, "allow_stdin", False):
        client.stdin_channel  # creating the channel connects it
    wait_for_ready = getattr(client, "wait_for_ready", None)
    ask = getattr(client, "kernel_info", None)
    if wait_for_ready is None or ask is None:
        return  # not a jupyter_client client: nothing to read after it

    async def wait_and_drain(*args: Any, **kwargs: Any) -> None:
        asked = 0

        def counted(*a: Any, **k: Any) -> Any:
            nonlocal asked
            asked += 1
            return ask(*a, **k)

        client.kernel_info = counted
        try:
            await wait_for_ready(*args, **kwargs)
        finally:
            client.kernel_info = ask
        if asked < 2:
            return
        # Nothing else can be in the shell channel yet: nbmodel sends its
        # first request after this returns. A kernel still starting may
        # have missed some requests, so read until it goes quiet.
        while True:
            try:
                await client.shell_channel.get_msg(timeout=LEFTOVER_REPLY_QUIET)
            except Empty:
                return

    client.wait_for_ready = wait_and_drain


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
    from jupyter_server_nbmodel.execution_stack import ExecutionStack

    prepare_new_clients(ExecutionStack)
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
