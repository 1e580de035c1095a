#!/usr/bin/env python3
"""Compares a chaos run of kassa with an uninterrupted reference run over the same events.

Called by scripts/chaos. Reads both databases (psql), both sets of output topics (kcat), both
documents folders and both maildirs, and prints one line per table, topic, folder and check with
what was compared and how many differences were found, then the first differences. Exit 0 when
there are none, 1 otherwise.

What legitimately differs between two runs, and is therefore left out, is said where it is left
out. Document numbers are the one business value among them: kassa numbers documents in the order
it applies events, and across partitions that order depends on how messages were batched (README,
"Backfills"), so a merchant's numbers may come out permuted. The chaos run's numbers are checked on
their own (every sequence exactly 1..n, the counters at n, n as in the reference), and a package
whose numbers differ from the reference's is compared with its numbers and what derives from them
(file names and hashes, the e-mail's bytes) masked; one whose numbers agree is compared byte for
byte.
"""

import argparse
import collections
import email
import email.policy
import hashlib
import json
import os
import subprocess
import sys
import tempfile

PSQL = os.environ.get("KASSA_PG_BIN", "/usr/lib/postgresql/15/bin") + "/psql"
KINDS = ("receipts", "documents", "dlq")

# Columns that say when or how often something happened, not what: they differ between any two
# runs. Per table; every other column is compared.
EXCLUDED = {
    # updated_at: wall clock of the last write; version: +1 per batch that wrote the order, so it
    # counts batches, and batch boundaries move with every crash and rebalance.
    "orders": ["updated_at", "version"],
    "inbox": ["received_at", "updated_at"],  # wall clock
    "ledger": ["recorded_at"],  # wall clock
    "rejections": ["failed_at"],  # the time kassa refused the message (contract section 3)
    "receipts": ["recorded_at"],  # wall clock
    "merchant_versions": ["recorded_at"],  # wall clock
    "payouts": ["recorded_at"],  # wall clock
    # seq: order of issue across all merchants (batching); the times are wall clock. body: with
    # its numbers masked where they differ (mask_numbers).
    "packages": ["seq", "recorded_at", "rendered_at"],
    "documents": ["number"],  # checked by check_numbering
    "document_counters": ["updated_at"],  # wall clock
    # (document_files: name (agent_report_<n>.pdf), sha256 and bytes carry the number; they are
    # compared only where the numbers agree, compare_tables.)
    # mail_outbox: id: insertion order; created_at, attempts, next_attempt_at, last_error,
    # sent_at: the delivery history, which faults change by design (retries). message: compared
    # where the numbers agree.
    "mail_outbox": ["id", "created_at", "attempts", "next_attempt_at", "last_error", "sent_at"],
    # id: insertion order (batching); the rest: the relay's delivery history (a broker restart
    # makes rows wait and retry). failed_at (parked) is compared: it must be null in both.
    "outbox": ["id", "created_at", "published_at", "attempts", "last_error", "next_attempt_at"],
    "consumer_offsets": ["group_id", "updated_at"],  # each run has its own group
    "schema_version": ["applied_at"],
    # The gateway does not run in a chaos run: every row waits, made when its receipt was.
    "registrations": ["next_attempt_at", "created_at"],
}
# Tables keyed otherwise than by their primary key (a serial id says nothing across runs).
KEYS = {
    "outbox": ["message_id"],
    "mail_outbox": ["message_id"],
    "document_files": ["package_id", "document_type", "media_type"],
    "consumer_offsets": ["topic", "partition"],
}


class Report:
    def __init__(self):
        self.lines = []  # (check, compared, differences, note)
        self.first = []  # the first differences, as text

    def check(self, name, compared, problems, note=""):
        self.lines.append((name, compared, len(problems), note))
        for p in problems[: max(0, 25 - len(self.first))]:
            self.first.append(f"{name}: {p}")

    @property
    def differences(self):
        return sum(n for _, _, n, _ in self.lines)


def psql(dsn, sql):
    out = subprocess.run([PSQL, "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", dsn,
                          "-c", sql], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def columns(dsn, table):
    rows = psql(dsn, "SELECT column_name, data_type FROM information_schema.columns "
                     f"WHERE table_schema = 'kassa' AND table_name = '{table}' ORDER BY 1")
    return {name: kind for name, kind in rows}


def primary_key(dsn, table):
    rows = psql(dsn, "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = "
                     "i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indisprimary AND "
                     f"i.indrelid = 'kassa.{table}'::regclass ORDER BY a.attnum")
    return [r[0] for r in rows]


def table_rows(dsn, table, topics):
    """key -> row (a dict of the compared columns). bytea columns travel as md5, dead letters
    without their failed_at, output topics under the chaos run's names."""
    cols = columns(dsn, table)
    key = KEYS.get(table) or primary_key(dsn, table) or sorted(cols)
    plain = [c for c in cols if c not in EXCLUDED.get(table, []) and cols[c] != "bytea"]
    parts = [f"'{c}', t.{c}" for c in plain]
    for c in cols:
        if cols[c] != "bytea" or c in EXCLUDED.get(table, []):
            continue
        if table == "outbox" and c == "payload":
            # A dead letter names the time kassa refused the message (failed_at): left out.
            parts.append(f"'payload', CASE WHEN t.topic = '{topics['dlq']}' THEN "
                         "md5((convert_from(t.payload, 'UTF8')::jsonb - 'failed_at')::text) "
                         "ELSE md5(t.payload) END")
        else:
            parts.append(f"'{c}', md5(t.{c})")
    key_sql = " || '|' || ".join(f"t.{k}::text" for k in key)
    rows = {}
    for k, r in psql(dsn, f"SELECT {key_sql}, jsonb_build_object({', '.join(parts)})::text "
                          f"FROM kassa.{table} t"):
        row = json.loads(r)
        if table == "outbox":
            row["topic"] = {v: k for k, v in topics.items()}.get(row["topic"], row["topic"])
        rows[k] = row
    return rows


def mask_numbers(body):
    """A package message without its document numbers and what carries them."""
    package = json.loads(body)
    for d in package.get("documents", []):
        for field in ("number", "pdf_file", "pdf_sha256", "xml_sha256"):
            d.pop(field, None)
    return json.dumps(package, sort_keys=True, ensure_ascii=False)


def numbers(dsn):
    """package_id -> its documents' (type, number), and the sequences' numbers and counters."""
    by_package = collections.defaultdict(list)
    sequences = collections.defaultdict(list)
    for package, kind, merchant, year, number in psql(
            dsn, "SELECT package_id, document_type, merchant_id, year, number "
                 "FROM kassa.documents ORDER BY 1, 2"):
        by_package[package].append((kind, int(number)))
        sequences[(merchant, kind, year)].append(int(number))
    counters = {(m, k, y): int(n) for m, k, y, n in psql(
        dsn, "SELECT merchant_id, document_type, year, last_number FROM kassa.document_counters")}
    return by_package, sequences, counters


def compare_tables(report, ref_dsn, chaos_dsn, topics, same_numbers):
    tables = [r[0] for r in psql(chaos_dsn, "SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = 'kassa' AND table_type = "
                                            "'BASE TABLE' ORDER BY 1")]
    for table in tables:
        ref = table_rows(ref_dsn, table, topics["reference"])
        chaos = table_rows(chaos_dsn, table, topics["chaos"])
        problems = [f"{k}: missing in the chaos run" for k in sorted(ref.keys() - chaos.keys())]
        problems += [f"{k}: not in the reference" for k in sorted(chaos.keys() - ref.keys())]
        for k in sorted(ref.keys() & chaos.keys()):
            a, b = ref[k], chaos[k]
            package = a.get("package_id")
            renumbered = package is not None and package not in same_numbers
            if table == "packages" and renumbered:
                a, b = dict(a, body=mask_numbers(a["body"])), dict(b, body=mask_numbers(b["body"]))
            if table == "mail_outbox" and renumbered:
                a, b = dict(a, message=None), dict(b, message=None)
            if table == "document_files" and renumbered:
                a = dict(a, name=None, sha256=None, bytes=None)
                b = dict(b, name=None, sha256=None, bytes=None)
            if a != b:
                fields = sorted(f for f in a.keys() | b.keys() if a.get(f) != b.get(f))
                problems.append(f"{k}: {', '.join(fields)} differ: " + excerpt(
                    json.dumps({f: a.get(f) for f in fields}, ensure_ascii=False),
                    json.dumps({f: b.get(f) for f in fields}, ensure_ascii=False)))
        report.check(f"table kassa.{table}", len(ref), problems)
    for name, dsn in (("reference", ref_dsn), ("chaos", chaos_dsn)):
        bad = psql(dsn, "SELECT package_id, name FROM kassa.document_files "
                        "WHERE encode(sha256(bytes), 'hex') <> sha256")
        report.check(f"stored files match their sha256 ({name})",
                     int(psql(dsn, "SELECT count(*) FROM kassa.document_files")[0][0]),
                     [f"{p}/{n}: sha256 differs from the bytes" for p, n in bad])


def check_numbering(report, ref_sequences, sequences, counters):
    problems = []
    for seq, got in sorted(sequences.items()):
        if sorted(got) != list(range(1, len(got) + 1)):
            problems.append(f"{seq}: numbers are not 1..{len(got)} (gaps or repeats)")
        if counters.get(seq) != len(got):
            problems.append(f"{seq}: counter at {counters.get(seq)}, {len(got)} documents")
        if len(ref_sequences.get(seq, [])) != len(got):
            problems.append(f"{seq}: {len(got)} documents, reference "
                            f"{len(ref_sequences.get(seq, []))}")
    problems += [f"{seq}: sequence missing in the chaos run"
                 for seq in sorted(ref_sequences.keys() - sequences.keys())]
    report.check("document numbers 1..n, no gap or repeat",
                 sum(len(v) for v in sequences.values()), problems)


def read_topic(brokers, topic):
    out = subprocess.run(["kcat", "-b", brokers, "-C", "-t", topic, "-e", "-q", "-J"],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line]


def message_id(kind, value):
    body = json.loads(value)
    if kind == "receipts":
        return body["receipt_id"]
    if kind == "documents":
        return body["package_id"]
    return f"{body['source_topic']}/{body['partition']}/{body['offset']}"


def comparable(kind, value, renumbered):
    """What must equal the reference's: the bytes, except a dead letter's failed_at and a
    renumbered package's numbers."""
    if kind == "dlq":
        letter = json.loads(value)
        letter.pop("failed_at", None)
        return json.dumps(letter, sort_keys=True, ensure_ascii=False)
    if kind == "documents" and renumbered:
        return mask_numbers(value)
    return value


def read_published(brokers, topics):
    """run -> kind -> message id -> [(key, value)] in topic order."""
    published = {}
    for run in ("reference", "chaos"):
        published[run] = {}
        for kind in KINDS:
            by_id = collections.defaultdict(list)
            for m in read_topic(brokers, topics[run][kind]):
                by_id[message_id(kind, m["payload"])].append((m["key"], m["payload"]))
            published[run][kind] = by_id
    return published


def compare_topics(report, published, topics, same_numbers, chaos_dsn, truth):
    """Every id on the reference's topic is on the chaos run's and none other; every copy of an
    id is byte-identical to the others (the relay is at least once per message id, README
    "Outbox") and to the reference (as above). Repeated copies are counted, not failed."""
    repeats = {}
    for kind in KINDS:
        ref, chaos = published["reference"][kind], published["chaos"][kind]
        problems = [f"{i}: missing" for i in sorted(ref.keys() - chaos.keys())]
        problems += [f"{i}: not in the reference" for i in sorted(chaos.keys() - ref.keys())]
        for i in sorted(ref.keys() & chaos.keys()):
            for run, c in (("reference", ref[i]), ("chaos", chaos[i])):
                if len(set(c)) > 1:
                    problems.append(f"{i}: {len(set(c))} different copies on the {run} topic")
            renumbered = kind == "documents" and i not in same_numbers
            (ref_key, ref_value), (key, value) = ref[i][0], chaos[i][0]
            if key != ref_key or comparable(kind, value, renumbered) != comparable(
                    kind, ref_value, renumbered):
                problems.append(f"{i}: differs from the reference: " + excerpt(
                    comparable(kind, ref_value, renumbered), comparable(kind, value, renumbered)))
        repeats[kind] = sum(len(c) - 1 for c in chaos.values())
        note = f"{repeats[kind]} repeated identical copies" if repeats[kind] else ""
        report.check(f"topic {topics['chaos'][kind]}", len(ref), problems, note)

    # The published package bytes are the stored ones (the renderer wrote them once).
    stored = dict(psql(chaos_dsn, "SELECT package_id, body FROM kassa.packages"))
    chaos = published["chaos"]["documents"]
    report.check("published packages = kassa.packages.body (chaos)", len(chaos),
                 [f"{i}: published bytes differ from the stored body"
                  for i, c in sorted(chaos.items()) if c[0][1] != stored.get(i)])
    # Each malformed event the generator made is dead-lettered once, with its code.
    rejected = truth["stream"]["rejected"]
    codes = collections.Counter(json.loads(c[0][1])["error_code"]
                                for c in published["chaos"]["dlq"].values())
    wrong = [f"{code}: {codes.get(code, 0)} dead letters, the generator made {n}"
             for code, n in sorted(rejected.items()) if codes.get(code, 0) != n]
    wrong += [f"{code}: {n} dead letters the generator did not make"
              for code, n in sorted(codes.items()) if code not in rejected]
    report.check("malformed events in the DLQ once each (truth)", sum(rejected.values()), wrong)
    return repeats


def check_renumbered(report, chaos_dsn, packages, same_numbers, kassa, sample=25):
    """A renumbered package cannot be compared with the reference byte for byte. Its message is
    compared with the numbers masked (above); here its numbers must be those kassa.documents
    gave, and for a sample its files must be what kassa renders for it (`kassa documents
    render` draws them again from the stored package and exits 1 unless every file is
    byte-identical to the one issued)."""
    given = collections.defaultdict(dict)
    for package, kind, number in psql(chaos_dsn, "SELECT package_id, document_type, number "
                                                 "FROM kassa.documents"):
        given[package][kind] = number
    problems = []
    for i, copies in sorted(packages.items()):
        carried = {d["type"]: d["number"] for d in json.loads(copies[0][1])["documents"]}
        if carried != given.get(i):
            problems.append(f"{i}: the message's numbers {carried}, kassa.documents {given.get(i)}")
    report.check("package messages carry kassa.documents' numbers", len(packages), problems)

    renumbered = sorted(packages.keys() - same_numbers)
    chosen = renumbered[:: max(1, len(renumbered) // sample)][:sample]
    problems = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("KASSA_")}
    env["KASSA_PG_DSN"] = chaos_dsn
    for package in chosen:
        with tempfile.TemporaryDirectory() as out:
            done = subprocess.run([*kassa, "documents", "render", package, "--out", out], env=env,
                                  capture_output=True, text=True)
        if done.returncode != 0:
            problems.append(f"{package}: rendered again, not identical: "
                            f"{short((done.stdout + done.stderr).strip())}")
    report.check("renumbered packages' files rendered again (sample)", len(chosen), problems)


def compare_folder(report, name, folder, messages):
    """The files each package message names are in the documents folder with that sha256, and
    nothing else is."""
    expected = {}
    for _, value in (c[0] for c in messages.values()):
        p = json.loads(value)
        for d in p["documents"]:
            for file, sha in ((d.get("pdf_file"), d.get("pdf_sha256")),
                              (d.get("xml_file"), d.get("xml_sha256"))):
                if file:
                    expected[os.path.join(p["merchant_id"], p["package_id"], file)] = sha
    found = {}
    for top, _, files in os.walk(folder):
        for f in files:
            path = os.path.join(top, f)
            with open(path, "rb") as fh:
                found[os.path.relpath(path, folder)] = hashlib.sha256(fh.read()).hexdigest()
    problems = [f"{p}: missing" for p in sorted(expected.keys() - found.keys())]
    problems += [f"{p}: not named by any package" for p in sorted(found.keys() - expected.keys())]
    problems += [f"{p}: sha256 differs from the package message's"
                 for p in sorted(expected.keys() & found.keys()) if expected[p] != found[p]]
    report.check(f"documents folder ({name})", len(expected), problems)


def read_maildir(folder):
    """Message-ID -> the copies received, each without the X-Peer line the sink adds (the
    client's port)."""
    mails = collections.defaultdict(list)
    for f in sorted(os.listdir(folder)):
        with open(os.path.join(folder, f), "rb") as fh:
            data = fh.read()
        head, _, _ = data.partition(b"\n\n")
        kept = [line for line in data.split(b"\n") if not line.startswith(b"X-Peer: ")]
        ident = email.message_from_bytes(head + b"\n\n")["Message-ID"].strip("<>").split("@")[0]
        mails[ident].append(b"\n".join(kept))
    return mails


def compare_mail(report, ref_dsn, chaos_dsn, ref_folder, chaos_folder, same_numbers, packages,
                 interruptions):
    """Each e-mail kassa queued was received once, identical to the reference's when the
    package's numbers agree, else with the package's own files attached. The mailer marks an
    e-mail sent in the commit after the server accepted it (at least once, README "Document
    packages"): a fault between the two sends that one e-mail again, so each interruption of a
    mailer may account for one identical second copy, and no more."""
    ref, chaos = read_maildir(ref_folder), read_maildir(chaos_folder)
    queued = {m: (p, r) for m, p, r in psql(chaos_dsn, "SELECT message_id, package_id, recipient "
                                                       "FROM kassa.mail_outbox")}
    ref_queued = {r[0] for r in psql(ref_dsn, "SELECT message_id FROM kassa.mail_outbox")}
    problems = [f"{m}: queued, never received" for m in sorted(queued.keys() - chaos.keys())]
    problems += [f"{m}: received, never queued" for m in sorted(chaos.keys() - queued.keys())]
    problems += [f"{m}: queued by the reference only" for m in sorted(ref_queued - queued.keys())]
    problems += [f"{m}: {len(set(c))} different copies" for m, c in sorted(chaos.items())
                 if len(set(c)) > 1]
    again = {m: len(c) - 1 for m, c in chaos.items() if len(c) > 1}
    if sum(again.values()) > interruptions:
        problems += [f"{m}: received {n + 1} times ({sum(again.values())} resent e-mails, "
                     f"{interruptions} interruptions of a mailer)"
                     for m, n in sorted(again.items())]
    for m in sorted(queued.keys() & chaos.keys()):
        package, recipient = queued[m]
        mail = chaos[m][0]
        if package in same_numbers:
            if m not in ref or ref[m][0] != mail:
                problems.append(f"{m}: differs from the reference's e-mail")
            continue
        message = email.message_from_bytes(mail, policy=email.policy.default)
        attached = {a.get_filename(): hashlib.sha256(a.get_payload(decode=True)).hexdigest()
                    for a in message.iter_attachments()}
        files = {}
        if package not in packages:
            problems.append(f"{m}: its package {package} was never published")
            continue
        for d in json.loads(packages[package][0][1])["documents"]:
            files[d["pdf_file"]] = d["pdf_sha256"]
            if d.get("xml_file"):
                files[d["xml_file"]] = d["xml_sha256"]
        if message["To"] != recipient or attached != files:
            problems.append(f"{m}: recipient or attachments are not the package's")
    received = sum(len(c) for c in chaos.values())
    report.check("e-mails, each sent once", len(queued), problems,
                 f"{received} received, {sum(again.values())} resent after an interruption")


def excerpt(reference, chaos, width=60):
    """Both texts around their first difference."""
    at = next((i for i, (x, y) in enumerate(zip(reference, chaos)) if x != y),
              min(len(reference), len(chaos)))
    start = max(0, at - width // 2)
    cut = lambda t: ("..." if start else "") + t[start:start + width] + (
        "..." if len(t) > start + width else "")
    return f"reference {cut(reference)!r}, chaos {cut(chaos)!r}"


def short(value, limit=160):
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."


def main():
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument("--reference-dsn", required=True)
    a.add_argument("--chaos-dsn", required=True)
    a.add_argument("--brokers", required=True)
    a.add_argument("--reference-topics", required=True, help="receipts,documents,dlq")
    a.add_argument("--chaos-topics", required=True, help="receipts,documents,dlq")
    a.add_argument("--reference-documents", required=True)
    a.add_argument("--chaos-documents", required=True)
    a.add_argument("--reference-mail", required=True)
    a.add_argument("--chaos-mail", required=True)
    a.add_argument("--truth", required=True)
    a.add_argument("--kassa", required=True, help="the kassa binary")
    a.add_argument("--kassa-config", required=True, help="its --config file (the requisites)")
    a.add_argument("--mail-interruptions", type=int, required=True,
                   help="faults that may have cut a mailer off after the server accepted an e-mail")
    args = a.parse_args()
    topics = {"reference": dict(zip(KINDS, args.reference_topics.split(","))),
              "chaos": dict(zip(KINDS, args.chaos_topics.split(",")))}
    with open(args.truth, encoding="utf-8") as fh:
        truth = json.load(fh)

    report = Report()
    ref_numbers, ref_sequences, _ = numbers(args.reference_dsn)
    chaos_numbers, sequences, counters = numbers(args.chaos_dsn)
    same_numbers = {p for p, n in chaos_numbers.items() if ref_numbers.get(p) == n}
    compare_tables(report, args.reference_dsn, args.chaos_dsn, topics, same_numbers)
    check_numbering(report, ref_sequences, sequences, counters)
    published = read_published(args.brokers, topics)
    repeats = compare_topics(report, published, topics, same_numbers, args.chaos_dsn, truth)
    check_renumbered(report, args.chaos_dsn, published["chaos"]["documents"], same_numbers,
                     [args.kassa, "--config", args.kassa_config])
    for run in ("reference", "chaos"):
        compare_folder(report, run, getattr(args, f"{run}_documents"),
                       published[run]["documents"])
    compare_mail(report, args.reference_dsn, args.chaos_dsn, args.reference_mail, args.chaos_mail,
                 same_numbers, published["chaos"]["documents"], args.mail_interruptions)

    print(f"  {'compared':<52} {'rows/ids':>9} {'differences':>12}")
    for name, compared, n, note in report.lines:
        print(f"  {name:<52} {compared:>9} {n:>12}" + (f"   ({note})" if note else ""))
    renumbered = len(chaos_numbers) - len(same_numbers)
    print(f"  packages numbered otherwise than in the reference: {renumbered} of "
          f"{len(chaos_numbers)} (compared with their numbers masked)")
    print(f"  repeated identical copies on the output topics: "
          f"{', '.join(f'{k} {n}' for k, n in repeats.items())} (at least once per id: allowed)")
    print(f"  differences: {report.differences}")
    if report.first:
        print("first differences:")
        for line in report.first:
            print(f"  {line}")
    return 1 if report.differences else 0


if __name__ == "__main__":
    sys.exit(main())
