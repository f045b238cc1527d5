# Copyright (c) 2026 the lambda-code developers. Licensed under the MIT License.
"""Test support: a simulated Lambda control plane on a real botocore client, and clocks."""

from lambda_code.testing._clock import Clock, SystemClock, VirtualClock
from lambda_code.testing._simulator import CallRecord, Fault, FaultKind, SimulatedLambda, make_zip

__all__ = [
    "CallRecord",
    "Clock",
    "Fault",
    "FaultKind",
    "SimulatedLambda",
    "SystemClock",
    "VirtualClock",
    "make_zip",
]
