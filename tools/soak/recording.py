#!/usr/bin/env python3
"""Reads and writes vigil recording files (proto/recording.proto) without protobuf:
a varint length before each RecordingEntry, the header first. The soak uses it to split a
recording into segments and to build a recording of garbage from a real one."""
import random
import sys


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def read_varint(data, pos):
    shift = value = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def fields(message):
    """(field number, wire type, value) of a protobuf message's top-level fields."""
    pos = 0
    while pos < len(message):
        key, pos = read_varint(message, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = read_varint(message, pos)
        elif wire == 2:
            length, pos = read_varint(message, pos)
            value, pos = message[pos:pos + length], pos + length
        elif wire == 1:
            value, pos = message[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = message[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield number, wire, value


def read_entries(path):
    data = open(path, "rb").read()
    pos, entries = 0, []
    while pos < len(data):
        length, pos = read_varint(data, pos)
        entries.append(data[pos:pos + length])
        pos += length
    return entries


def message_of(entry):
    """(receive_time_ms, topic, payload) of a message entry, None for the header."""
    for number, _, value in fields(entry):
        if number == 2:
            parts = {n: v for n, _, v in fields(value)}
            return parts.get(1, 0), parts.get(2, b"").decode(), parts.get(3, b"")
    return None


def message_entry(time_ms, topic, payload):
    body = b"\x08" + varint(time_ms) + b"\x12" + varint(len(topic)) + topic.encode() + \
        b"\x1a" + varint(len(payload)) + payload
    return b"\x12" + varint(len(body)) + body


def write(path, header, bodies):
    with open(path, "wb") as out:
        for entry in [header] + bodies:
            out.write(varint(len(entry)) + entry)


def split(source, count, prefix):
    entries = read_entries(source)
    header, messages = entries[0], entries[1:]
    size = (len(messages) + count - 1) // count
    for index in range(count):
        write(f"{prefix}{index}.vrec", header, messages[index * size:(index + 1) * size])
        print(len(messages[index * size:(index + 1) * size]))


def garbage(source, count, seed, out_path):
    """Random bytes on the ward's own topics, valid payloads sent to another patient's or a
    malformed topic, and bit-flipped copies addressed to patients that do not exist: each
    must be refused and counted, and none may change an alarm."""
    rng = random.Random(seed)
    entries = read_entries(source)
    header, messages = entries[0], [message_of(e) for e in entries[1:]]
    topics = sorted({topic for _, topic, _ in messages})
    bodies = []
    for _ in range(count):
        time_ms, topic, payload = rng.choice(messages)
        kind = rng.randrange(4)
        if kind == 0:
            payload = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        elif kind == 1:
            # Same kind, another patient: refused as mis-addressed before any state is touched.
            same_kind = [t for t in topics if t != topic and t.split("/")[0] == topic.split("/")[0]]
            topic = rng.choice(same_kind or topics)
        elif kind == 2:
            topic = rng.choice(["vitals", "vitals/pacu", "nonsense/x/y", "vitals//bed", "alert/pacu/bed-01"])
        else:
            flipped = bytearray(payload)
            for _ in range(rng.randrange(1, 4)):
                flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
            payload, topic = bytes(flipped), topic.rsplit("/", 1)[0] + "/ghost-" + str(rng.randrange(100))
        bodies.append(message_entry(time_ms, topic, payload))
    write(out_path, header, bodies)


if __name__ == "__main__":
    if sys.argv[1] == "split":
        split(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "garbage":
        garbage(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
