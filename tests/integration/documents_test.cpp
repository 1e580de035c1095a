// Document packages end to end on the real broker and database: an organization buyer's shipment
// and refund give numbered packages with their files, on the topic, in the documents folder and
// in PostgreSQL; two workers and kill -9 leave every numbering sequence gapless and unique.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/mailer.hpp"
#include "contract/encoding.hpp"
#include "contract/schema.hpp"
#include "harness.hpp"
#include "render/fns_xml.hpp"

namespace kassa::testing {
namespace {

using nlohmann::json;

const std::string kMerchant = "5a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const std::string kOrder = "7b000000-0000-4000-8000-000000000001";

json event(const std::string& type, const std::string& event_id, const char* occurred_at) {
  return {{"event_id", event_id},       {"event_type", type}, {"schema_version", 1},
          {"occurred_at", occurred_at}, {"order_id", kOrder}, {"merchant_id", kMerchant}};
}

// An organization buys two kettles (goods, 22%) and a setup (service, no VAT): 250.00 RUB.
std::string legal_payment(const std::string& email = "buh@romashka.example.ru") {
  json p =
      event("payment.succeeded", "7b000000-0000-4000-8000-0000000000a1", "2026-02-10T09:00:00Z");
  p["payment_id"] = "pay-1";
  p["merchant_order_id"] = "B2B-1001";
  p["amount"] = 25000;
  p["currency"] = "RUB";
  p["customer"] = {{"type", "legal"},
                   {"name", "ООО «Ромашка»"},
                   {"inn", "7707083893"},
                   {"kpp", "770701001"},
                   {"email", email}};
  p["items"] = {{{"sku", "KETTLE"},
                 {"name", "Электрочайник Polaris PWK 1725"},
                 {"quantity", "2"},
                 {"measure", "шт"},
                 {"measure_code", "796"},
                 {"price", 10000},
                 {"total_amount", 20000},
                 {"vat_code", "RUS_VAT22"},
                 {"type", "commodity"}},
                {{"sku", "SETUP"},
                 {"name", "Настройка оборудования"},
                 {"quantity", "1"},
                 {"measure", "усл"},
                 {"measure_code", "876"},
                 {"price", 5000},
                 {"total_amount", 5000},
                 {"vat_code", "VATNONE"},
                 {"type", "service"}}};
  return p.dump();
}

std::string legal_shipment() {
  json s =
      event("shipment.confirmed", "7b000000-0000-4000-8000-0000000000b1", "2026-02-14T12:00:00Z");
  s["shipment_id"] = "ship-1";
  s["document_number"] = "УПД-17";
  s["document_date"] = "2026-02-14";
  return s.dump();  // no items: everything ships
}

std::string legal_refund() {
  json r =
      event("refund.succeeded", "7b000000-0000-4000-8000-0000000000c1", "2026-02-20T15:30:00Z");
  r["refund_id"] = "refund-1";
  r["amount"] = 10000;
  r["items"] = {{{"sku", "KETTLE"}, {"quantity", "1"}, {"amount", 10000}}};
  r["reason"] = "Брак";
  return r.dump();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// pdftotext's text of a PDF, with every run of whitespace made one space, so that a phrase that
// the layout wrapped onto two lines is still found.
std::string pdf_text(const std::string& path) {
  const std::string raw = command_output("pdftotext -layout '" + path + "' - 2>/dev/null");
  std::string text;
  for (const char c : raw) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r';
    if (space && (text.empty() || text.back() == ' ')) continue;
    text += space ? ' ' : c;
  }
  return text;
}

// The messages the SMTP sink received for `recipient`, parsed by Python's email package (a real
// MIME parser, not kassa's own code): subject, sender, Message-ID, the letter, and each
// attachment's name, type and sha256.
json mails_to(const std::string& recipient) {
  const std::string script = R"(
import email, email.policy, glob, hashlib, json, sys
out = []
for path in sorted(glob.glob(sys.argv[1] + "/new/*") + glob.glob(sys.argv[1] + "/cur/*")):
    with open(path, "rb") as raw:  # the bytes as received, not re-serialized by mailbox
        parsed = email.message_from_bytes(raw.read(), policy=email.policy.default)
    if parsed["To"] != sys.argv[2]:
        continue
    item = {"subject": str(parsed["Subject"]), "from": str(parsed["From"]),
            "message_id": str(parsed["Message-ID"]), "attachments": []}
    for part in parsed.walk():
        if part.get_content_disposition() == "attachment":
            data = part.get_payload(decode=True)
            item["attachments"].append({"name": part.get_filename(), "type": part.get_content_type(),
                                        "sha256": hashlib.sha256(data).hexdigest()})
        elif part.get_content_type() == "text/plain":
            item["text"] = part.get_content()
    out.append(item)
print(json.dumps(out, ensure_ascii=False))
)";
  const std::string path = "/tmp/kassa-it-mails.py";
  std::ofstream(path) << script;
  return json::parse(command_output("/usr/bin/python3 " + path + " '" + smtp_sink_maildir() +
                                    "' '" + recipient + "'"),
                     nullptr, false);
}

int run_cli(const std::vector<std::string>& args, const app::Config& config) {
  std::vector<std::string> argv = {kassa_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  Process process(argv, Sandbox::environment(config));
  return process.wait();
}

TEST(Documents, AnOrganizationGetsNumberedPackagesWithTheirFilesAndNoReceipts) {
  Sandbox box("docs");
  box.config.smtp_addr = smtp_sink_addr();
  const std::string buyer_email = "buh+" + box.database() + "@romashka.example.ru";
  // The merchant in the registry, with its EDO participant id (the FNS XML's sender).
  const std::string kMerchantEdo = "2BM-7736207543-773601001-201801010000000000000";
  box.execute(
      "INSERT INTO kassa.merchants (merchant_id, supplier_inn, supplier_name, "
      "supplier_kpp, edo_participant_id) VALUES ('" +
      kMerchant + "', '7736207543', 'ООО «Чайный дом»', '773601001', '" + kMerchantEdo + "')");
  box.publish_raw(box.config.topic_payments, kOrder, legal_payment(buyer_email));
  box.publish_raw(box.config.topic_shipments, kOrder, legal_shipment());
  box.publish_raw(box.config.topic_refunds, kOrder, legal_refund());
  const auto summary = box.run_until_caught_up();
  EXPECT_EQ(summary.counts.applied, 3);

  EXPECT_EQ(box.scalar(box.config, "SELECT count(*) FROM kassa.receipts"), 0);
  const auto documents = box.query(
      "SELECT p.kind, d.document_type, d.number, d.document_date::text, d.total, d.vat "
      "FROM kassa.documents d JOIN kassa.packages p USING (package_id) "
      "ORDER BY p.issued_at, d.document_type");
  // Shipment: the agent's report (both lines), the act (setup), the TORG-12 (kettles:
  // 20 000 × 22/122 = 3 606.56 -> 3 607); refund: one kettle reverses the settlement (22%:
  // 10 000 × 22/122 = 1 803.28 -> 1 803). Each the first of its sequence.
  const std::vector<std::string> expected = {
      "shipment_package act 1 2026-02-14 5000 0",
      "shipment_package agent_report 1 2026-02-14 25000 3607",
      "shipment_package torg12 1 2026-02-14 20000 3607",
      "refund_package refund_report 1 2026-02-20 10000 1803",
  };
  ASSERT_EQ(documents.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    std::string row;
    for (const auto& field : documents[i])
      row += (row.empty() ? "" : " ") + field.as<std::string>();
    EXPECT_EQ(row, expected[i]);
  }

  // On the topic: two packages, valid against the contract's schema, files as promised.
  contract::SchemaValidator schema("package.v1.json");
  const auto messages = box.read_topic(box.config.topic_documents);
  ASSERT_EQ(messages.size(), 2u);
  for (const auto& m : messages) {
    EXPECT_EQ(m.key, kOrder);
    const json package = json::parse(m.value);
    const auto problems = schema.problems(package);
    EXPECT_FALSE(problems) << *problems;
    const std::string folder = box.config.documents_dir + "/" + kMerchant + "/" +
                               package.at("package_id").get<std::string>();
    for (const auto& d : package.at("documents")) {
      const std::string pdf = folder + "/" + d.at("pdf_file").get<std::string>();
      EXPECT_EQ(contract::sha256_hex(read_file(pdf)), d.at("pdf_sha256")) << pdf;
      if (d.contains("xml_file")) {
        const std::string xml = folder + "/" + d.at("xml_file").get<std::string>();
        EXPECT_EQ(contract::sha256_hex(read_file(xml)), d.at("xml_sha256")) << xml;
        EXPECT_EQ(read_file(xml).rfind("<?xml version=\"1.0\" encoding=\"windows-1251\"?>", 0), 0u);
        // A УПД (ДОП) from the merchant's EDO id to the buyer's placeholder, valid against the
        // tax service's XSD.
        EXPECT_EQ(
            d.at("xml_file")
                .get<std::string>()
                .rfind("ON_NSCHFDOPPR_7707083893-770701001_" + kMerchantEdo + "_20260214_", 0),
            0u)
            << d.at("xml_file");
        const auto problems = render::validate_xml(
            read_file(xml),
            render::fns_schema_path(*core::parse_document_type(d.at("type").get<std::string>())));
        EXPECT_TRUE(problems.empty()) << xml << ": " << ::testing::PrintToString(problems);
      }
      const std::string text = pdf_text(pdf);
      EXPECT_NE(text.find("ООО «Ромашка»"), std::string::npos) << pdf << ": " << text;
      EXPECT_NE(text.find("7707083893"), std::string::npos) << pdf;
      EXPECT_NE(text.find("770701001"), std::string::npos) << pdf;
      const std::string type = d.at("type");
      const char* words = type == "agent_report" ? "Двести пятьдесят рублей 00 копеек"
                          : type == "act"    ? "Пятьдесят рублей 00 копеек"
                          : type == "torg12" ? "Двести рублей 00 копеек"
                                             : "Сто рублей 00 копеек";
      EXPECT_NE(text.find(words), std::string::npos) << pdf << ": " << text;
    }
  }

  // By e-mail to the buyer: one message per package, with every file of the package attached.
  const json mails = mails_to(buyer_email);
  ASSERT_TRUE(mails.is_array()) << "could not read the SMTP sink's maildir " << smtp_sink_maildir();
  ASSERT_EQ(mails.size(), 2u) << mails.dump();
  std::map<std::string, json> by_subject;
  for (const auto& m : mails) by_subject[m.at("subject")] = m;
  ASSERT_TRUE(by_subject.count("Документы по заказу № B2B-1001 от 14.02.2026")) << mails.dump();
  ASSERT_TRUE(by_subject.count("Документы о возврате по заказу № B2B-1001 от 20.02.2026"))
      << mails.dump();
  for (const auto& m : messages) {
    const json package = json::parse(m.value);
    const json& mail = by_subject[package.at("kind") == "shipment_package"
                                      ? "Документы по заказу № B2B-1001 от 14.02.2026"
                                      : "Документы о возврате по заказу № B2B-1001 от 20.02.2026"];
    EXPECT_NE(mail.at("from").get<std::string>().find("documents@invoicebox.ru"),
              std::string::npos);
    std::map<std::string, std::string> attached;
    for (const auto& a : mail.at("attachments")) attached[a.at("name")] = a.at("sha256");
    std::size_t files = 0;
    for (const auto& d : package.at("documents")) {
      EXPECT_EQ(attached[d.at("pdf_file")], d.at("pdf_sha256")) << d.at("pdf_file");
      ++files;
      if (d.contains("xml_file")) {
        EXPECT_EQ(attached[d.at("xml_file")], d.at("xml_sha256")) << d.at("xml_file");
        ++files;
      }
      EXPECT_NE(mail.at("text").get<std::string>().find("№ " + d.at("number").get<std::string>()),
                std::string::npos);
    }
    EXPECT_EQ(attached.size(), files);
  }
  EXPECT_EQ(
      box.scalar(box.config, "SELECT count(*) FROM kassa.mail_outbox WHERE sent_at IS NOT NULL"),
      2);

  // The commands an operator uses.
  const std::string package_id =
      box.query("SELECT package_id::text FROM kassa.packages WHERE kind = 'shipment_package'")[0][0]
          .as<std::string>();
  EXPECT_EQ(run_cli({"documents", "show", kOrder}, box.config), 0);
  const std::string out = box.config.documents_dir + "/rendered";
  EXPECT_EQ(run_cli({"documents", "render", package_id, "--out", out}, box.config), 0)
      << "rendered again, every file must be byte-identical to the one issued";
  for (const char* name : {"agent_report_1.pdf", "act_1.pdf", "torg12_1.pdf"})
    EXPECT_EQ(read_file(out + "/" + name),
              read_file(box.config.documents_dir + "/" + kMerchant + "/" + package_id + "/" + name))
        << name;
  EXPECT_EQ(run_cli({"documents", "check"}, box.config), 0);
}

TEST(Documents, BadRequisitesAreDeadLetteredWithTheirCode) {
  Sandbox box("requisites");
  json bad_inn = json::parse(legal_payment());
  bad_inn["customer"]["inn"] = "7707083890";  // check digit 3 expected
  json bad_kpp = json::parse(legal_payment());
  bad_kpp["order_id"] = "7b000000-0000-4000-8000-000000000002";
  bad_kpp["event_id"] = "7b000000-0000-4000-8000-0000000000a2";
  bad_kpp["customer"]["kpp"] = "77070100";
  box.publish_raw(box.config.topic_payments, kOrder, bad_inn.dump());
  box.publish_raw(box.config.topic_payments, bad_kpp["order_id"].get<std::string>(),
                  bad_kpp.dump());
  box.run_until_caught_up();
  std::map<std::string, std::string> codes;
  for (const auto& m : box.read_topic(box.config.topic_dlq)) {
    const json letter = json::parse(m.value);
    codes[m.key.value_or("")] = letter.at("error_code");
  }
  EXPECT_EQ(codes[kOrder], "invalid_inn");
  EXPECT_EQ(codes["7b000000-0000-4000-8000-000000000002"], "invalid_kpp");
  EXPECT_EQ(box.scalar(box.config, "SELECT count(*) FROM kassa.orders"), 0);
}

TEST(Documents, AnUnreachableMailServerIsRetriedAndTheMailIsNotLost) {
  Sandbox box("mailretry");
  box.config.smtp_addr = "127.0.0.1:1";  // nothing listens there
  const std::string buyer_email = "retry+" + box.database() + "@romashka.example.ru";
  box.publish_raw(box.config.topic_payments, kOrder, legal_payment(buyer_email));
  box.publish_raw(box.config.topic_shipments, kOrder, legal_shipment());
  box.run_until_caught_up();
  const auto queued = box.query(
      "SELECT attempts, sent_at IS NULL, failed_at IS NULL, last_error, "
      "next_attempt_at > now() FROM kassa.mail_outbox");
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0][0].as<int>(), 1);
  EXPECT_TRUE(queued[0][1].as<bool>()) << "not sent";
  EXPECT_TRUE(queued[0][2].as<bool>()) << "not given up either: the server may come back";
  EXPECT_NE(queued[0][3].as<std::string>().find("cannot connect"), std::string::npos);
  EXPECT_TRUE(queued[0][4].as<bool>()) << "retried later, not in a tight loop";
  EXPECT_TRUE(mails_to(buyer_email).empty());

  // The server is back and the retry is due: the next round sends the very message queued.
  {
    pqxx::connection connection(box.config.pg_dsn);
    pqxx::work tx(connection);
    tx.exec("UPDATE kassa.mail_outbox SET next_attempt_at = now()");
    tx.commit();
  }
  app::Config back = box.config;
  back.smtp_addr = smtp_sink_addr();
  app::Mailer mailer(back, nullptr);
  std::atomic<bool> stop{false};
  mailer.drain(stop);
  EXPECT_EQ(box.scalar(box.config,
                       "SELECT count(*) FROM kassa.mail_outbox WHERE sent_at IS NOT NULL "
                       "AND attempts = 2 AND last_error IS NULL"),
            1);
  const json mails = mails_to(buyer_email);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].at("attachments").size(), 5u);  // 3 PDFs, the act's and TORG-12's XML
}

// A mailer killed right after the SMTP server accepted a message, before it recorded the send:
// that one message goes again (the same bytes and Message-ID, which mail systems recognise), and
// none accepted before it in the same round does. Each message has its own transaction; with one
// transaction for a round of 20, all three below went twice.
TEST(Documents, AMailerKilledAfterTheServerAcceptedResendsThatMessageOnly) {
  Sandbox box("mailkill");
  box.config.smtp_addr = "127.0.0.1:1";  // queue first: nothing listens there
  const std::string buyer_email = "kill+" + box.database() + "@romashka.example.ru";
  for (int n = 0; n < 3; ++n) {
    char order[40];
    std::snprintf(order, sizeof order, "7c000000-0000-4000-8000-%012d", n);
    auto payment = json::parse(legal_payment(buyer_email));
    payment["order_id"] = order;
    payment["event_id"] = "7d000000-0000-4000-8000-00000000000" + std::to_string(n);
    payment["payment_id"] = "pay-kill-" + std::to_string(n);
    auto shipment = json::parse(legal_shipment());
    shipment["order_id"] = order;
    shipment["event_id"] = "7e000000-0000-4000-8000-00000000000" + std::to_string(n);
    shipment["shipment_id"] = "ship-kill-" + std::to_string(n);
    box.publish_raw(box.config.topic_payments, order, payment.dump());
    box.publish_raw(box.config.topic_shipments, order, shipment.dump());
  }
  box.run_until_caught_up();
  ASSERT_EQ(box.scalar("SELECT count(*) FROM kassa.mail_outbox WHERE sent_at IS NULL"), 3);
  box.execute("UPDATE kassa.mail_outbox SET next_attempt_at = now()");

  // The server accepts the third message, and the process dies before recording it.
  app::Config live = box.config;
  live.smtp_addr = smtp_sink_addr();
  Process dying({kassa_binary(), "run"},
                Sandbox::environment(live, {{"KASSA_FAULT", "mail_after_send@3"}}));
  ASSERT_EQ(dying.wait_for(std::chrono::seconds(90)), std::optional<int>(86));
  EXPECT_EQ(mails_to(buyer_email).size(), 3u);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.mail_outbox WHERE sent_at IS NOT NULL"), 2)
      << "the two accepted before are recorded";

  app::Mailer mailer(live, nullptr);
  std::atomic<bool> stop{false};
  mailer.drain(stop);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.mail_outbox WHERE sent_at IS NOT NULL"), 3);
  const json mails = mails_to(buyer_email);
  ASSERT_TRUE(mails.is_array());
  std::map<std::string, int> copies;
  for (const auto& m : mails) ++copies[m.at("message_id").get<std::string>()];
  EXPECT_EQ(copies.size(), 3u) << mails.dump();
  int twice = 0;
  for (const auto& [id, n] : copies) {
    EXPECT_LE(n, 2) << id;
    if (n == 2) ++twice;
  }
  EXPECT_EQ(twice, 1) << "only the message the crash interrupted went again";
  EXPECT_EQ(mails.size(), 4u);
}

long committed_offsets(Sandbox& box, const app::Config& config) {
  return box.scalar(config, "SELECT coalesce(sum(next_offset), 0) FROM kassa.consumer_offsets");
}

// Two workers share the partitions of one group and one database, and draw numbers from the same
// merchants' sequences; one of them, or both, die by SIGKILL again and again. Every sequence must
// still hold exactly 1..n, every package be issued once, and every copy on the topic be the same.
TEST(Documents, TwoWorkersAndKillNinesKeepEveryNumberingSequenceGaplessAndUnique) {
  Sandbox box("numbering");
  gen::Options options;
  options.seed = 7;
  options.orders = 700;
  options.legal_share = 0.7;
  const auto stream = gen::generate(options);
  box.publish(stream.messages);
  // Every message but the merchants table's, which is read whole and never committed.
  const long total = static_cast<long>(
      std::count_if(stream.messages.begin(), stream.messages.end(),
                    [](const gen::Message& m) { return m.stream != gen::Stream::merchants; }));

  app::Config config = box.config;
  config.batch_max_messages = 15;  // many small transactions: many moments to die in
  auto environment = [&](const std::string& instance) {
    return Sandbox::environment(config, {{"KASSA_KAFKA_GROUP_INSTANCE_ID", instance},
                                         {"KASSA_KAFKA_SESSION_TIMEOUT_MS", "6000"}});
  };
  std::mt19937_64 random(20261125);
  long committed = 0;
  int rounds_with_progress = 0;
  for (int round = 0; round < 6 && committed < total; ++round) {
    Process a({kassa_binary(), "run"}, environment("worker-a"));
    Process b({kassa_binary(), "run"}, environment("worker-b"));
    const long target = std::min(total, committed + 60 + static_cast<long>(random() % 200));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    long now = committed;
    while (now < target && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      now = committed_offsets(box, config);
    }
    rounds_with_progress += now > committed ? 1 : 0;
    committed = now;
    // Kill one, let the other take over its partitions for a moment, then kill it too.
    Process& first = round % 2 == 0 ? a : b;
    Process& second = round % 2 == 0 ? b : a;
    first.kill_hard();
    EXPECT_EQ(first.wait(), 128 + SIGKILL);
    const long before = committed;
    const auto pause = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (committed_offsets(box, config) < std::min(total, before + 30) &&
           std::chrono::steady_clock::now() < pause)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    second.kill_hard();
    EXPECT_EQ(second.wait(), 128 + SIGKILL);
    committed = committed_offsets(box, config);
  }
  EXPECT_GE(rounds_with_progress, 3);
  Process finish({kassa_binary(), "run", "--until-caught-up"}, environment("worker-a"));
  EXPECT_EQ(finish.wait(), 0);
  EXPECT_EQ(committed_offsets(box, config), total);

  // One package per applied shipment or refund of an organization's order.
  const long packages = box.scalar(config, "SELECT count(*) FROM kassa.packages");
  EXPECT_GT(packages, 300);
  EXPECT_EQ(packages,
            box.scalar(config,
                       "SELECT count(*) FROM kassa.ledger l JOIN kassa.orders o USING (order_id) "
                       "WHERE o.customer_type = 'legal' AND l.kind IN ('shipment', 'refund')"));
  // Every sequence holds 1..n exactly, and its counter stands at n.
  EXPECT_EQ(box.scalar(config,
                       "SELECT count(*) FROM ("
                       "  SELECT merchant_id, document_type, year FROM kassa.documents "
                       "  GROUP BY 1, 2, 3 "
                       "  HAVING count(*) <> count(DISTINCT number) OR min(number) <> 1 "
                       "     OR max(number) <> count(*)) AS bad"),
            0);
  EXPECT_EQ(box.scalar(config,
                       "SELECT count(*) FROM kassa.document_counters c WHERE last_number <> "
                       "(SELECT count(*) FROM kassa.documents d WHERE (d.merchant_id, "
                       "d.document_type, d.year) = (c.merchant_id, c.document_type, c.year))"),
            0);
  EXPECT_GT(box.scalar(config, "SELECT count(*) FROM kassa.document_counters"), 10);
  EXPECT_EQ(run_cli({"documents", "check"}, config), 0);

  // On the topic: every package once or more, copies byte-identical, none invented.
  std::map<std::string, std::string> by_id;
  for (const auto& m : box.read_topic(config.topic_documents)) {
    const std::string id = json::parse(m.value).at("package_id");
    const auto [it, first] = by_id.emplace(id, m.value);
    EXPECT_TRUE(first || it->second == m.value) << id << ": a second copy must be identical";
  }
  EXPECT_EQ(static_cast<long>(by_id.size()), packages);

  // Both workers rendered side by side, yet each order's packages first reached the topic in
  // the order they were numbered.
  std::map<std::string, std::int64_t> seq_of;
  for (const auto& row : box.query(config, "SELECT package_id::text, seq FROM kassa.packages"))
    seq_of[row[0].as<std::string>()] = row[1].as<std::int64_t>();
  std::map<std::string, std::int64_t> last_seq_of_order;
  std::set<std::string> seen;
  for (const auto& m : box.read_topic(config.topic_documents)) {
    const auto message = json::parse(m.value);
    const std::string id = message.at("package_id");
    if (!seen.insert(id).second) continue;
    auto& last = last_seq_of_order[message.at("order_id").get<std::string>()];
    EXPECT_GT(seq_of.at(id), last) << id << " overtook an earlier package of its order";
    last = seq_of.at(id);
  }
}

}  // namespace
}  // namespace kassa::testing
