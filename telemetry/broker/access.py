"""Who may connect, publish and subscribe: the Mosquitto password and ACL files read
the way Mosquitto reads them, so the embedded broker admits exactly whom Mosquitto
would."""

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from pathlib import Path


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT wildcard matching: + one level, # the rest; $-topics only by explicit filters."""
    if topic.startswith("$") and not topic_filter.startswith("$"):
        return False
    f_parts, t_parts = topic_filter.split("/"), topic.split("/")
    for i, part in enumerate(f_parts):
        if part == "#":
            return True
        if i >= len(t_parts) or (part != "+" and part != t_parts[i]):
            return False
    return len(f_parts) == len(t_parts)


def filter_within(inner: str, outer: str) -> bool:
    """Whether every topic `inner` matches is also matched by `outer`."""
    i_parts, o_parts = inner.split("/"), outer.split("/")
    for i, part in enumerate(o_parts):
        if part == "#":
            return True
        if i >= len(i_parts):
            return False
        if part == "+":
            if i_parts[i] == "#":
                return False
            continue
        if i_parts[i] != part:
            return False
    return len(i_parts) == len(o_parts)


def valid_filter(topic_filter: str) -> bool:
    if not topic_filter or len(topic_filter.encode()) > 65535:
        return False
    parts = topic_filter.split("/")
    for i, part in enumerate(parts):
        if ("#" in part and (part != "#" or i != len(parts) - 1)) or ("+" in part and part != "+"):
            return False
    return True


def valid_topic(topic: str) -> bool:
    return bool(topic) and "+" not in topic and "#" not in topic and len(topic.encode()) <= 65535


@dataclass
class Rule:
    access: str  # read, write, readwrite
    topic: str
    pattern: bool  # %u and %c are replaced by the client's user name and id


@dataclass
class Access:
    passwords: dict[str, str] = field(default_factory=dict)
    user_rules: dict[str, list[Rule]] = field(default_factory=dict)
    pattern_rules: list[Rule] = field(default_factory=list)

    @classmethod
    def load(cls, password_file: Path, acl_file: Path | None) -> "Access":
        access = cls()
        for line in _lines(password_file):
            user, _, hashed = line.partition(":")
            access.passwords[user] = hashed
        user = None
        for line in _lines(acl_file):
            words = line.split()
            if words[0] == "user" and len(words) == 2:
                user = words[1]
            elif words[0] in ("topic", "pattern") and len(words) >= 2:
                if len(words) >= 3 and words[1] in ("read", "write", "readwrite", "deny"):
                    kind, topic = words[1], " ".join(words[2:])
                else:
                    kind, topic = "readwrite", " ".join(words[1:])
                rule = Rule(kind, topic, words[0] == "pattern")
                if rule.pattern:
                    access.pattern_rules.append(rule)
                else:
                    access.user_rules.setdefault(user or "", []).append(rule)
        return access

    def authenticate(self, username: str | None, password: bytes | None) -> bool:
        if not username or password is None or username not in self.passwords:
            return False
        try:
            _, kind, iterations, salt, digest = self.passwords[username].split("$")
            if kind != "7":
                return False
            expected = hashlib.pbkdf2_hmac("sha512", password, base64.b64decode(salt), int(iterations))
            return hmac.compare_digest(expected, base64.b64decode(digest))
        except (ValueError, TypeError):
            return False

    def _rules(self, username: str, client_id: str):
        yield from self.user_rules.get(username, [])
        for rule in self.pattern_rules:
            yield Rule(rule.access, rule.topic.replace("%u", username).replace("%c", client_id), True)

    def may_publish(self, username: str, client_id: str, topic: str) -> bool:
        return any(
            r.access in ("write", "readwrite") and topic_matches(r.topic, topic)
            for r in self._rules(username, client_id)
        )

    def may_read(self, username: str, client_id: str, topic: str) -> bool:
        return any(
            r.access in ("read", "readwrite") and topic_matches(r.topic, topic)
            for r in self._rules(username, client_id)
        )

    def may_subscribe(self, username: str, client_id: str, topic_filter: str) -> bool:
        return any(
            r.access in ("read", "readwrite") and filter_within(topic_filter, r.topic)
            for r in self._rules(username, client_id)
        )


def _lines(path: Path | None) -> list[str]:
    if path is None or not path.exists():
        return []
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
