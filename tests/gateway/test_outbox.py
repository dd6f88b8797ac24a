"""The agent's outbox: durable, ordered, seq kept across restarts, bounded."""

import datetime as dt

from gateway.outbox import Outbox

T0 = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)


def add(outbox, n, *, heartbeat=False, state="running"):
    return [outbox.add("inst-1", T0 + dt.timedelta(seconds=i), state, {"power_w": 1.0}, heartbeat=heartbeat)
            for i in range(n)]  # fmt: skip


def test_events_come_back_in_order_until_removed(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite3")
    seqs = add(outbox, 5)
    assert seqs == sorted(seqs) and seqs[0] >= 1
    first = outbox.take(after=0, limit=3)
    assert [e.seq for e in first] == seqs[:3]
    assert first[0].ts == T0 and first[0].readings == {"power_w": 1.0}
    assert [e.seq for e in outbox.take(after=seqs[2], limit=10)] == seqs[3:]
    outbox.remove(seqs[:3])
    assert [e.seq for e in outbox.take(after=0, limit=10)] == seqs[3:]


def test_seq_keeps_growing_across_restarts_even_when_emptied(tmp_path):
    path = tmp_path / "o.sqlite3"
    outbox = Outbox(path)
    seqs = add(outbox, 3)
    outbox.remove(seqs)
    outbox.close()
    again = Outbox(path)
    assert add(again, 1)[0] == seqs[-1] + 1  # never reused, so the server never mistakes it for a repeat
    assert again.stats()["pending"] == 1


def test_a_full_outbox_drops_heartbeats_before_changes_and_says_so(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite3", max_events=100)
    changes = add(outbox, 50, state="running")
    add(outbox, 50, heartbeat=True)
    add(outbox, 30, state="idle")
    left = {e.seq for e in outbox.take(after=0, limit=1000)}
    assert set(changes) <= left  # no state change was lost
    stats = outbox.stats()
    assert stats["pending"] <= 100 and stats["dropped"] == 30


def test_full_of_changes_drops_the_oldest(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite3", max_events=10)
    seqs = add(outbox, 12)
    kept = [e.seq for e in outbox.take(after=0, limit=100)]
    assert kept == seqs[2:] and outbox.stats()["dropped"] == 2


def test_the_servers_acknowledgement_removes_up_to_its_seq(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite3")
    seqs = add(outbox, 6)
    assert outbox.count_through(seqs[3]) == 4
    assert outbox.remove_through(seqs[3]) == 4
    assert [e.seq for e in outbox.take(after=0, limit=10)] == seqs[4:]
    assert outbox.stats()["pending"] == 2 and outbox.last_seq() == seqs[-1]


def test_renumbering_moves_every_event_above_the_servers_seq_in_order(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite3")  # a new outbox on a gateway the server knows up to seq 1000
    add(outbox, 3)
    outbox.renumber_after(1000)
    assert [e.seq for e in outbox.take(after=0, limit=10)] == [1001, 1002, 1003]
    assert add(outbox, 1) == [1004]
