"""Tests of scripts/atol_server.py, the ATOL Online v5 test double, over real HTTP.

Each test starts its own server on a free loopback port (a subprocess) so counters and fault
decisions start from zero. Nothing waits by sleeping: tests poll the control API with a deadline.
Run: python3 -m unittest discover -s tests/atol -v
"""
from __future__ import annotations

import copy
import hashlib
import http.client
import json
import os
import queue
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
SERVER = HERE.parents[1] / "scripts" / "atol_server.py"
SAMPLES = HERE / "kassa_receipts.json"  # 20 ATOL bodies of receipts kassa issued, as published
BASE = "/possystem/v5"
GROUP = "kassa-group"
DATETIME = re.compile(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}")


def hit(seed: int, name: str, key: str, rate: float) -> bool:
    """The double's documented fault decision, recomputed independently."""
    digest = hashlib.sha256(f"{seed}:{name}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def load_samples(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


def operation_of(body: dict[str, Any]) -> str:
    """kassa's receipts (core/receipt.hpp): a refund is paid back electronically (type 1) and may hold
    full_payment lines; a prepayment is type 1 with full_prepayment lines only; a settlement is type 2.
    A refund of prepaid lines only looks like a prepayment, so this errs towards sell."""
    receipt = body["receipt"]
    refund = receipt["payments"][0]["type"] == 1 and any(
        item["payment_method"] == "full_payment" for item in receipt["items"])
    return "sell_refund" if refund else "sell"


def sample(external_id: str | None = None, index: int = 0) -> dict[str, Any]:
    body = copy.deepcopy(load_samples(SAMPLES)[index])
    body["external_id"] = external_id or str(uuid.uuid4())
    return body


def correction(info: dict[str, Any], external_id: str | None = None) -> dict[str, Any]:
    body = sample(external_id)
    body["correction"] = {**body.pop("receipt"), "correction_info": info}
    return body


class Double:
    """One server process and an HTTP client for it."""

    def __init__(self, *args: str) -> None:
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, str(SERVER), "--listen", "127.0.0.1:0", *args],
                                     stdout=subprocess.PIPE, stderr=self.stderr)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        line = self.proc.stdout.readline().decode() if ready else ""
        match = re.fullmatch(r"atol double listening on http://127\.0\.0\.1:(\d+)/possystem/v5\n", line)
        if not match:
            self.close()
            raise AssertionError(f"no listening line: {line!r}; stderr: {self.log()}")
        self.line = line
        self.port = int(match.group(1))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc.stdout.close()
        self.stderr.close()

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.proc.send_signal(signum)
        return self.proc.wait(10)

    def log(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def raw(self, method: str, path: str, body: bytes | None = None, token: str | None = None,
            timeout: float = 10) -> tuple[int, str, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Content-Type": "application/json; charset=utf-8"}
            if token is not None:
                headers["Token"] = token
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        finally:
            conn.close()

    def call(self, method: str, path: str, doc: Any = None, token: str | None = None,
             timeout: float = 10) -> tuple[int, Any]:
        body = None if doc is None else json.dumps(doc, ensure_ascii=False).encode()
        status, _, data = self.raw(method, path, body, token, timeout)
        return status, json.loads(data)

    def token(self, login: str = "kassa", password: str = "secret") -> str:
        status, doc = self.call("POST", f"{BASE}/getToken", {"login": login, "pass": password})
        assert status == 200, doc
        return doc["token"]

    def send(self, body: Any, token: str, operation: str = "sell", timeout: float = 10) -> tuple[int, Any]:
        return self.call("POST", f"{BASE}/{GROUP}/{operation}", body, token, timeout)

    def report(self, registration_uuid: str, token: str) -> tuple[int, Any]:
        return self.call("GET", f"{BASE}/{GROUP}/report/{registration_uuid}", token=token)

    def journal(self) -> dict[str, Any]:
        status, doc = self.call("GET", "/_double/journal")
        assert status == 200
        return doc

    def entry(self, external_id: str) -> dict[str, Any]:
        return next(r for r in self.journal()["registrations"] if r["external_id"] == external_id)

    def faults(self, faults: dict[str, Any]) -> tuple[int, Any]:
        return self.call("POST", "/_double/faults", faults)

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], seconds: float = 10) -> dict[str, Any]:
        """Poll the journal until predicate holds; fail at the deadline."""
        deadline = time.monotonic() + seconds
        while True:
            journal = self.journal()
            if predicate(journal):
                return journal
            if time.monotonic() > deadline:
                raise AssertionError(f"not reached in {seconds} s; journal counts {journal['counts']}")
            time.sleep(0.02)  # poll cadence, not synchronization


class DoubleTest(unittest.TestCase):
    def start(self, *args: str) -> Double:
        double = Double(*args)
        self.addCleanup(double.close)
        return double

    def assertError(self, answer: tuple[int, Any], status: int, code: int) -> dict[str, Any]:
        got_status, doc = answer
        self.assertEqual((got_status, doc["error"]["code"]), (status, code), doc)
        uuid.UUID(doc["error"]["error_id"], version=4)
        self.assertRegex(doc["timestamp"], DATETIME)
        return doc


class StartupTest(DoubleTest):
    def test_prints_listening_line_with_real_port_and_health(self) -> None:
        double = self.start()
        self.assertNotEqual(double.port, 0)
        expected = f"atol double listening on http://127.0.0.1:{double.port}/possystem/v5\n"
        self.assertEqual(double.line, expected)
        self.assertEqual(double.raw("GET", "/_double/health")[::2], (200, b"ok"))

    def test_sigterm_exits_zero_and_leaves_the_journal_file(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "journal.json"
            double = self.start("--journal", str(path))
            body = sample()
            self.assertEqual(double.send(body, double.token())[0], 200)
            self.assertEqual(double.stop(signal.SIGTERM), 0)
            journal = json.loads(path.read_text(encoding="utf-8"))
            self.assertEqual([r["external_id"] for r in journal["registrations"]], [body["external_id"]])
            self.assertEqual(journal["registrations"][0]["status"], "done")
            self.assertEqual((journal["counts"]["getToken"], journal["counts"]["sell"]), (1, 1))
            self.assertEqual(sorted(os.listdir(tmp)), ["journal.json"])

    def test_sigint_exits_zero(self) -> None:
        self.assertEqual(self.start().stop(signal.SIGINT), 0)

    def test_logs_one_line_per_request(self) -> None:
        double = self.start()
        body = sample("log-me")
        token = double.token()
        double.send(body, token)
        double.send(body, token)
        double.stop()
        lines = double.log().splitlines()
        self.assertEqual(len(lines), 3, lines)
        self.assertEqual(lines[0], "POST /possystem/v5/getToken ext=- -> 200")
        self.assertEqual(lines[1], f"POST /possystem/v5/{GROUP}/sell ext=log-me -> 200")
        self.assertEqual(lines[2], f"POST /possystem/v5/{GROUP}/sell ext=log-me -> 409 code=33")

    def test_bad_fault_spec_is_a_usage_error(self) -> None:
        proc = subprocess.run([sys.executable, str(SERVER), "--listen", "127.0.0.1:0", "--faults", "nope=1"],
                              capture_output=True, text=True, timeout=10)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown fault 'nope'", proc.stderr)


class AuthTest(DoubleTest):
    def test_get_token(self) -> None:
        double = self.start()
        status, doc = double.call("POST", f"{BASE}/getToken", {"login": "kassa", "pass": "secret"})
        self.assertEqual(status, 200)
        self.assertRegex(doc["token"], r"^[0-9a-f]{32}$")
        self.assertIsNone(doc["error"])
        self.assertRegex(doc["timestamp"], DATETIME)

    def test_custom_credentials_and_wrong_ones_give_code_12(self) -> None:
        double = self.start("--login", "shop", "--password", "pw")
        self.assertTrue(double.token("shop", "pw"))
        for login, password in (("shop", "bad"), ("kassa", "pw")):
            doc = self.assertError(double.call("POST", f"{BASE}/getToken", {"login": login, "pass": password}),
                                   401, 12)
            self.assertIsNone(doc["token"])

    def test_missing_or_unknown_token_gives_code_10(self) -> None:
        double = self.start()
        body = sample()
        self.assertError(double.call("POST", f"{BASE}/{GROUP}/sell", body), 401, 10)
        self.assertError(double.send(body, "0" * 32), 401, 10)
        self.assertError(double.report(str(uuid.uuid4()), "0" * 32), 401, 10)
        self.assertEqual(double.journal()["registrations"], [])

    def test_expired_token_gives_code_11(self) -> None:
        double = self.start("--token-ttl-s", "0")
        token = double.token()
        self.assertError(double.send(sample(), token), 401, 11)
        self.assertEqual(double.journal()["counts"]["token_expired"], 1)

    def test_wrong_group_gives_code_20(self) -> None:
        double = self.start()
        token = double.token()
        self.assertError(double.call("POST", f"{BASE}/other-group/sell", sample(), token), 400, 20)
        self.assertError(double.call("GET", f"{BASE}/other-group/report/{uuid.uuid4()}", token=token), 400, 20)

    def test_body_not_json_gives_400_and_unknown_operation_404_code_40(self) -> None:
        double = self.start()
        token = double.token()
        status, _, data = double.raw("POST", f"{BASE}/{GROUP}/sell", b"{not json", token)
        self.assertEqual((status, json.loads(data)["error"]["code"]), (400, 40))
        self.assertError(double.call("POST", f"{BASE}/{GROUP}/buy", sample(), token), 404, 40)
        self.assertError(double.call("GET", f"{BASE}/{GROUP}/sell", token=token), 404, 40)
        self.assertError(double.call("GET", "/elsewhere"), 404, 40)


class RegistrationTest(DoubleTest):
    def test_sell_is_accepted_then_done_with_fiscal_payload(self) -> None:
        double = self.start()
        token = double.token()
        body = sample()
        status, doc = double.send(body, token)
        self.assertEqual(status, 200)
        self.assertEqual((doc["status"], doc["error"]), ("wait", None))
        uuid.UUID(doc["uuid"], version=4)
        status, report = double.report(doc["uuid"], token)
        self.assertEqual(status, 200)
        self.assertEqual((report["uuid"], report["status"], report["error"]), (doc["uuid"], "done", None))
        self.assertEqual((report["group_code"], report["external_id"], report["callback_url"]),
                         (GROUP, body["external_id"], ""))
        payload = report["payload"]
        self.assertEqual(Decimal(str(payload["total"])), Decimal(str(body["receipt"]["total"])))
        self.assertEqual(payload["fns_site"], "www.nalog.gov.ru")
        self.assertRegex(payload["fn_number"], r"^\d{16}$")
        self.assertRegex(payload["ecr_registration_number"], r"^\d{16}$")
        self.assertRegex(payload["receipt_datetime"], DATETIME)
        self.assertEqual((payload["shift_number"], payload["fiscal_receipt_number"],
                          payload["fiscal_document_number"]), (1, 1, 1))
        attribute = int(hashlib.sha256(doc["uuid"].encode()).hexdigest(), 16) % 9_000_000_000 + 1_000_000_000
        self.assertEqual(payload["fiscal_document_attribute"], attribute)
        self.assertEqual(payload["ofd_inn"], "7704211201")
        self.assertEqual(payload["ofd_receipt_url"],
                         f"https://check.ofd.example/rec/{payload['fn_number']}/1/{attribute}")
        row = double.entry(body["external_id"])
        self.assertEqual({k: row[k] for k in ("operation", "uuid", "status", "attempts", "registrations",
                                              "error_code", "fiscal_document_number")},
                         {"operation": "sell", "uuid": doc["uuid"], "status": "done", "attempts": 1,
                          "registrations": 1, "error_code": None, "fiscal_document_number": 1})
        self.assertEqual(row["body"], body)
        self.assertTrue(row["created_at"] and row["done_at"])

    def test_counters_advance_and_fn_number_is_fixed(self) -> None:
        double = self.start()
        token = double.token()
        payloads = []
        for _ in range(3):
            registration = double.send(sample(), token)[1]["uuid"]
            payloads.append(double.report(registration, token)[1]["payload"])
        self.assertEqual([p["fiscal_document_number"] for p in payloads], [1, 2, 3])
        self.assertEqual([p["fiscal_receipt_number"] for p in payloads], [1, 2, 3])
        self.assertEqual(len({p["fn_number"] for p in payloads}), 1)

    def test_duplicate_external_id_gives_409_code_33_with_the_existing_uuid(self) -> None:
        double = self.start("--report-delay-ms", "60000")
        token = double.token()
        body = sample()
        first = double.send(body, token)[1]["uuid"]
        for _ in range(2):  # while wait, and again
            doc = self.assertError(double.send(body, token, "sell_refund"), 409, 33)
            self.assertEqual((doc["uuid"], doc["status"], doc["error"]["text"]),
                             (first, "wait", "duplicate external_id"))
        row = double.entry(body["external_id"])
        self.assertEqual((row["attempts"], row["registrations"], row["operation"]), (3, 1, "sell"))
        self.assertEqual(double.journal()["counts"]["duplicate_33"], 2)

    def test_duplicate_of_a_done_registration_gives_409(self) -> None:
        double = self.start()
        token = double.token()
        body = sample()
        first = double.send(body, token)[1]["uuid"]
        self.assertEqual(double.report(first, token)[1]["status"], "done")
        self.assertEqual(self.assertError(double.send(body, token), 409, 33)["uuid"], first)

    def test_concurrent_sends_of_one_external_id_register_once(self) -> None:
        double = self.start()
        token = double.token()
        body = sample()
        answers: list[tuple[int, Any]] = []
        lock = threading.Lock()

        def send() -> None:
            answer = double.send(body, token)
            with lock:
                answers.append(answer)

        threads = [threading.Thread(target=send) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(sorted(status for status, _ in answers), [200] + [409] * 19)
        self.assertEqual(len({doc["uuid"] for _, doc in answers}), 1)
        row = double.entry(body["external_id"])
        self.assertEqual((row["attempts"], row["registrations"]), (20, 1))

    def test_unknown_uuid_gives_code_30(self) -> None:
        double = self.start()
        self.assertError(double.report(str(uuid.uuid4()), double.token()), 400, 30)

    def test_report_delay_keeps_wait_then_done(self) -> None:
        double = self.start("--report-delay-ms", "300")
        token = double.token()
        body = sample()
        registration = double.send(body, token)[1]["uuid"]
        report = double.report(registration, token)[1]
        self.assertEqual((report["status"], report["payload"]), ("wait", None))
        double.wait_for(lambda j: j["registrations"][0]["status"] == "done")
        self.assertEqual(double.report(registration, token)[1]["status"], "done")

    def test_long_report_delay_stays_wait(self) -> None:
        double = self.start("--report-delay-ms", "600000")
        token = double.token()
        registration = double.send(sample(), token)[1]["uuid"]
        for _ in range(3):
            self.assertEqual(double.report(registration, token)[1]["status"], "wait")
        self.assertIsNone(double.journal()["registrations"][0]["done_at"])

    def test_corrections_are_accepted(self) -> None:
        double = self.start()
        token = double.token()
        cases = [("sell_correction", {"type": "self", "base_date": "14.02.2026"}),
                 ("sell_refund_correction", {"type": "instruction", "base_date": "01.12.2025",
                                             "base_number": "ФНС-17"})]
        for operation, info in cases:
            body = correction(info)
            status, doc = double.send(body, token, operation)
            self.assertEqual(status, 200, doc)
            self.assertEqual(double.report(doc["uuid"], token)[1]["status"], "done")
            self.assertEqual(double.entry(body["external_id"])["operation"], operation)
        counts = double.journal()["counts"]
        self.assertEqual((counts["sell_correction"], counts["sell_refund_correction"]), (1, 1))

    def test_report_rate_limit_answers_429(self) -> None:
        double = self.start("--report-rate", "2")
        token = double.token()
        registration = double.send(sample(), token)[1]["uuid"]
        statuses = [double.call("GET", f"{BASE}/{GROUP}/report/{registration}", token=token) for _ in range(6)]
        self.assertEqual([s for s, _ in statuses][:2], [200, 200])
        limited = [doc for status, doc in statuses if status == 429]
        self.assertGreaterEqual(len(limited), 3)  # six requests cannot spread over 2 s on loopback
        self.assertEqual((limited[0]["error"]["code"], limited[0]["error"]["text"]), (0, "too many requests"))
        self.assertEqual(double.journal()["counts"]["rate_limited"], len(limited))


class ValidationTest(DoubleTest):
    def test_kassa_samples_are_accepted(self) -> None:
        samples = load_samples(SAMPLES)
        operations = [operation_of(body) for body in samples]
        self.assertEqual(set(operations), {"sell", "sell_refund"})
        vat_types = {item["vat"]["type"] for body in samples for item in body["receipt"]["items"]}
        self.assertGreaterEqual(len(vat_types), 6)
        self.assert_all_accepted(samples)

    def assert_all_accepted(self, samples: list[dict[str, Any]]) -> None:
        double = self.start()
        token = double.token()
        for body in samples:
            status, doc = double.send(body, token, operation_of(body))
            self.assertEqual(status, 200, f"{body['external_id']}: {doc}")
        journal = double.journal()
        self.assertEqual(len(journal["registrations"]), len(samples))
        self.assertTrue(all(r["status"] == "done" for r in journal["registrations"]))
        self.assertEqual(journal["counts"]["validation_32"], 0)

    def test_each_field_rule_gives_code_32_and_registers_nothing(self) -> None:
        def item(body: dict[str, Any]) -> dict[str, Any]:
            return body["receipt"]["items"][0]

        def set_item(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
            return lambda body: item(body).__setitem__(field, value)

        def set_receipt(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
            return lambda body: body["receipt"].__setitem__(field, value)

        def set_company(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
            return lambda body: body["receipt"]["company"].__setitem__(field, value)

        def split_payment(body: dict[str, Any]) -> None:
            body["receipt"]["payments"] = [{"type": 1, "sum": 0.01}, {"type": 2, "sum": body["receipt"]["total"]}]

        cases: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
            ("empty external_id", lambda b: b.__setitem__("external_id", ""), "external_id:"),
            ("long external_id", lambda b: b.__setitem__("external_id", "x" * 129), "external_id:"),
            ("timestamp format", lambda b: b.__setitem__("timestamp", "2026-02-14 12:00:00"), "timestamp:"),
            ("timestamp date", lambda b: b.__setitem__("timestamp", "31.02.2026 12:00:00"), "timestamp:"),
            ("no receipt", lambda b: b.pop("receipt"), "receipt:"),
            ("client without contact", set_receipt("client", {"name": "Иван"}), "receipt.client:"),
            ("client phone", set_receipt("client", {"phone": "8 (900) 123"}), "receipt.client.phone:"),
            ("company email", lambda b: b["receipt"]["company"].pop("email"), "receipt.company.email:"),
            ("company sno", set_company("sno", "usn"), "receipt.company.sno:"),
            ("company inn", set_company("inn", "123456789"), "receipt.company.inn:"),
            ("payment_address", set_company("payment_address", ""), "receipt.company.payment_address:"),
            ("no items", set_receipt("items", []), "receipt.items:"),
            ("101 items", lambda b: b["receipt"].__setitem__("items", [item(b)] * 101), "receipt.items:"),
            ("long name", set_item("name", "я" * 129), "receipt.items[0].name:"),
            ("negative price", set_item("price", -1), "receipt.items[0].price:"),
            ("price as text", set_item("price", "10.00"), "receipt.items[0].price:"),
            ("price decimals", set_item("price", 1.001), "receipt.items[0].price:"),
            ("zero quantity", set_item("quantity", 0), "receipt.items[0].quantity:"),
            ("sum off by a kopeck", lambda b: item(b).__setitem__("sum", round(item(b)["sum"] + 0.01, 2)),
             "receipt.items[0].sum:"),
            ("measure as text", set_item("measure", "0"), "receipt.items[0].measure:"),
            ("measure OKEI", set_item("measure", 796), "receipt.items[0].measure:"),
            ("payment_method", set_item("payment_method", "full"), "receipt.items[0].payment_method:"),
            ("no payment_method", lambda b: item(b).pop("payment_method"), "receipt.items[0].payment_method:"),
            ("payment_object name", set_item("payment_object", "goods"), "receipt.items[0].payment_object:"),
            ("payment_object code", set_item("payment_object", 28), "receipt.items[0].payment_object:"),
            ("vat type", set_item("vat", {"type": "vat18"}), "receipt.items[0].vat.type:"),
            ("agent without supplier", lambda b: item(b).pop("supplier_info"), "receipt.items[0].supplier_info:"),
            ("long agent operation", lambda b: item(b)["agent_info"]["paying_agent"].__setitem__(
                "operation", "о" * 25), "receipt.items[0].agent_info.paying_agent.operation:"),
            ("no payments", set_receipt("payments", []), "receipt.payments:"),
            ("payment type", lambda b: b["receipt"]["payments"][0].__setitem__("type", 10),
             "receipt.payments[0].type:"),
            ("payment sum zero", lambda b: b["receipt"]["payments"].append({"type": 1, "sum": 0}),
             "receipt.payments[1].sum:"),
            ("payments differ", split_payment, "sum of the payments"),
            ("total", lambda b: b["receipt"].__setitem__("total", round(b["receipt"]["total"] + 0.01, 2)),
             "sum of the item sums"),
            ("7 vats", set_receipt("vats", [{"type": t, "sum": 0} for t in
                                            ("none", "vat0", "vat5", "vat7", "vat10", "vat22", "vat122")]),
             "receipt.vats:"),
            ("repeated vat", set_receipt("vats", [{"type": "none", "sum": 0}] * 2), "receipt.vats:"),
            ("vats type", set_receipt("vats", [{"type": "vat18", "sum": 0}]), "receipt.vats[0].type:"),
            ("not an object", lambda b: b.clear(), "external_id:"),
        ]
        double = self.start()
        token = double.token()
        for name, mutate, expected in cases:
            with self.subTest(name):
                body = sample(index=0)
                mutate(body)
                status, doc = double.send(body, token)
                self.assertEqual((status, doc["uuid"], doc["status"], doc["error"]["code"], doc["error"]["type"]),
                                 (400, None, "fail", 32, "system"), doc)
                self.assertIn(expected, doc["error"]["text"])
        status, doc = double.send([1, 2], token)  # JSON, but no object
        self.assertEqual((status, doc["error"]["code"], doc["error"]["text"]), (400, 32, "body: must be a JSON object"))
        journal = double.journal()
        self.assertEqual(journal["registrations"], [])
        self.assertEqual(journal["counts"]["validation_32"], len(cases) + 1)

    def test_correction_rules(self) -> None:
        cases: list[tuple[str, str, Any, str]] = [
            ("receipt instead of correction", "sell_correction", sample(), "correction:"),
            ("correction instead of receipt", "sell", correction({"type": "self", "base_date": "01.02.2026"}),
             "receipt:"),
            ("no correction_info", "sell_correction", correction({}), "correction.correction_info.type:"),
            ("bad type", "sell_refund_correction", correction({"type": "other", "base_date": "01.02.2026"}),
             "correction.correction_info.type:"),
            ("bad base_date", "sell_correction", correction({"type": "self", "base_date": "2026-02-01"}),
             "correction.correction_info.base_date:"),
            ("instruction without number", "sell_correction",
             correction({"type": "instruction", "base_date": "01.02.2026"}),
             "correction.correction_info.base_number:"),
        ]
        double = self.start()
        token = double.token()
        for name, operation, body, expected in cases:
            with self.subTest(name):
                doc = self.assertError(double.send(body, token, operation), 400, 32)
                self.assertIn(expected, doc["error"]["text"])
        body = correction({"type": "self", "base_date": "01.02.2026"})
        del body["correction"]["client"]  # optional in a correction
        self.assertEqual(double.send(body, token, "sell_correction")[0], 200)

    def test_money_is_compared_in_kopecks(self) -> None:
        double = self.start()
        token = double.token()

        def receipt(lines: list[tuple[float, float, float]], total: float) -> dict[str, Any]:
            body = sample()
            template = body["receipt"]["items"][0]
            body["receipt"]["items"] = [{**template, "price": p, "quantity": q, "sum": s} for p, q, s in lines]
            body["receipt"]["payments"] = [{"type": 1, "sum": total}]
            body["receipt"]["total"] = total
            body["receipt"]["vats"] = [{"type": template["vat"]["type"], "sum": 0}]
            return body

        # 0.1 + 0.2 is not 0.3 in binary floating point; it is in kopecks
        self.assertEqual(double.send(receipt([(0.1, 1, 0.1), (0.2, 1, 0.2)], 0.3), token)[0], 200)
        # 3.55 × 1.5 = 5.325: both neighbours are within half a kopeck, 5.31 is not
        self.assertEqual(double.send(receipt([(3.55, 1.5, 5.33)], 5.33), token)[0], 200)
        self.assertEqual(double.send(receipt([(3.55, 1.5, 5.32)], 5.32), token)[0], 200)
        self.assertError(double.send(receipt([(3.55, 1.5, 5.31)], 5.31), token), 400, 32)
        # the brief's worked case: 0.01 × 3710.999 = 37.11, 0.02 × 96289 = 1925.78
        lines = [(0.01, 3710.999, 37.11), (0.02, 96289.0, 1925.78)]
        self.assertEqual(double.send(receipt(lines, 1962.89), token)[0], 200)
        self.assertError(double.send(receipt([(1, 1.0001, 1)], 1), token), 400, 32)  # 3 decimals at most


class FaultTest(DoubleTest):
    def test_fail_is_permanent_for_an_external_id_and_spares_corrections(self) -> None:
        double = self.start("--faults", "fail=1")
        token = double.token()
        body = sample()
        uuids = []
        for _ in range(2):  # a resend after fail is accepted under a new uuid, and fails again
            status, doc = double.send(body, token)
            self.assertEqual(status, 200)
            uuids.append(doc["uuid"])
            report = double.report(doc["uuid"], token)[1]
            self.assertEqual((report["status"], report["payload"], report["error"]["code"], report["error"]["type"]),
                             ("fail", None, 32, "agent"))
            self.assertTrue(report["error"]["text"].startswith("fiscal drive refused: "))
            uuid.UUID(report["error"]["error_id"], version=4)
        self.assertNotEqual(uuids[0], uuids[1])
        self.assertEqual(double.report(uuids[0], token)[1]["status"], "fail")
        row = double.entry(body["external_id"])
        self.assertEqual((row["status"], row["registrations"], row["attempts"], row["error_code"], row["uuid"]),
                         ("fail", 2, 2, 32, uuids[1]))
        fixed = correction({"type": "self", "base_date": "01.02.2026"})
        registration = double.send(fixed, token, "sell_correction")[1]["uuid"]
        self.assertEqual(double.report(registration, token)[1]["status"], "done")
        self.assertEqual(double.journal()["counts"]["fail"], 2)

    def test_fail_decisions_follow_seed_and_external_id(self) -> None:
        external_ids = [f"order-{n}" for n in range(24)]
        expected = [hit(7, "fail", e, 0.5) for e in external_ids]
        self.assertTrue(any(expected) and not all(expected))
        for _ in range(2):  # and the same again in a new run
            double = self.start("--seed", "7", "--faults", "fail=0.5")
            token = double.token()
            got = []
            for external_id in external_ids:
                registration = double.send(sample(external_id), token)[1]["uuid"]
                got.append(double.report(registration, token)[1]["status"] == "fail")
            self.assertEqual(got, expected)

    def test_timeout_registers_but_drops_the_connection_and_the_resend_is_a_duplicate(self) -> None:
        double = self.start("--faults", "timeout=1", "--timeout-hold-ms", "200")
        token = double.token()
        body = sample()
        with self.assertRaises(http.client.RemoteDisconnected):
            double.send(body, token)
        row = double.entry(body["external_id"])
        self.assertEqual((row["status"], row["registrations"]), ("done", 1))
        doc = self.assertError(double.send(body, token), 409, 33)
        self.assertEqual(doc["uuid"], row["uuid"])
        self.assertEqual(double.journal()["counts"]["timeout"], 1)

    def test_timeout_outlasts_the_client_and_does_not_block_shutdown(self) -> None:
        double = self.start("--faults", "timeout=1")  # holds 15 s
        token = double.token()
        body = sample()
        with self.assertRaises(socket.timeout):
            double.send(body, token, timeout=0.5)
        self.assertEqual(self.assertError(double.send(body, token), 409, 33)["uuid"],
                         double.entry(body["external_id"])["uuid"])
        started = time.monotonic()
        self.assertEqual(double.stop(), 0)
        self.assertLess(time.monotonic() - started, 5)

    def test_timeout_spares_corrections(self) -> None:
        double = self.start("--faults", "timeout=1", "--timeout-hold-ms", "200")
        body = correction({"type": "self", "base_date": "01.02.2026"})
        self.assertEqual(double.send(body, double.token(), "sell_correction")[0], 200)

    def test_error5xx_alternates_500_and_503_with_html_and_does_nothing(self) -> None:
        double = self.start("--faults", "error5xx=1")
        login = b'{"login": "kassa", "pass": "secret"}'
        self.assertEqual(double.raw("POST", f"{BASE}/getToken", login)[0], 500)  # getToken:1
        self.assertEqual(double.faults({})[0], 200)
        token = double.token()  # getToken:2
        self.assertEqual(double.faults({"error5xx": 1})[0], 200)
        body = json.dumps(sample()).encode()
        answers = [double.raw("POST", f"{BASE}/{GROUP}/sell", body, token) for _ in range(2)]
        self.assertEqual([status for status, _, _ in answers], [500, 503])  # attempts 1 and 2
        for _, content_type, data in answers:
            self.assertTrue(content_type.startswith("text/html"))
            self.assertTrue(data.startswith(b"<html>"))
        self.assertEqual(double.raw("POST", f"{BASE}/getToken", login)[0], 500)  # getToken:3
        self.assertEqual(double.raw("GET", f"{BASE}/{GROUP}/report/{uuid.uuid4()}", None, token)[0], 500)
        journal = double.journal()
        self.assertEqual(journal["registrations"], [])
        self.assertEqual(journal["counts"]["error5xx"], 5)

    def test_error5xx_decisions_follow_external_id_and_attempt(self) -> None:
        double = self.start("--seed", "3")
        token = double.token()
        double.faults({"error5xx": 0.5})
        for external_id in ("a-1", "a-2", "a-3"):
            body = json.dumps(sample(external_id)).encode()
            accepted = False
            for attempt in range(1, 7):
                status = double.raw("POST", f"{BASE}/{GROUP}/sell", body, token)[0]
                if hit(3, "error5xx", f"{external_id}:{attempt}", 0.5):
                    self.assertEqual(status, 500 if attempt % 2 else 503, (external_id, attempt))
                else:
                    self.assertEqual(status, 409 if accepted else 200, (external_id, attempt))
                    accepted = True
            self.assertEqual(double.entry(external_id)["attempts"], 6)

    def test_rate_limit_answers_429_and_does_nothing(self) -> None:
        double = self.start()
        token = double.token()
        double.faults({"rate_limit": 1})
        doc = self.assertError(double.send(sample(), token), 429, 0)
        self.assertEqual(doc["error"]["text"], "too many requests")
        journal = double.journal()
        self.assertEqual((journal["registrations"], journal["counts"]["rate_limited"]), ([], 1))

    def test_preexisting_answers_409_first_and_reports_done(self) -> None:
        double = self.start("--faults", "preexisting=1")
        token = double.token()
        body = sample()
        doc = self.assertError(double.send(body, token), 409, 33)
        self.assertEqual(doc["status"], "wait")
        report = double.report(doc["uuid"], token)[1]
        self.assertEqual((report["status"], report["external_id"]), ("done", body["external_id"]))
        self.assertEqual(self.assertError(double.send(body, token), 409, 33)["uuid"], doc["uuid"])
        row = double.entry(body["external_id"])
        self.assertEqual((row["registrations"], row["attempts"], row["status"]), (1, 2, "done"))

    def test_slow_report_waits_for_n_reports(self) -> None:
        double = self.start("--faults", "slow_report=2")
        token = double.token()
        registration = double.send(sample(), token)[1]["uuid"]
        statuses = [double.report(registration, token)[1]["status"] for _ in range(4)]
        self.assertEqual(statuses, ["wait", "wait", "done", "done"])

    def test_expire_token_every_nth_authorized_request(self) -> None:
        double = self.start("--faults", "expire_token=3")
        token = double.token()
        registration = double.send(sample(), token)[1]["uuid"]  # 1
        self.assertEqual(double.report(registration, token)[0], 200)  # 2
        self.assertError(double.report(registration, token), 401, 11)  # 3: expired now
        self.assertError(double.report(registration, token), 401, 11)  # and stays so
        fresh = double.token()
        self.assertEqual(double.report(registration, fresh)[0], 200)  # 4
        self.assertEqual(double.report(registration, fresh)[0], 200)  # 5
        self.assertError(double.report(registration, fresh), 401, 11)  # 6
        self.assertEqual(double.journal()["counts"]["token_expired"], 3)

    def test_control_api_replaces_the_fault_set(self) -> None:
        double = self.start("--faults", "fail=1,slow_report=3")
        status, faults = double.faults({"lost_callback": 0.25, "expire_token": 5})
        self.assertEqual(status, 200)
        self.assertEqual(faults, {"fail": 0, "timeout": 0, "error5xx": 0, "rate_limit": 0, "preexisting": 0,
                                  "lost_callback": 0.25, "slow_report": 0, "expire_token": 5})
        token = double.token()
        registration = double.send(sample(), token)[1]["uuid"]
        self.assertEqual(double.report(registration, token)[1]["status"], "done")  # fail and slow_report gone
        for bad in ({"nope": 1}, {"fail": 2}, {"fail": None}, {"slow_report": 1.5}, [1]):
            self.assertEqual(double.faults(bad)[0], 400, bad)


class CallbackTest(DoubleTest):
    def setUp(self) -> None:
        received: queue.Queue[tuple[str, Any]] = queue.Queue()

        class Receiver(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                received.put((self.path, json.loads(data)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()
        self.addCleanup(self.receiver.server_close)
        self.addCleanup(self.receiver.shutdown)
        self.received = received
        self.url = f"http://127.0.0.1:{self.receiver.server_address[1]}/atol/callback"

    def with_callback(self, body: dict[str, Any]) -> dict[str, Any]:
        body["service"] = {"callback_url": self.url}
        return body

    def test_callback_posts_the_report_on_done(self) -> None:
        double = self.start()
        token = double.token()
        registration = double.send(self.with_callback(sample()), token)[1]["uuid"]
        path, doc = self.received.get(timeout=10)
        self.assertEqual(path, "/atol/callback")
        report = double.report(registration, token)[1]
        self.assertEqual({**doc, "timestamp": None}, {**report, "timestamp": None})
        self.assertEqual((doc["status"], doc["callback_url"]), ("done", self.url))
        double.wait_for(lambda j: j["counts"]["callbacks_sent"] == 1)

    def test_callback_posts_the_report_on_fail_after_the_delay(self) -> None:
        double = self.start("--faults", "fail=1", "--report-delay-ms", "100")
        registration = double.send(self.with_callback(sample()), double.token())[1]["uuid"]
        _, doc = self.received.get(timeout=10)
        self.assertEqual((doc["uuid"], doc["status"], doc["error"]["code"]), (registration, "fail", 32))

    def test_lost_callback_is_never_sent(self) -> None:
        double = self.start("--faults", "lost_callback=1")
        double.send(self.with_callback(sample()), double.token())
        journal = double.wait_for(lambda j: j["counts"]["callbacks_lost"] == 1)
        self.assertEqual((journal["counts"]["callbacks_sent"], journal["registrations"][0]["status"]), (0, "done"))
        self.assertTrue(self.received.empty())

    def test_unreachable_callback_is_tried_once(self) -> None:
        double = self.start()
        body = sample()
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            body["service"] = {"callback_url": f"http://127.0.0.1:{probe.getsockname()[1]}/cb"}
            double.send(body, double.token())
            double.wait_for(lambda j: j["counts"]["callbacks_sent"] == 1)
        self.assertIn("CALLBACK", double.log())


if __name__ == "__main__":
    # scripts/test counts the results from the same summary lines GoogleTest prints.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from unittest_summary import run  # tests/unittest_summary.py
    sys.exit(run(sys.modules[__name__]))
