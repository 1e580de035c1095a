#!/usr/bin/env python3
"""A local test double of an ATOL Online v5 compatible cash-register API.

It stands in for the real service (which this machine cannot reach) in kassa's integration tests and the
demo. It is written from the fiscal brief (fiscal-54fz.md) §9 (shapes, error codes), §1 (tag values),
§4 (limits) and §7 (corrections); it registers nothing anywhere and keeps everything in memory.

    python3 scripts/atol_server.py --listen 127.0.0.1:0 [--login kassa] [--password secret]
        [--group kassa-group] [--seed 1] [--faults SPEC] [--report-delay-ms 0] [--report-rate 0]
        [--token-ttl-s 86400] [--timeout-hold-ms 15000] [--journal FILE]

Base URL http://HOST:PORT/possystem/v5: POST getToken, POST {group}/{sell|sell_refund|sell_correction|
sell_refund_correction}, GET {group}/report/{uuid}. Control API for tests: GET /_double/health,
GET /_double/journal, POST /_double/faults (replaces the fault set).

Faults (--faults "name=value,..." or POST /_double/faults {"name": value}). A rate R is decided per
request by hit(name, key) = first 8 bytes of sha256(f"{seed}:{name}:{key}") / 2**64 < R, so a test can
predict it; key is the external_id, or "external_id:attempt" where the n-th request carrying that
external_id is attempt n (for reports "uuid:n", for getToken "getToken:n").
    fail=R          key external_id; sell/sell_refund end `fail` (code 32, type agent), on every resend too.
                    Corrections are never failed.
    timeout=R       key external_id:attempt; only for the request that creates the external_id's first
                    registration: registered normally, but no answer; the connection is closed after
                    --timeout-hold-ms (the resend then gets code 33).
    error5xx=R      key external_id:attempt (any endpoint): HTTP 500 (odd attempt) or 503 (even) with an
                    HTML body; nothing done.
    rate_limit=R    key as error5xx: HTTP 429; nothing done.
    preexisting=R   key external_id: the first send finds it accepted earlier: 409 code 33, report done.
    slow_report=N   each registration answers `wait` to its first N report requests.
    lost_callback=R key uuid: that callback is never sent.
    expire_token=N  every N-th request with a valid token answers 401 code 11 and expires that token.

Too many report requests (--report-rate per second, all uuids together) and rate_limit answer HTTP 429
with {"error": {"code": 0, "text": "too many requests", ...}}.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

BASE = "/possystem/v5"
MOSCOW = timezone(timedelta(hours=3))
OPERATIONS = ("sell", "sell_refund", "sell_correction", "sell_refund_correction")
RECEIPT_OPERATIONS = ("sell", "sell_refund")
FAULT_RATES = ("fail", "timeout", "error5xx", "rate_limit", "preexisting", "lost_callback")
FAULT_COUNTS = ("slow_report", "expire_token")
COUNTS = ("getToken", *OPERATIONS, "report", "duplicate_33", "fail", "timeout", "error5xx", "rate_limited",
          "callbacks_sent", "callbacks_lost", "token_expired", "validation_32")
TOO_MANY_REQUESTS_CODE = 0  # the brief's choice for a 429 body; ATOL documents no code for it

# Field values from fiscal-54fz.md §1 (tags 1055, 1199, 1212, 1214, 2108) and §4 (limits).
SNO = {"osn", "usn_income", "usn_income_outcome", "esn", "patent"}
VAT_TYPES = {"none", "vat0", "vat5", "vat7", "vat10", "vat20", "vat22",
             "vat105", "vat107", "vat110", "vat120", "vat122"}
PAYMENT_METHODS = {"full_prepayment", "prepayment", "advance", "full_payment", "partial_payment",
                   "credit", "credit_payment"}
PAYMENT_OBJECT_CODES = set(range(1, 28)) | set(range(30, 34))
PAYMENT_OBJECT_NAMES = {"commodity", "excise", "job", "service", "gambling_bet", "gambling_prize", "lottery",
                        "lottery_prize", "intellectual_activity", "payment", "agent_commission", "award",
                        "another", "property_right", "non-operating_gain", "deposit"}
MEASURES = {0, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 70, 71, 72, 73, 80, 81, 82, 83, 255}
AGENT_TYPES = {"bank_paying_agent", "bank_paying_subagent", "paying_agent", "paying_subagent", "attorney",
               "commission_agent", "another"}
MAX_KOPECKS = 4_294_967_295  # 42 949 672.95 ₽
MAX_THOUSANDTHS = 99_999_999  # quantity 99 999.999
DATETIME_RE = re.compile(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}")
DATE_RE = re.compile(r"\d{2}\.\d{2}\.\d{4}")
INN_RE = re.compile(r"\d{10}|\d{12}")
PHONE_RE = re.compile(r"\+?\d{1,63}")


def now_text() -> str:
    return datetime.now(MOSCOW).strftime("%d.%m.%Y %H:%M:%S")


def utc_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error_obj(code: int, text: str, kind: str = "system") -> dict[str, Any]:
    return {"error_id": str(uuid.uuid4()), "code": code, "text": text, "type": kind}


def fraction(seed: int, name: str, key: str) -> float:
    digest = hashlib.sha256(f"{seed}:{name}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def document_attribute(registration_uuid: str) -> int:
    """ФПД: 10 digits derived from the uuid, so a test can recompute it."""
    return int(hashlib.sha256(registration_uuid.encode()).hexdigest(), 16) % 9_000_000_000 + 1_000_000_000


def normalize_faults(raw: dict[str, Any]) -> dict[str, float]:
    faults: dict[str, float] = dict.fromkeys(FAULT_RATES + FAULT_COUNTS, 0)
    for name, value in raw.items():
        if name not in faults:
            raise ValueError(f"unknown fault {name!r} (known: {', '.join(faults)})")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"fault {name}: a number, not {value!r}") from None
        if name in FAULT_RATES and not 0 <= number <= 1:
            raise ValueError(f"fault {name}: a rate in [0, 1], not {value!r}")
        if name in FAULT_COUNTS:
            if number < 0 or number != int(number):
                raise ValueError(f"fault {name}: a whole number >= 0, not {value!r}")
            number = int(number)
        faults[name] = number
    return faults


def parse_fault_spec(spec: str) -> dict[str, float]:
    pairs = [part.split("=", 1) for part in spec.split(",") if part.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"fault spec {spec!r}: expected name=value[,name=value...]")
    return normalize_faults({name.strip(): value.strip() for name, value in pairs})


# ---- validation (code 32): money as integer kopecks from Decimal, never floats ----

class Invalid(Exception):
    pass


def need(condition: bool, path: str, why: str) -> None:
    if not condition:
        raise Invalid(f"{path}: {why}")


def is_number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def scaled(value: Any, path: str, scale: int, limit: int) -> int:
    """A JSON number as an integer count of 1/scale units (kopecks, thousandths)."""
    need(is_number(value), path, "must be a number")
    units = Decimal(value) * scale
    need(units == units.to_integral_value(), path, f"at most {len(str(scale)) - 1} decimals")
    need(0 <= units <= limit, path, f"must be between 0 and {Decimal(limit) / scale}")
    return int(units)


def kopecks(value: Any, path: str) -> int:
    return scaled(value, path, 100, MAX_KOPECKS)


def text(value: Any, path: str, longest: int) -> str:
    need(isinstance(value, str) and value != "", path, "must be a non-empty string")
    need(len(value) <= longest, path, f"longer than {longest} characters")
    return value


def is_date(value: Any, pattern: re.Pattern[str], fmt: str) -> bool:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        return False
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def check_phones(phones: Any, path: str) -> None:
    need(isinstance(phones, list), path, "must be a list")
    for i, phone in enumerate(phones):
        need(isinstance(phone, str) and phone != "", f"{path}[{i}]", "must be a non-empty string")
        need(len(phone) <= (19 if phone.startswith("+") else 17), f"{path}[{i}]",
             "too long (19 characters with +, 17 without)")


def check_item(item: Any, path: str) -> int:
    need(isinstance(item, dict), path, "must be an object")
    text(item.get("name"), f"{path}.name", 128)
    price = kopecks(item.get("price"), f"{path}.price")
    quantity = scaled(item.get("quantity"), f"{path}.quantity", 1000, MAX_THOUSANDTHS)
    need(quantity > 0, f"{path}.quantity", "must be > 0")
    line_sum = kopecks(item.get("sum"), f"{path}.sum")
    # price × quantity is price·q/1000 kopecks exactly; the sum may differ by at most half a kopeck
    need(abs(line_sum * 1000 - price * quantity) <= 500, f"{path}.sum",
         f"{item['sum']} is not price × quantity = {Decimal(price * quantity) / 100_000} "
         "rounded to the kopeck")
    need(isinstance(item.get("measure"), int) and not isinstance(item.get("measure"), bool),
         f"{path}.measure", "must be an integer (tag 2108)")
    need(item["measure"] in MEASURES, f"{path}.measure", f"unknown unit {item['measure']}")
    need(item.get("payment_method") in PAYMENT_METHODS, f"{path}.payment_method",
         f"must be one of {sorted(PAYMENT_METHODS)}")
    payment_object = item.get("payment_object")
    need(payment_object in PAYMENT_OBJECT_NAMES if isinstance(payment_object, str)
         else isinstance(payment_object, int) and not isinstance(payment_object, bool)
         and payment_object in PAYMENT_OBJECT_CODES, f"{path}.payment_object", "unknown value (tag 1212)")
    vat = item.get("vat")
    need(isinstance(vat, dict), f"{path}.vat", "must be an object")
    need(vat.get("type") in VAT_TYPES, f"{path}.vat.type", f"must be one of {sorted(VAT_TYPES)}")
    if "sum" in vat:
        kopecks(vat["sum"], f"{path}.vat.sum")
    if "agent_info" in item:  # §5: supplier_info is mandatory with agent_info
        agent = item["agent_info"]
        need(isinstance(agent, dict), f"{path}.agent_info", "must be an object")
        if "type" in agent:
            need(agent["type"] in AGENT_TYPES, f"{path}.agent_info.type", "unknown agent type")
        paying = agent.get("paying_agent", {})
        need(isinstance(paying, dict), f"{path}.agent_info.paying_agent", "must be an object")
        if "operation" in paying:
            text(paying["operation"], f"{path}.agent_info.paying_agent.operation", 24)
        if "phones" in paying:
            check_phones(paying["phones"], f"{path}.agent_info.paying_agent.phones")
        supplier = item.get("supplier_info")
        need(isinstance(supplier, dict), f"{path}.supplier_info", "required with agent_info")
        need(isinstance(supplier.get("inn"), str) and bool(INN_RE.fullmatch(supplier["inn"])),
             f"{path}.supplier_info.inn", "must be 10 or 12 digits")
        if "phones" in supplier:
            check_phones(supplier["phones"], f"{path}.supplier_info.phones")
    return line_sum


def check_client(client: Any, path: str) -> None:
    need(isinstance(client, dict), path, "must be an object")
    need(bool(client.get("email")) or bool(client.get("phone")), path, "needs email or phone (tag 1008)")
    if client.get("email"):
        text(client["email"], f"{path}.email", 64)
    if client.get("phone"):
        need(isinstance(client["phone"], str) and bool(PHONE_RE.fullmatch(client["phone"])),
             f"{path}.phone", "digits with an optional leading +, at most 64")
    if "name" in client:
        text(client["name"], f"{path}.name", 256)
    if "inn" in client:
        need(isinstance(client["inn"], str) and bool(INN_RE.fullmatch(client["inn"])),
             f"{path}.inn", "must be 10 or 12 digits")


def validate(operation: str, body: Any) -> int:
    """Raise Invalid naming the first bad field; answer the total in kopecks."""
    need(isinstance(body, dict), "body", "must be a JSON object")
    text(body.get("external_id"), "external_id", 128)
    need(is_date(body.get("timestamp"), DATETIME_RE, "%d.%m.%Y %H:%M:%S"), "timestamp",
         "must be dd.mm.yyyy HH:MM:SS")
    service = body.get("service", {})
    need(isinstance(service, dict), "service", "must be an object")
    if "callback_url" in service:
        need(isinstance(service["callback_url"], str), "service.callback_url", "must be a string")
    correction = operation not in RECEIPT_OPERATIONS
    key = "correction" if correction else "receipt"
    doc = body.get(key)
    need(isinstance(doc, dict), key, f"an object is required for {operation}")
    if correction:
        info = doc.get("correction_info")
        need(isinstance(info, dict), f"{key}.correction_info", "an object is required")
        need(info.get("type") in ("self", "instruction"), f"{key}.correction_info.type",
             'must be "self" or "instruction"')
        need(is_date(info.get("base_date"), DATE_RE, "%d.%m.%Y"), f"{key}.correction_info.base_date",
             "must be dd.mm.yyyy")
        if info["type"] == "instruction":
            text(info.get("base_number"), f"{key}.correction_info.base_number", 32)
    if not correction or "client" in doc:
        check_client(doc.get("client"), f"{key}.client")
    company = doc.get("company")
    need(isinstance(company, dict), f"{key}.company", "must be an object")
    text(company.get("email"), f"{key}.company.email", 64)
    need(company.get("sno") in SNO, f"{key}.company.sno", f"must be one of {sorted(SNO)}")
    need(isinstance(company.get("inn"), str) and bool(INN_RE.fullmatch(company["inn"])),
         f"{key}.company.inn", "must be 10 or 12 digits")
    text(company.get("payment_address"), f"{key}.company.payment_address", 256)
    items = doc.get("items")
    need(isinstance(items, list) and 1 <= len(items) <= 100, f"{key}.items", "1 to 100 items")
    items_total = sum(check_item(item, f"{key}.items[{i}]") for i, item in enumerate(items))
    payments = doc.get("payments")
    need(isinstance(payments, list) and 1 <= len(payments) <= 10, f"{key}.payments", "1 to 10 payments")
    paid = 0
    for i, payment in enumerate(payments):
        path = f"{key}.payments[{i}]"
        need(isinstance(payment, dict), path, "must be an object")
        kind = payment.get("type")
        need(isinstance(kind, int) and not isinstance(kind, bool) and 0 <= kind <= 9, f"{path}.type",
             "must be an integer 0..9")
        amount = kopecks(payment.get("sum"), f"{path}.sum")
        need(amount > 0, f"{path}.sum", "must be > 0")
        paid += amount
    vats = doc.get("vats")
    need(isinstance(vats, list) and 1 <= len(vats) <= 6, f"{key}.vats", "1 to 6 entries")
    for i, vat in enumerate(vats):
        need(isinstance(vat, dict) and vat.get("type") in VAT_TYPES, f"{key}.vats[{i}].type",
             f"must be one of {sorted(VAT_TYPES)}")
        kopecks(vat.get("sum"), f"{key}.vats[{i}].sum")
    need(len({vat["type"] for vat in vats}) == len(vats), f"{key}.vats", "types must be distinct")
    total = kopecks(doc.get("total"), f"{key}.total")
    need(total == items_total, f"{key}.total",
         f"{doc['total']} is not the sum of the item sums {Decimal(items_total) / 100}")
    need(total == paid, f"{key}.total",
         f"{doc['total']} is not the sum of the payments {Decimal(paid) / 100}")
    return total


# ---- state ----

@dataclass
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    code: int | None = None  # the ATOL error code, for the log line
    hold: bool = False  # timeout fault: say nothing, then drop the connection


def json_answer(status: int, doc: dict[str, Any]) -> Answer:
    error = doc.get("error")
    return Answer(status, json.dumps(doc, ensure_ascii=False).encode(),
                  code=error.get("code") if isinstance(error, dict) else None)


def error_answer(status: int, code: int, why: str, **extra: Any) -> Answer:
    return json_answer(status, {**extra, "error": error_obj(code, why), "timestamp": now_text()})


@dataclass
class Registration:
    uuid: str
    external_id: str
    operation: str
    body: Any
    total: int  # kopecks
    callback_url: str
    will_fail: bool
    ready_at: float  # monotonic time after which it may leave wait
    slow_reports: int  # report requests it answers wait before it may leave wait
    created_at: str = field(default_factory=utc_iso)
    status: str = "wait"
    reports_answered: int = 0
    error: dict[str, Any] | None = None
    payload: dict[str, Any] | None = None
    done_at: str | None = None


@dataclass
class Entry:  # everything seen for one external_id
    attempts: int = 0
    uuids: list[str] = field(default_factory=list)


class Double:
    def __init__(self, args: argparse.Namespace) -> None:
        self.login, self.password, self.group, self.seed = args.login, args.password, args.group, args.seed
        self.faults = parse_fault_spec(args.faults)
        self.report_delay_s = args.report_delay_ms / 1000
        self.report_rate = args.report_rate
        self.token_ttl_s = args.token_ttl_s
        self.hold_s = args.timeout_hold_ms / 1000
        self.journal_path: str | None = args.journal
        digits = int(hashlib.sha256(f"{self.seed}:fn".encode()).hexdigest(), 16)
        self.fn_number = f"7380{digits % 10**12:012d}"
        self.ecr_number = f"{digits // 10**12 % 10**16:016d}"
        self.lock = threading.Lock()
        self.stopping = threading.Event()  # set at shutdown: held connections are let go
        self.tokens: dict[str, float] = {}  # token -> monotonic expiry (0 = expired by a fault)
        self.entries: dict[str, Entry] = {}
        self.by_uuid: dict[str, Registration] = {}
        self.report_attempts: dict[str, int] = {}
        self.report_times: deque[float] = deque()
        self.counts = dict.fromkeys(COUNTS, 0)
        self.token_requests = self.authorized = self.document_number = 0
        self.shift_date, self.shift_number, self.receipt_number = "", 0, 0

    # -- helpers, all called with self.lock held --

    def hit(self, name: str, key: str) -> bool:
        rate = self.faults[name]
        return rate > 0 and fraction(self.seed, name, key) < rate

    def transport_fault(self, key: str, attempt: int) -> Answer | None:
        if self.hit("error5xx", key):
            self.counts["error5xx"] += 1
            status = 500 if attempt % 2 else 503
            page = f"<html><body><h1>{status} gateway trouble</h1></body></html>"
            return Answer(status, page.encode(), "text/html; charset=utf-8")
        if self.hit("rate_limit", key):
            return self.too_many()
        return None

    def too_many(self) -> Answer:
        self.counts["rate_limited"] += 1
        return error_answer(429, TOO_MANY_REQUESTS_CODE, "too many requests")

    def authorize(self, token: str | None, group: str) -> Answer | None:
        expiry = self.tokens.get(token or "")
        if expiry is None:
            return error_answer(401, 10, "missing or unknown token")
        if time.monotonic() >= expiry:
            self.counts["token_expired"] += 1
            return error_answer(401, 11, "token expired")
        self.authorized += 1
        every = self.faults["expire_token"]
        if every and self.authorized % every == 0:
            self.tokens[token or ""] = 0.0
            self.counts["token_expired"] += 1
            return error_answer(401, 11, "token expired")
        if group != self.group:
            return error_answer(400, 20, f"group {group!r} does not match the token")
        return None

    def report_doc(self, reg: Registration) -> dict[str, Any]:
        return {"uuid": reg.uuid, "status": reg.status, "error": reg.error, "payload": reg.payload,
                "timestamp": now_text(), "group_code": self.group, "external_id": reg.external_id,
                "callback_url": reg.callback_url}

    def settle(self, reg: Registration, *, timer: bool = False, callback: bool = True) -> None:
        """Leave wait once the delay passed and enough reports were answered."""
        if reg.status != "wait" or reg.reports_answered < reg.slow_reports:
            return
        if not timer and time.monotonic() < reg.ready_at:
            return
        moment = datetime.now(MOSCOW)
        reg.done_at = utc_iso()
        if reg.will_fail:
            reg.status = "fail"
            reg.error = error_obj(32, "fiscal drive refused: the receipt was rejected (fault fail)", "agent")
            self.counts["fail"] += 1
        else:
            reg.status = "done"
            reg.payload = self.fiscalize(reg, moment)
        if callback and reg.callback_url:
            if self.hit("lost_callback", reg.uuid):
                self.counts["callbacks_lost"] += 1
            else:
                threading.Thread(target=self.post_callback, args=(reg.callback_url, self.report_doc(reg)),
                                 daemon=True).start()

    def fiscalize(self, reg: Registration, moment: datetime) -> dict[str, Any]:
        date = moment.strftime("%d.%m.%Y")
        if date != self.shift_date:  # a shift lasts at most a (Moscow) day
            self.shift_date, self.shift_number, self.receipt_number = date, self.shift_number + 1, 0
        self.document_number += 1
        self.receipt_number += 1
        attribute = document_attribute(reg.uuid)
        receipt_url = f"https://check.ofd.example/rec/{self.fn_number}/{self.document_number}/{attribute}"
        return {"total": float(Decimal(reg.total) / 100), "fns_site": "www.nalog.gov.ru",
                "fn_number": self.fn_number, "shift_number": self.shift_number,
                "receipt_datetime": moment.strftime("%d.%m.%Y %H:%M:%S"),
                "fiscal_receipt_number": self.receipt_number, "fiscal_document_number": self.document_number,
                "ecr_registration_number": self.ecr_number, "fiscal_document_attribute": attribute,
                "ofd_inn": "7704211201",
                "ofd_receipt_url": receipt_url}

    def journal(self) -> dict[str, Any]:
        rows = []
        for external_id, entry in self.entries.items():
            if not entry.uuids:
                continue
            reg = self.by_uuid[entry.uuids[-1]]
            document_number = reg.payload["fiscal_document_number"] if reg.payload else None
            rows.append({"external_id": external_id, "operation": reg.operation, "uuid": reg.uuid,
                         "status": reg.status, "attempts": entry.attempts, "registrations": len(entry.uuids),
                         "error_code": reg.error["code"] if reg.error else None,
                         "fiscal_document_number": document_number,
                         "created_at": reg.created_at, "done_at": reg.done_at, "body": reg.body})
        return {"registrations": rows, "counts": dict(self.counts)}

    def save(self) -> None:
        if self.journal_path:
            tmp = self.journal_path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as out:
                json.dump(self.journal(), out, ensure_ascii=False)
            os.replace(tmp, self.journal_path)

    # -- outside the lock --

    def post_callback(self, url: str, doc: dict[str, Any]) -> None:
        request = urllib.request.Request(url, json.dumps(doc, ensure_ascii=False).encode(),
                                         {"Content-Type": "application/json"}, method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an env proxy
        try:
            with opener.open(request, timeout=2) as response:
                outcome = str(response.status)
        except (OSError, ValueError) as exc:  # one try only, as the brief says
            outcome = f"failed: {exc}"
        log(f"CALLBACK {url} ext={doc['external_id']} -> {outcome}")
        with self.lock:
            self.counts["callbacks_sent"] += 1
            self.save()

    def on_timer(self, registration_uuid: str) -> None:
        with self.lock:
            self.settle(self.by_uuid[registration_uuid], timer=True)
            self.save()

    # -- endpoints --

    def handle(self, method: str, target: str, headers: Any, raw: bytes) -> tuple[Answer, str]:
        """Answer one request; also the external_id for the log line."""
        path = urlsplit(target).path
        if path.startswith("/_double/"):
            return self.control(method, path, raw), "-"
        parts = path[len(BASE) + 1:].split("/") if path.startswith(BASE + "/") else []
        with self.lock:
            try:
                if parts == ["getToken"] and method == "POST":
                    return self.get_token(raw), "-"
                if len(parts) == 2 and parts[1] in OPERATIONS and method == "POST":
                    return self.register(parts[0], parts[1], headers.get("Token"), raw)
                if len(parts) == 3 and parts[1] == "report" and method == "GET":
                    return self.report(parts[0], parts[2], headers.get("Token"))
                return error_answer(404, 40, f"unknown path {method} {path}"), "-"
            finally:
                self.save()

    def get_token(self, raw: bytes) -> Answer:
        self.counts["getToken"] += 1
        self.token_requests += 1
        fault = self.transport_fault(f"getToken:{self.token_requests}", self.token_requests)
        if fault:
            return fault
        try:
            body = json.loads(raw)
        except ValueError:
            return error_answer(400, 40, "body is not JSON", token=None)
        if not isinstance(body, dict) or body.get("login") != self.login or body.get("pass") != self.password:
            return error_answer(401, 12, "wrong login or password", token=None)
        token = secrets.token_hex(16)
        self.tokens[token] = time.monotonic() + self.token_ttl_s
        return json_answer(200, {"token": token, "error": None, "timestamp": now_text()})

    def register(self, group: str, operation: str, token: str | None, raw: bytes) -> tuple[Answer, str]:
        self.counts[operation] += 1
        try:
            doc: Any = json.loads(raw, parse_float=Decimal)
        except ValueError:
            doc = None
        external_id = doc.get("external_id") if isinstance(doc, dict) else None
        if not isinstance(external_id, str):
            external_id = None
        attempt = 0
        if external_id is not None:  # every request carrying it counts, whatever its answer
            entry = self.entries.setdefault(external_id, Entry())
            entry.attempts += 1
            attempt = entry.attempts
        ext_log = external_id or "-"
        denied = self.authorize(token, group)
        if denied:
            return denied, ext_log
        if doc is None:
            return error_answer(400, 40, "body is not JSON"), ext_log
        key = f"{external_id}:{attempt}"
        fault = self.transport_fault(key, attempt)
        if fault:
            return fault, ext_log
        try:
            total = validate(operation, doc)
        except Invalid as exc:
            self.counts["validation_32"] += 1
            return json_answer(400, {"uuid": None, "status": "fail", "error": error_obj(32, str(exc)),
                                     "timestamp": now_text()}), ext_log
        assert external_id is not None  # validate() checked it
        entry = self.entries[external_id]
        current = self.by_uuid[entry.uuids[-1]] if entry.uuids else None
        if current is None and self.hit("preexisting", external_id):
            current = self.create(entry, operation, raw, total, preexisting=True)
        elif current is None or current.status == "fail":  # after fail nothing was registered: accept
            reg = self.create(entry, operation, raw, total, preexisting=False)
            if current is None and operation in RECEIPT_OPERATIONS and self.hit("timeout", key):
                self.counts["timeout"] += 1
                return Answer(0, hold=True), ext_log
            return json_answer(200, {"uuid": reg.uuid, "status": "wait", "error": None,
                                     "timestamp": now_text()}), ext_log
        self.counts["duplicate_33"] += 1
        return json_answer(409, {"uuid": current.uuid, "status": "wait", "timestamp": now_text(),
                                 "error": error_obj(33, "duplicate external_id")}), ext_log

    def create(self, entry: Entry, operation: str, raw: bytes, total: int, *,
               preexisting: bool) -> Registration:
        body = json.loads(raw)  # as sent (floats are fine here: it is only echoed in the journal)
        external_id = body["external_id"]
        reg = Registration(
            uuid=str(uuid.uuid4()), external_id=external_id, operation=operation, body=body, total=total,
            callback_url=body.get("service", {}).get("callback_url", ""),
            will_fail=not preexisting and operation in RECEIPT_OPERATIONS and self.hit("fail", external_id),
            ready_at=time.monotonic() + (0 if preexisting else self.report_delay_s),
            slow_reports=0 if preexisting else int(self.faults["slow_report"]))
        entry.uuids.append(reg.uuid)
        self.by_uuid[reg.uuid] = reg
        # a preexisting one was accepted "before the gateway's first send": done, its callback long gone
        self.settle(reg, callback=not preexisting)
        if reg.status == "wait" and reg.ready_at > time.monotonic():
            timer = threading.Timer(self.report_delay_s, self.on_timer, (reg.uuid,))
            timer.daemon = True
            timer.start()
        return reg

    def report(self, group: str, registration_uuid: str, token: str | None) -> tuple[Answer, str]:
        self.counts["report"] += 1
        reg = self.by_uuid.get(registration_uuid)
        ext_log = reg.external_id if reg else "-"
        denied = self.authorize(token, group)
        if denied:
            return denied, ext_log
        if self.report_rate > 0:  # sliding one-second window over all report requests
            now = time.monotonic()
            while self.report_times and now - self.report_times[0] >= 1:
                self.report_times.popleft()
            if len(self.report_times) >= self.report_rate:
                return self.too_many(), ext_log
            self.report_times.append(now)
        attempt = self.report_attempts[registration_uuid] = self.report_attempts.get(registration_uuid, 0) + 1
        fault = self.transport_fault(f"{registration_uuid}:{attempt}", attempt)
        if fault:
            return fault, ext_log
        if reg is None:
            return error_answer(400, 30, f"unknown uuid {registration_uuid}"), ext_log
        self.settle(reg)
        reg.reports_answered += 1
        return json_answer(200, self.report_doc(reg)), ext_log

    def control(self, method: str, path: str, raw: bytes) -> Answer:
        if method == "GET" and path == "/_double/health":
            return Answer(200, b"ok", "text/plain; charset=utf-8")
        with self.lock:
            if method == "GET" and path == "/_double/journal":
                return json_answer(200, self.journal())
            if method == "POST" and path == "/_double/faults":
                try:
                    faults = json.loads(raw)
                    if not isinstance(faults, dict):
                        raise ValueError("expected an object of fault names")
                    self.faults = normalize_faults(faults)
                except ValueError as exc:
                    return json_answer(400, {"error": str(exc)})
                return json_answer(200, dict(self.faults))
        return json_answer(404, {"error": f"unknown control path {method} {path}"})


def log(line: str) -> None:
    sys.stderr.write(line + "\n")  # one write per line, so threads do not interleave within a line
    sys.stderr.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real gateway's client expects
    # Headers and body go out in separate writes: with Nagle's algorithm and the client's delayed
    # ACK every answer on a kept-alive connection waited about 40 ms.
    disable_nagle_algorithm = True
    server_version = "atol-double/1"
    server: Server

    def do_GET(self) -> None:
        self.serve()

    def do_POST(self) -> None:
        self.serve()

    def serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length, self.close_connection = 0, True
        raw = self.rfile.read(length) if length > 0 else b""
        double = self.server.double
        answer, external_id = double.handle(self.command, self.path, self.headers, raw)
        outcome = "held, no answer" if answer.hold else str(answer.status)
        log(f"{self.command} {urlsplit(self.path).path} ext={external_id} -> {outcome}"
            + (f" code={answer.code}" if answer.code is not None else ""))
        if answer.hold:
            double.stopping.wait(double.hold_s)
            self.close_connection = True
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # serve() writes the one line per request


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 resets bursts of concurrent connections

    def __init__(self, address: tuple[str, int], double: Double) -> None:
        super().__init__(address, Handler)
        self.double = double

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away (a killed gateway, a timed-out request) is routine here.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", required=True, help="HOST:PORT (port 0 picks a free one)")
    parser.add_argument("--login", default="kassa")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--group", default="kassa-group")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", default="", help="name=value[,name=value...]; see the module docstring")
    parser.add_argument("--report-delay-ms", type=int, default=0)
    parser.add_argument("--report-rate", type=float, default=0,
                        help="report requests per second, all together; 0 = no limit")
    parser.add_argument("--token-ttl-s", type=float, default=86400)
    parser.add_argument("--timeout-hold-ms", type=int, default=15000)
    parser.add_argument("--journal", help="write the journal as JSON here on every change")
    args = parser.parse_args(argv)
    try:
        parse_fault_spec(args.faults)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    double = Double(args)
    server = Server((host or "127.0.0.1", int(port)), double)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    with double.lock:
        double.save()
    bound_host, bound_port = server.server_address[:2]
    print(f"atol double listening on http://{bound_host}:{bound_port}{BASE}", flush=True)
    while not stop.wait(0.5):
        pass
    double.stopping.set()
    server.shutdown()
    server.server_close()
    with double.lock:
        double.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
