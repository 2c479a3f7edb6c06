"""Run by tests/infra/test_build.py as ``python3.13 -I -S clean_process_probe.py BUILD EVENTS OUT``.

No site-packages, no environment paths: only the standard library and the built package, as on
Lambda. Imports the handler from BUILD, answers each event in EVENTS, writes the answers to OUT.
"""

import json
import sys
import sysconfig
import time

build, events_path, out_path = sys.argv[1:4]
sys.path.insert(0, build)
started = time.perf_counter()
from handler.lambda_function import lambda_handler  # noqa: E402

import_s = time.perf_counter() - started


class Context:
    function_name = "clean-process-probe"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:clean-process-probe"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


with open(events_path) as events:
    responses = [lambda_handler(event, Context()) for event in json.load(events)]
stdlib = sysconfig.get_paths()["stdlib"]
files = [getattr(module, "__file__", None) or "" for name, module in list(sys.modules.items()) if name != "__main__"]
outside = sorted(f for f in files if f and not f.startswith((build, stdlib)))
with open(out_path, "w") as out:
    json.dump({"import_s": import_s, "responses": responses, "outside": outside}, out)
