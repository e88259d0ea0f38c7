"""The store-and-forward buffer on a real disk: values durable before they are acknowledged,
batches re-sent after a crash with the same values and key, a torn last line cut, corruption
refused, the size limit refusing new values and dropping none, done segments deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.buffer import Buffer, BufferCorrupt, BufferFull, Value


def values(start: int, count: int, tag: str = "L1.FEEDER1.MASSFLOW") -> list[Value]:
    return [Value(tag, f"2026-03-01T08:{k // 60:02d}:{k % 60:02d}Z", float(k))
            for k in range(start, start + count)]  # fmt: skip


def reopen(buffer: Buffer, **options: int) -> Buffer:
    """The collector restarted (its process gone: the lock released)."""
    buffer.close()
    return Buffer(buffer.directory, collector=buffer.collector, **options)


def test_batches_hold_the_values_in_order_and_are_done_once_sent(tmp_path: Path) -> None:
    buffer = Buffer(tmp_path, collector="c1")
    assert buffer.append(values(0, 25)) == 25
    first = buffer.next_batch(10)
    assert first is not None
    assert [v.value for v in first.values] == [float(k) for k in range(10)]
    assert first.key == f"c1/{buffer.buffer_id}/000000000001"
    assert buffer.next_batch(10) == first  # not done yet: the same batch again
    buffer.sent(first)
    second = buffer.next_batch(10)
    assert second is not None
    assert second.number == 2
    assert next(v.value for v in second.values) == 10.0
    buffer.sent(second)
    third = buffer.next_batch(10)
    assert third is not None
    assert len(third.values) == 5
    buffer.sent(third)
    assert buffer.next_batch(10) is None
    assert buffer.stats().buffered == 0


def test_a_restart_resends_the_open_batch_unchanged_and_keeps_the_rest(tmp_path: Path) -> None:
    buffer = Buffer(tmp_path, collector="c1")
    buffer.append(values(0, 30), received=1000.0)
    sent = buffer.next_batch(10)
    assert sent is not None
    buffer.sent(sent)
    open_batch = buffer.next_batch(10)
    assert open_batch is not None
    buffer = reopen(buffer)  # crashed after sending it, before the historian answered
    again = buffer.next_batch(10)
    assert again == open_batch  # same number, key and values: the historian sees a replay
    stats = buffer.stats()
    assert (stats.buffered, stats.oldest_received) == (20, 1000.0)
    buffer.sent(again)
    rest = buffer.next_batch(100)
    assert rest is not None
    assert [v.value for v in rest.values] == [float(k) for k in range(20, 30)]
    assert rest.number == 3


def test_a_torn_last_line_is_cut_and_only_it(tmp_path: Path) -> None:
    buffer = Buffer(tmp_path, collector="c1")
    buffer.append(values(0, 5))
    segment = sorted(tmp_path.glob("seg-*.log"))[-1]
    buffer.close()
    with open(segment, "ab") as handle:  # a write the crash interrupted (never acknowledged)
        handle.write(b'0badc0de {"v":[6,"L1.FEEDER1.MASSFLOW","2026-03-01T')
    buffer = Buffer(tmp_path, collector="c1")
    assert buffer.stats().buffered == 5
    buffer.append(values(5, 1))
    batch = buffer.next_batch(100)
    assert batch is not None
    assert [v.value for v in batch.values] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_a_damaged_line_before_the_last_is_refused(tmp_path: Path) -> None:
    buffer = Buffer(tmp_path, collector="c1")
    buffer.append(values(0, 5))
    buffer.close()
    segment = sorted(tmp_path.glob("seg-*.log"))[-1]
    data = bytearray(segment.read_bytes())
    data[120] ^= 0x01
    segment.write_bytes(bytes(data))
    with pytest.raises(BufferCorrupt):
        Buffer(tmp_path, collector="c1")


def test_a_full_buffer_refuses_new_values_and_drops_none(tmp_path: Path) -> None:
    buffer = Buffer(tmp_path, collector="c1", max_bytes=4000, segment_bytes=1000)
    stored = 0
    with pytest.raises(BufferFull):
        for k in range(1000):
            stored += buffer.append(values(k, 1))
    assert 20 < stored < 1000
    assert buffer.stats().buffered == stored
    assert buffer.bytes_on_disk() <= 4000  # its own records included
    with pytest.raises(BufferFull):  # a group of values: none of them stored
        buffer.append(values(0, 3))
    assert buffer.stats().buffered == stored
    got = []
    while (batch := buffer.next_batch(7)) is not None:
        got += [v.value for v in batch.values]
        buffer.sent(batch)
    assert got == [float(k) for k in range(stored)]
    assert buffer.append(values(0, 3)) == 3  # room again once sent


def test_a_group_larger_than_the_buffer_goes_in_as_room_is_made(tmp_path: Path) -> None:
    buffer = Buffer(tmp_path, collector="c1", max_bytes=4000, segment_bytes=1000)
    group, stored, got = values(0, 200), 0, []
    with pytest.raises(BufferFull):
        buffer.append(group)
    assert buffer.stats().buffered == 0
    while stored < len(group):
        taken = buffer.append(group[stored:], partial=True)
        assert 0 < taken < len(group)  # some each time, never all at once
        stored += taken
        assert buffer.bytes_on_disk() <= 4000
        while (batch := buffer.next_batch(50)) is not None:
            got += [v.value for v in batch.values]
            buffer.sent(batch)
    assert got == [float(k) for k in range(200)]


def test_segments_are_deleted_once_everything_in_them_is_done(tmp_path: Path) -> None:
    buffer = Buffer(tmp_path, collector="c1", segment_bytes=2000)
    for k in range(0, 200, 10):
        buffer.append(values(k, 10))
    assert len(list(tmp_path.glob("seg-*.log"))) > 5
    batch = buffer.next_batch(50)
    assert batch is not None
    buffer.sent(batch)
    middle = len(list(tmp_path.glob("seg-*.log")))
    while (batch := buffer.next_batch(50)) is not None:
        buffer.sent(batch)
    assert len(list(tmp_path.glob("seg-*.log"))) == 1 < middle
    buffer = reopen(buffer)  # the counters survive in the remaining segment's header
    assert buffer.next_batch(50) is None
    buffer.append(values(0, 1))
    batch = buffer.next_batch(50)
    assert batch is not None
    assert batch.number == 5


def test_quarantine_keeps_a_refused_batch_and_moves_on(tmp_path: Path) -> None:
    buffer = Buffer(tmp_path, collector="c1")
    buffer.append(values(0, 4))
    batch = buffer.next_batch(2)
    assert batch is not None
    buffer.quarantine(batch, 422, {"code": "validation", "items": []})
    assert (tmp_path / "quarantine.jsonl").read_text().count('"status": 422') == 1
    batch = reopen(buffer).next_batch(2)
    assert batch is not None
    assert batch.number == 2


def test_a_second_process_cannot_open_the_same_buffer(tmp_path: Path) -> None:
    Buffer(tmp_path, collector="c1")
    with pytest.raises(RuntimeError, match="another collector holds the buffer"):
        Buffer(tmp_path, collector="c1")


def test_a_wiped_buffer_never_reuses_keys(tmp_path: Path) -> None:
    one = Buffer(tmp_path / "a", collector="c1")
    one.append(values(0, 1))
    two = Buffer(tmp_path / "b", collector="c1")
    two.append(values(0, 1))
    a, b = one.next_batch(1), two.next_batch(1)
    assert a is not None
    assert b is not None
    assert a.key != b.key


def test_a_restart_after_the_segment_with_a_sent_boundary_was_deleted(tmp_path: Path) -> None:
    """The batch's boundary lay in a segment deleted once it was done; the record that it was
    sent lies in the next: a restart still knows where the values not yet sent begin."""
    buffer = Buffer(tmp_path, collector="c1", segment_bytes=1500)
    buffer.append(values(0, 10))
    batch = buffer.next_batch(10)  # its boundary in the first segment
    assert batch is not None
    buffer.append(values(10, 10))  # into a second segment
    assert len(list(tmp_path.glob("seg-*.log"))) == 2
    buffer.sent(batch)  # recorded in the second; the first is deleted
    assert len(list(tmp_path.glob("seg-*.log"))) == 1
    buffer = reopen(buffer, segment_bytes=1500)
    rest = buffer.next_batch(100)
    assert rest is not None
    assert rest.number == 2
    assert [v.value for v in rest.values] == [float(k) for k in range(10, 20)]
