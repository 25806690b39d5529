"""Runs moto_server with one request at a time.

moto's threaded server checks a DynamoDB ConditionExpression and writes the
item without a lock, so two concurrent conditional writes can both succeed
(real DynamoDB makes each one atomic). Serving requests one at a time
restores that guarantee. Same arguments as moto_server, e.g.:

    python moto_serial.py -H 127.0.0.1 -p 5000
"""

import sys

import moto.server

_run_simple = moto.server.run_simple


def _serial_run_simple(*args, **kwargs):
    kwargs["threaded"] = False
    return _run_simple(*args, **kwargs)


moto.server.run_simple = _serial_run_simple

if __name__ == "__main__":
    moto.server.main(sys.argv[1:])
