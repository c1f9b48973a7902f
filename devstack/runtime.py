"""Lambda functions as warm local processes: a stand-in for SAM CLI's Docker `LambdaRuntime`.

`LocalLambdaRunner` calls `ProcessRuntime.invoke()` exactly as it calls the Docker runtime: with a
`FunctionConfig` (code path, handler, layers, timeout, resolved environment) and the event as JSON. Each
function gets a pool of worker processes (devstack/bootstrap.py on the function's interpreter) that, like
Lambda execution environments, import the handler once and then serve one invocation at a time; a burst of
concurrent requests grows the pool up to a cap.

A worker sees what Lambda would put there and nothing else: its environment is the function's resolved one
plus Lambda's runtime variables, and its path is the code directory, the template's layers and the layers'
third-party dependencies (built for this machine), on a bare interpreter: `-S -P`, so no site-packages at all
(Lambda's path holds none), and never a virtualenv's.
"""

import atexit
import json
import math
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from signal import SIGKILL
from typing import Any

from samcli.lib.utils.stream_writer import StreamWriter
from samcli.local.lambdafn.config import FunctionConfig

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
MAX_WORKERS_PER_FUNCTION = 16
# Lambda allows 10 s; more here because a burst of cold starts shares this machine's few cores.
INIT_TIMEOUT_SECONDS = 30
LAMBDA_PATH = "/usr/local/bin:/usr/bin:/bin"


class WorkerExited(Exception):
    """The worker process ended (crashed, exited, or was killed) before it answered."""


class Worker:
    """One execution environment: a bootstrap process, talked to over its own pair of pipes."""

    def __init__(self, argv: list[str], cwd: str, env: dict[str, str], log: Callable[[bytes], None]) -> None:
        request_read, request_write = os.pipe()
        response_read, response_write = os.pipe()
        try:
            self._process = subprocess.Popen(
                [*argv, str(request_read), str(response_write)],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(request_read, response_write),
                # Its own process group: Ctrl-C in a terminal reaches the server, which then kills the whole group.
                start_new_session=True,
            )
        except BaseException:
            os.close(request_write)
            os.close(response_read)
            raise
        finally:
            os.close(request_read)
            os.close(response_write)
        self._requests = os.fdopen(request_write, "wb")
        self._responses = response_read
        self._poller = select.poll()
        self._poller.register(response_read, select.POLLIN)
        self._pending = bytearray()
        self._initialised = False
        self._killed = False
        self._log = log
        threading.Thread(target=self._forward_logs, daemon=True).start()

    @property
    def alive(self) -> bool:
        # A killed worker may not have died yet, but it must not be handed out again.
        return not self._killed and self._process.poll() is None

    def invoke(self, event: str, timeout_seconds: int) -> str:
        """The function's response, or Lambda's error shape for an init failure, a timeout or a crash."""
        request_id = str(uuid.uuid4())
        time_limit = INIT_TIMEOUT_SECONDS
        try:
            if not self._initialised:
                init = self._read_message(time_limit)
                if "initError" in init:
                    self.kill()
                    return json.dumps(init["initError"])
                self._initialised = True
            time_limit = timeout_seconds
            deadline_ms = int((time.time() + timeout_seconds) * 1000)
            self._requests.write(self._encode({"requestId": request_id, "deadlineMs": deadline_ms, "event": event}))
            self._requests.flush()
            return json.dumps(self._read_message(timeout_seconds)["response"], ensure_ascii=False)
        except TimeoutError:
            self.kill()
            message = f"Task timed out after {time_limit:.2f} seconds"
            self._log(f"{request_id} {message}\n".encode())  # as Lambda reports it in the function's log
            return json.dumps({"errorMessage": message, "errorType": "Sandbox.Timedout"})
        except (WorkerExited, BrokenPipeError):
            self.kill()
            status = self._process.wait()
            reason = f"signal: {-status}" if status < 0 else f"exit status {status}"
            return json.dumps(
                {
                    "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {reason}",
                    "errorType": "Runtime.ExitError",
                }
            )

    def kill(self) -> None:
        """Kill the worker and anything it started; safe from any thread, even while it is invoked."""
        self._killed = True
        # Once reaped, its pid may belong to another process: never signal it then.
        if self._process.returncode is None:
            with suppress(ProcessLookupError):
                os.killpg(self._process.pid, SIGKILL)

    def close(self) -> None:
        """Kill and reap the worker and release its pipes; only for a worker no thread is invoking."""
        self.kill()
        self._process.wait()
        with suppress(BrokenPipeError):
            self._requests.close()
        os.close(self._responses)

    @staticmethod
    def _encode(message: dict[str, Any]) -> bytes:
        return json.dumps(message).encode() + b"\n"

    def _read_message(self, timeout_seconds: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_seconds
        while (end := self._pending.find(b"\n")) < 0:
            remaining_ms = math.ceil(max(deadline - time.monotonic(), 0) * 1000)
            if not self._poller.poll(remaining_ms):
                raise TimeoutError
            chunk = os.read(self._responses, 1 << 16)
            if not chunk:
                raise WorkerExited
            self._pending += chunk
        line = bytes(self._pending[:end])
        del self._pending[: end + 1]
        return json.loads(line)

    def _forward_logs(self) -> None:
        assert self._process.stdout is not None
        with self._process.stdout as output:
            for line in output:
                self._log(line)


class WorkerPool:
    """The warm workers of one function: an idle one is reused, a new one is started when all are busy."""

    def __init__(self, start_worker: Callable[[], Worker], capacity: int) -> None:
        self._start_worker = start_worker
        self._capacity = capacity
        self._changed = threading.Condition()
        self._idle: list[Worker] = []
        self._workers: set[Worker] = set()
        self._starting = 0
        self._closed = False

    @contextmanager
    def worker(self) -> Iterator[Worker]:
        worker = self._acquire()
        try:
            yield worker
        finally:
            self._release(worker)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            for worker in self._workers:
                worker.kill()
            self._workers.difference_update(idle)
            self._changed.notify_all()
        # Busy workers are killed now and closed by the thread that invokes them, when it releases them.
        for worker in idle:
            worker.close()

    def _acquire(self) -> Worker:
        with self._changed:
            while not self._closed and not self._idle and len(self._workers) + self._starting >= self._capacity:
                self._changed.wait()
            if self._closed:
                raise RuntimeError("the function runtime is shut down")
            if self._idle:
                # The most recently used worker: a burst's extra workers then sit idle and stay few.
                return self._idle.pop()
            self._starting += 1
        try:
            worker = self._start_worker()
        finally:
            with self._changed:
                self._starting -= 1
                self._changed.notify()
        with self._changed:
            if not self._closed:
                self._workers.add(worker)
                return worker
        worker.close()
        raise RuntimeError("the function runtime is shut down")

    def _release(self, worker: Worker) -> None:
        with self._changed:
            keep = worker.alive and not self._closed
            if keep:
                self._idle.append(worker)
            else:
                self._workers.discard(worker)
            self._changed.notify()
        if not keep:
            worker.close()


class ProcessRuntime:
    """SAM's LambdaRuntime interface, backed by pools of local worker processes instead of containers."""

    def __init__(
        self,
        function_python: str,
        layer_deps_dir: str,
        template_dir: str,
        max_workers_per_function: int = MAX_WORKERS_PER_FUNCTION,
    ) -> None:
        # A virtualenv's interpreter is a link to its base one: following it leaves the venv's packages behind.
        self._python = os.path.realpath(function_python)
        self._layer_deps_dir = os.path.abspath(layer_deps_dir)
        self._template_dir = template_dir
        self._max_workers = max_workers_per_function
        self._pools: dict[str, WorkerPool] = {}
        self._closed = False
        self._lock = threading.Lock()
        self._log_lock = threading.Lock()
        atexit.register(self.shutdown)

    def invoke(
        self,
        function_config: FunctionConfig,
        event: str,
        tenant_id: str | None = None,
        invocation_type: str = "RequestResponse",
        durable_execution_name: str | None = None,
        debug_context: object = None,
        stdout: StreamWriter | None = None,
        stderr: StreamWriter | None = None,
        container_host: str | None = None,
        container_host_interface: str | None = None,
        extra_hosts: dict[str, str] | None = None,
        container_dns: tuple[str, ...] | None = None,
    ) -> None:
        """Run the function on a warm worker and write its response to `stdout`, as the Docker runtime does."""
        log = stderr or StreamWriter(sys.stderr)
        with self._pool(function_config, log).worker() as worker:
            response = worker.invoke(event, function_config.timeout)
        if stdout is not None:
            stdout.write_str(response)
            stdout.flush()

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            pools = list(self._pools.values())
        for pool in pools:
            pool.close()

    def _pool(self, config: FunctionConfig, log: StreamWriter) -> WorkerPool:
        with self._lock:
            if self._closed:
                raise RuntimeError("the function runtime is shut down")
            pool = self._pools.get(config.full_path)
            if pool is None:
                pool = WorkerPool(lambda: self._start_worker(config, log), self._max_workers)
                self._pools[config.full_path] = pool
            return pool

    def _start_worker(self, config: FunctionConfig, log: StreamWriter) -> Worker:
        prefix = f"[{config.full_path}] ".encode()

        def write_log(line: bytes) -> None:
            with self._log_lock:
                log.write_str((prefix + line).decode(errors="replace"))
                log.flush()

        return Worker(
            [self._python, "-S", "-P", str(BOOTSTRAP)], config.code_abs_path, self._environment(config), write_log
        )

    def _environment(self, config: FunctionConfig) -> dict[str, str]:
        python_path = [config.code_abs_path, *self._layer_dirs(config), self._layer_deps_dir]
        return {
            **config.env_vars.resolve(),
            "PATH": f"{os.path.dirname(self._python)}:{LAMBDA_PATH}",
            "LAMBDA_TASK_ROOT": config.code_abs_path,
            "_HANDLER": config.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
            "TZ": ":UTC",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(python_path),
        }

    def _layer_dirs(self, config: FunctionConfig) -> list[str]:
        """The template's own layers; a layer given by ARN has no local code, its packages come from the deps dir."""
        directories = []
        for layer in config.layers:
            if layer.codeuri:
                directory = os.path.join(self._template_dir, layer.codeuri)
                # Lambda puts a Python layer's `python/` folder on the path (/opt/python), not the layer's root.
                python_dir = os.path.join(directory, "python")
                directories.append(python_dir if os.path.isdir(python_dir) else directory)
        return directories
