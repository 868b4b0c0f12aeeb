#!/usr/bin/env python3
"""Writes the committed seed corpus of fuzz_ingest (corpus/ingest/): valid frames in the
target's record format [selector][length, 2 bytes LE][payload]. Protobuf is encoded by
hand so that the script needs nothing but Python. Run it again after changing
proto/vitals.proto."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, data):
    if isinstance(data, str):
        data = data.encode()
    return varint((number << 3) | 2) + varint(len(data)) + data


def field_double(number, value):
    return varint((number << 3) | 1) + struct.pack("<d", value)


T0 = 1_790_000_000_000


def vitals(sequence, t_ms, spo2, hr=72.0, patient="bed-1"):
    spo2_m = field_varint(1, 150456) + field_double(2, spo2) + field_bytes(3, "%")
    hr_m = field_varint(1, 147842) + field_double(2, hr) + field_bytes(3, "/min")
    return (field_bytes(1, patient) + field_bytes(2, "pacu") + field_bytes(3, "monitor-1")
            + field_varint(4, sequence) + field_varint(5, t_ms)
            + field_bytes(6, spo2_m) + field_bytes(6, hr_m))


def pump(sequence, t_ms, rate):
    return (field_bytes(1, "bed-1") + field_bytes(2, "pacu") + field_bytes(3, "pump-1")
            + field_varint(4, sequence) + field_varint(5, t_ms) + field_bytes(6, "ketamine")
            + field_double(7, 1.0) + field_double(8, rate * 70) + field_double(9, rate)
            + field_double(10, 70.0) + field_varint(11, 1))


def event(sequence, t_ms):
    rass = (-2 << 1) ^ (-2 >> 31)  # sint32 zig-zag
    return (field_bytes(1, "bed-1") + field_bytes(2, "pacu") + field_bytes(3, "station-1")
            + field_varint(4, sequence) + field_varint(5, t_ms) + field_varint(6, 1)
            + field_varint(7, rass & 0xFFFFFFFF))


# Selector: topic index in the low 3 bits (0 vitals, 1 infusion, 2 event), 0x08: two parts.
VITALS, INFUSION, EVENT, WELL_FORMED = 0, 1, 2, 0x08


def record(selector, payload):
    return bytes([selector]) + struct.pack("<H", len(payload)) + payload


def write(name, data):
    with open(os.path.join(HERE, "corpus", "ingest", name), "wb") as f:
        f.write(data)


write("one-vitals-frame", record(VITALS | WELL_FORMED, vitals(1, T0, 97.0)))
write("pump-then-desaturation", record(INFUSION | WELL_FORMED, pump(1, T0, 0.2)) + b"".join(
    record(VITALS | WELL_FORMED, vitals(s + 1, T0 + 1000 * s, 86.0)) for s in range(20)))
write("duplicate-gap-restart", b"".join(record(VITALS | WELL_FORMED, vitals(s, T0 + 1000 * i, 97.0))
                                        for i, s in enumerate([1, 2, 2, 7, 1, 2])))
write("clinical-event", record(EVENT | WELL_FORMED, event(1, T0)))
write("live-mode-frame", record(0x80 | VITALS | WELL_FORMED, vitals(1, T0, 95.0)))
