"""DynamoDB diary store: production storage on AWS Lambda.

Why boto3 directly and not the ASK SDK DynamoDB persistence adapter: the adapter keeps
one item per user and ``save_attributes`` overwrites that whole item. Two requests for
the same user (a check finishing while "log my walk" arrives on another device) would
each read the diary, append, and write it back, and the later write silently drops the
earlier entry. The item also grows without bound towards DynamoDB's 400 KB limit, and
TTL could only expire the whole diary at once, never single old entries. So the diary
uses one item per entry, written with a condition, and the adapter is not involved.

Table (declared in template.yaml; ``create_table`` builds the same for tests and local use):

- partition key ``user_id`` (S): the Alexa user id
- sort key ``sk`` (S): ``consent`` for the consent record, or
  ``entry#<YYYY-MM-DD>#<nanoseconds, 20 digits>#<8 hex>`` per entry, so a query in key
  order is a query in day order and two entries never share a key
- TTL attribute ``expires_at`` (N, seconds since the epoch) on every item
- on-demand billing, server-side encryption, point-in-time recovery

``add`` is one ``TransactWriteItems``: update the consent item on condition that consent
is true and unexpired (refreshing its expiry) and put the entry on condition its key is
new. Without consent nothing is written; a transaction conflict with a concurrent write
for the same user is retried briefly, so concurrent writers lose nothing.

A slow or unreachable DynamoDB must not cost the skill Alexa's 8-second budget: the client
has a 1 s connect timeout, a 1 s read timeout and at most 2 attempts; after a timeout the
store fails at once for a few seconds instead of waiting again; and every botocore error becomes a ``StorageError`` naming only the error class or code.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ReadTimeoutError,
)

from skill.persistence import (
    DEFAULT_TTL_DAYS,
    DiaryEntry,
    StorageError,
    _check_limit,
    _check_user,
)

PARTITION_KEY = "user_id"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"
CONSENT_KEY = "consent"
ENTRY_PREFIX = "entry#"

DEFAULT_CONNECT_TIMEOUT = 1.0
DEFAULT_READ_TIMEOUT = 1.0
DEFAULT_MAX_ATTEMPTS = 2
DEFAULT_COOLDOWN = 5.0
_CONFLICT_RETRIES = 4
_MAX_PAGES = 20

TABLE_DEFINITION: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
        {"AttributeName": SORT_KEY, "AttributeType": "S"},
    ],
    "KeySchema": [
        {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "SSESpecification": {"Enabled": True},
}

_REPLY_FIELDS = ("bend_relief", "stand_relief", "lean_easier", "urgency")


class _Cancelled(StorageError):
    """A cancelled transaction, with the per-item reason codes."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("the diary table cancelled the transaction", "failed")
        self.reasons = reasons


def _error(exc: Exception) -> StorageError:
    """A StorageError naming only the error's class or code: botocore messages may echo keys."""
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError):
        return StorageError("the diary table did not answer in time", "timeout")
    if isinstance(exc, EndpointConnectionError | ConnectionClosedError):
        return StorageError("the diary table cannot be reached", "unavailable")
    if isinstance(exc, NoCredentialsError | NoRegionError):
        return StorageError(f"the diary table is not configured ({type(exc).__name__})", "config")
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", "unknown"))
        if code == "TransactionCanceledException":
            return _Cancelled([str(r.get("Code")) for r in exc.response.get("CancellationReasons", [])])
        if code == "ResourceNotFoundException":
            return StorageError("the diary table does not exist", "missing")
        if "Throttl" in code or "Exceeded" in code:
            return StorageError(f"the diary table is busy ({code})", "unavailable")
        return StorageError(f"the diary table refused the request ({code})", "failed")
    return StorageError(f"the diary table failed ({type(exc).__name__})", "failed")


def _number(value: float) -> str:
    # DynamoDB numbers travel as decimal strings; repr() keeps a float's shortest exact form.
    return str(Decimal(repr(float(value))))


class DynamoDBDiaryStore:
    """Diary in one DynamoDB table. Thread-safe; the boto3 client is made on first use."""

    def __init__(
        self,
        table: str,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        ttl_days: int = DEFAULT_TTL_DAYS,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        cooldown: float = DEFAULT_COOLDOWN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table = table
        self._region = region
        self._endpoint_url = endpoint_url
        self._ttl = ttl_days * 86400
        self._config = Config(
            connect_timeout=connect_timeout or DEFAULT_CONNECT_TIMEOUT,
            read_timeout=read_timeout or DEFAULT_READ_TIMEOUT,
            retries={"max_attempts": max_attempts, "mode": "standard"},
        )
        self._clock = clock
        self._cooldown = cooldown
        self._down_until = 0.0
        self._client: Any = None
        self._client_lock = threading.Lock()

    # -- plumbing ----------------------------------------------------------------------

    def client(self) -> Any:
        """The low-level DynamoDB client (lighter to create than a resource)."""
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    try:
                        # A Session per store: boto3's default session is not thread-safe.
                        session = boto3.session.Session(region_name=self._region)
                        self._client = session.client(
                            "dynamodb", endpoint_url=self._endpoint_url, config=self._config
                        )
                    except (BotoCoreError, ValueError) as exc:
                        raise _error(exc) from None
        return self._client

    def _invoke(self, operation: str, **params: Any) -> Any:
        """One API call. After a timeout or an unreachable endpoint, calls fail at once for
        ``cooldown`` seconds, so a turn that needs several calls cannot wait on each of them."""
        if time.monotonic() < self._down_until:
            raise StorageError("the diary table was unreachable a moment ago", "unavailable")
        try:
            return getattr(self.client(), operation)(**params)
        except (BotoCoreError, ClientError) as exc:
            error = _error(exc)
            if error.kind in ("timeout", "unavailable") and not isinstance(exc, ClientError):
                self._down_until = time.monotonic() + self._cooldown
            raise error from None

    def _call(self, operation: str, **params: Any) -> Any:
        return self._invoke(operation, TableName=self.table, **params)

    def _keys(self, user_id: str) -> Iterator[dict[str, Any]]:
        """Every key stored for the user (entries and consent), page by page."""
        params: dict[str, Any] = {
            "KeyConditionExpression": "#pk = :u",
            "ExpressionAttributeNames": {"#pk": PARTITION_KEY, "#sk": SORT_KEY},
            "ExpressionAttributeValues": {":u": {"S": user_id}},
            "ProjectionExpression": "#pk, #sk",
            "ConsistentRead": True,
        }
        while True:
            page = self._call("query", **params)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _delete_keys(self, keys: list[dict[str, Any]]) -> None:
        for start in range(0, len(keys), 25):
            requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
            for attempt in range(4):
                result = self._invoke("batch_write_item", RequestItems={self.table: requests})
                requests = result.get("UnprocessedItems", {}).get(self.table, [])
                if not requests:
                    break
                time.sleep(0.05 * 2**attempt)
            if requests:
                raise StorageError("the diary table did not finish deleting", "unavailable")

    def _erase_entries(self, user_id: str) -> None:
        keys = [key for key in self._keys(user_id) if key[SORT_KEY]["S"] != CONSENT_KEY]
        self._delete_keys(keys)

    # -- the DiaryStore interface --------------------------------------------------------

    def add(self, user_id: str, entry: DiaryEntry) -> None:
        _check_user(user_id)
        now = self._clock()
        expires = math.ceil(now + self._ttl)
        sort_key = f"{ENTRY_PREFIX}{entry.day.isoformat()}#{time.time_ns():020d}#{secrets.token_hex(4)}"
        item: dict[str, Any] = {
            PARTITION_KEY: {"S": user_id},
            SORT_KEY: {"S": sort_key},
            "day": {"S": entry.day.isoformat()},
            "unlimited": {"BOOL": entry.unlimited},
            "source": {"S": entry.source},
            "created_at": {"N": _number(now)},
            TTL_ATTRIBUTE: {"N": str(expires)},
        }
        if entry.walk_minutes is not None:
            item["walk_minutes"] = {"N": _number(entry.walk_minutes)}
        for name in _REPLY_FIELDS:
            value = getattr(entry, name)
            if value is not None:
                item[name] = {"S": value}
        transaction = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": {PARTITION_KEY: {"S": user_id}, SORT_KEY: {"S": CONSENT_KEY}},
                    "UpdateExpression": "SET #exp = :exp",
                    "ConditionExpression": "consent = :yes AND #exp > :now",
                    "ExpressionAttributeNames": {"#exp": TTL_ATTRIBUTE},
                    "ExpressionAttributeValues": {
                        ":exp": {"N": str(expires)},
                        ":yes": {"BOOL": True},
                        ":now": {"N": _number(now)},
                    },
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(#sk)",
                    "ExpressionAttributeNames": {"#sk": SORT_KEY},
                }
            },
        ]
        for attempt in range(_CONFLICT_RETRIES):
            try:
                self._invoke("transact_write_items", TransactItems=transaction)
                return
            except _Cancelled as cancelled:
                reasons = cancelled.reasons
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return  # no consent (or it expired): store nothing, by design
            if reasons and "TransactionConflict" not in reasons:
                raise StorageError("the diary table cancelled the write", "failed")
            if attempt + 1 == _CONFLICT_RETRIES:
                raise StorageError("the diary table kept conflicting with another write", "locked")
            # Another write for the same user holds the consent item: back off briefly.
            time.sleep(random.uniform(0.02, 0.1) * 2**attempt)

    def entries(self, user_id: str, limit: int = 50) -> list[DiaryEntry]:
        _check_user(user_id)
        limit = _check_limit(limit)
        if limit == 0:
            return []
        now = self._clock()
        params: dict[str, Any] = {
            "KeyConditionExpression": "#pk = :u AND begins_with(#sk, :p)",
            "ExpressionAttributeNames": {"#pk": PARTITION_KEY, "#sk": SORT_KEY},
            "ExpressionAttributeValues": {":u": {"S": user_id}, ":p": {"S": ENTRY_PREFIX}},
            "ScanIndexForward": False,  # newest first, so Limit keeps the newest
            "ConsistentRead": True,
            "Limit": limit,
        }
        found: list[DiaryEntry] = []
        # DynamoDB's TTL deletes expired items within a day or two; until then skip them here.
        for _ in range(_MAX_PAGES):
            page = self._call("query", **params)
            for item in page.get("Items", []):
                if float(item.get(TTL_ATTRIBUTE, {}).get("N", "0")) > now:
                    found.append(_entry(item))
            if len(found) >= limit or "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        found = found[:limit]
        found.reverse()
        return found

    def delete_user(self, user_id: str) -> None:
        _check_user(user_id)
        # Consent first: from here on, a concurrent add fails its condition and writes nothing.
        self._call("delete_item", Key={PARTITION_KEY: {"S": user_id}, SORT_KEY: {"S": CONSENT_KEY}})
        self._delete_keys(list(self._keys(user_id)))

    def consent(self, user_id: str) -> bool | None:
        _check_user(user_id)
        item = self._call(
            "get_item",
            Key={PARTITION_KEY: {"S": user_id}, SORT_KEY: {"S": CONSENT_KEY}},
            ConsistentRead=True,
        ).get("Item")
        if not item or float(item.get(TTL_ATTRIBUTE, {}).get("N", "0")) <= self._clock():
            return None
        return bool(item.get("consent", {}).get("BOOL", False))

    def set_consent(self, user_id: str, value: bool) -> None:
        _check_user(user_id)
        expires = math.ceil(self._clock() + self._ttl)
        self._call(
            "put_item",
            Item={
                PARTITION_KEY: {"S": user_id},
                SORT_KEY: {"S": CONSENT_KEY},
                "consent": {"BOOL": bool(value)},
                TTL_ATTRIBUTE: {"N": str(expires)},
            },
        )
        if not value:
            self._erase_entries(user_id)

    # -- table set-up (tests, local development) ----------------------------------------

    def create_table(self) -> None:
        """Create the table as template.yaml declares it, wait for it, enable TTL and PITR."""
        client = self.client()
        try:
            client.create_table(TableName=self.table, **TABLE_DEFINITION)
            client.get_waiter("table_exists").wait(
                TableName=self.table, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
            )
            client.update_time_to_live(
                TableName=self.table,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
            )
            client.update_continuous_backups(
                TableName=self.table,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        except (BotoCoreError, ClientError) as exc:
            raise _error(exc) from None


def _entry(item: dict[str, Any]) -> DiaryEntry:
    try:
        minutes = item.get("walk_minutes", {}).get("N")
        return DiaryEntry(
            day=dt.date.fromisoformat(item["day"]["S"]),
            walk_minutes=None if minutes is None else float(minutes),
            unlimited=bool(item.get("unlimited", {}).get("BOOL", False)),
            bend_relief=item.get("bend_relief", {}).get("S"),
            stand_relief=item.get("stand_relief", {}).get("S"),
            lean_easier=item.get("lean_easier", {}).get("S"),
            urgency=item.get("urgency", {}).get("S"),
            source=item.get("source", {}).get("S", "check"),
        )
    except (KeyError, ValueError, TypeError, AttributeError):
        raise StorageError("the diary table holds an unreadable entry", "corrupt") from None
