// End to end on the real broker and database: what kassa promises about delivery.
#include <gtest/gtest.h>

#include <algorithm>

#include <sys/wait.h>

#include <csignal>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "app/relay.hpp"
#include "contract/decode.hpp"
#include "harness.hpp"

namespace kassa::testing {
namespace {

using nlohmann::json;

// ---- hand-written events -------------------------------------------------------------------

const std::string kMerchant = "0b6f3c1e-2a4d-4e5f-8a9b-1c2d3e4f5a6b";

std::string payment(const std::string& order, const std::string& event, long amount = 20000) {
  return json{{"event_id", event},
              {"event_type", "payment.succeeded"},
              {"schema_version", 1},
              {"occurred_at", "2026-02-10T09:00:00Z"},
              {"order_id", order},
              {"merchant_id", kMerchant},
              {"payment_id", "pay-" + order.substr(24)},
              {"merchant_order_id", "A-" + order.substr(24)},
              {"amount", amount},
              {"currency", "RUB"},
              {"customer", {{"type", "private"}, {"email", "buyer@example.com"}}},
              {"items",
               {{{"sku", "KETTLE"},
                 {"name", "Электрочайник"},
                 {"quantity", "2"},
                 {"measure", "шт"},
                 {"measure_code", "796"},
                 {"price", 10000},
                 {"total_amount", 20000},
                 {"vat_code", "RUS_VAT22"},
                 {"type", "commodity"}}}}}
      .dump();
}

std::string shipment(const std::string& order, const std::string& event,
                     const std::string& sku = "KETTLE", const std::string& quantity = "1") {
  return json{{"event_id", event},
              {"event_type", "shipment.confirmed"},
              {"schema_version", 1},
              {"occurred_at", "2026-02-11T09:00:00Z"},
              {"order_id", order},
              {"merchant_id", kMerchant},
              {"shipment_id", "ship-" + event.substr(24)},
              {"document_number", "17"},
              {"document_date", "2026-02-11"},
              {"items", {{{"sku", sku}, {"quantity", quantity}}}}}
      .dump();
}

std::string uuid(int n) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "00000000-0000-4000-8000-%012d", n);
  return buffer;
}

// A digest of everything kassa wrote, for comparing two runs of the same stream.
std::string database_digest(Sandbox& box, const app::Config& config) {
  const char* queries[] = {
      "SELECT coalesce(md5(string_agg(order_id || ':' || state::text || ':' || paid_amount || ':' "
      "|| shipped_amount"
      " || ':' || refunded_amount || ':' || parked_count, ',' ORDER BY order_id)), '') FROM "
      "kassa.orders",
      "SELECT coalesce(md5(string_agg(event_id || ':' || kind || ':' || amount || ':' || "
      "occurred_at, ','"
      " ORDER BY event_id)), '') FROM kassa.ledger",
      "SELECT coalesce(md5(string_agg(event_id || ':' || status || ':' || fingerprint || ':' || "
      "source_offset, ','"
      " ORDER BY event_id)), '') FROM kassa.inbox",
      "SELECT coalesce(md5(string_agg(source_topic || source_partition || ':' || source_offset || "
      "':' || error_code,"
      " ',' ORDER BY source_topic, source_partition, source_offset)), '') FROM kassa.rejections",
      "SELECT count(*) || ':' || count(DISTINCT message_id) FROM kassa.outbox",
      "SELECT coalesce(md5(string_agg(receipt_id || ':' || kind || ':' || total || ':' || "
      "md5(body), ','"
      " ORDER BY receipt_id)), '') FROM kassa.receipts",
  };
  std::string out;
  for (const char* q : queries) out += box.query(config, q)[0][0].as<std::string>() + "|";
  return out;
}

void expect_ledger_matches_truth(Sandbox& box, const app::Config& config, const json& truth) {
  const auto& ledger = truth.at("ledger");
  EXPECT_EQ(box.scalar(config, "SELECT count(*) FROM kassa.ledger WHERE kind = 'payment'"),
            ledger.at("payments"));
  EXPECT_EQ(box.scalar(config,
                       "SELECT coalesce(sum(amount), 0) FROM kassa.ledger WHERE kind = 'payment'"),
            ledger.at("payments_amount"));
  EXPECT_EQ(box.scalar(config, "SELECT count(*) FROM kassa.ledger WHERE kind = 'shipment'"),
            ledger.at("shipments"));
  EXPECT_EQ(box.scalar(config, "SELECT count(*) FROM kassa.ledger WHERE kind = 'refund'"),
            ledger.at("refunds"));
  EXPECT_EQ(
      box.scalar(config, "SELECT coalesce(sum(amount), 0) FROM kassa.ledger WHERE kind = 'refund'"),
      ledger.at("refunds_amount"));
  EXPECT_EQ(box.scalar(config, "SELECT count(*) FROM kassa.ledger"),
            truth.at("stream").at("events_applied"));
  EXPECT_EQ(box.scalar(config, "SELECT coalesce(sum(parked_count), 0) FROM kassa.orders"),
            truth.at("stream").at("parked_forever"));
}

// ---- tests ---------------------------------------------------------------------------------

TEST(Pipeline, EveryEventAppliesOnceUnderDuplicateDelivery) {
  Sandbox box("dups");
  gen::Options options;
  options.seed = 7;
  options.orders = 400;
  options.duplicate_rate = 0.3;
  options.malformed_rate = 0.05;
  const auto stream = gen::generate(options);
  box.publish(stream.messages);
  box.publish(stream.messages);  // the whole stream delivered a second time, at new offsets

  // Two consumer loops in one process (KASSA_CONSUMERS=2) share the partitions.
  app::Config two_loops = box.config;
  two_loops.consumers = 2;
  const auto run = box.run_until_caught_up(two_loops);
  EXPECT_TRUE(run.caught_up);
  EXPECT_EQ(run.counts.messages,
            static_cast<std::int64_t>(2 * gen::count_order_messages(stream.messages)));
  EXPECT_EQ(run.counts.applied, stream.truth.at("stream").at("events_applied").get<std::int64_t>());
  expect_ledger_matches_truth(box, box.config, stream.truth);

  // Reading everything again in a new consumer group (a replay) changes nothing at all.
  const std::string before = database_digest(box, box.config);
  app::Config replay = box.config;
  replay.group_id += "-replay";
  const auto again = box.run_until_caught_up(replay);
  EXPECT_EQ(again.counts.applied, 0);
  EXPECT_EQ(database_digest(box, box.config), before);
}

TEST(Pipeline, ShipmentBeforeItsPaymentWaitsThenApplies) {
  Sandbox box("parked");
  const std::string order = uuid(1);
  box.publish_raw(box.config.topic_shipments, order, shipment(order, uuid(101)));
  auto first = box.run_until_caught_up();
  EXPECT_EQ(first.counts.parked, 1);
  EXPECT_EQ(box.scalar(box.config, "SELECT parked_count FROM kassa.orders"), 1);
  EXPECT_EQ(box.scalar(box.config, "SELECT count(*) FROM kassa.ledger"), 0);

  box.publish_raw(box.config.topic_payments, order, payment(order, uuid(100)));
  auto second = box.run_until_caught_up();
  EXPECT_EQ(second.counts.applied, 2) << "the payment and the shipment it released";
  EXPECT_EQ(second.counts.released, 1);
  EXPECT_EQ(box.scalar(box.config, "SELECT parked_count FROM kassa.orders"), 0);
  EXPECT_EQ(box.scalar(box.config, "SELECT amount FROM kassa.ledger WHERE kind = 'shipment'"),
            10000)
      << "1 of 2 kettles of a 200.00 line";
  EXPECT_EQ(box.scalar(box.config, "SELECT count(*) FROM kassa.inbox WHERE status = 'applied'"), 2);
}

TEST(Pipeline, BadEventsGoToTheDeadLetterTopicWithTheirCodeAndTheRestApply) {
  Sandbox box("dlq");
  const auto& c = box.config;
  struct Bad {
    std::string topic;
    std::optional<std::string> key;
    std::string value;
    std::string code;  // empty: a good event
  };
  const std::string a = uuid(1), b = uuid(2), d = uuid(4);
  json no_merchant = json::parse(payment(uuid(3), uuid(203)));
  no_merchant.erase("merchant_id");
  const std::vector<Bad> sequence = {
      {c.topic_payments, a, payment(a, uuid(201)), ""},
      {c.topic_payments, a, "{\"event_id\": \"truncated", "invalid_json"},
      {c.topic_payments, b, payment(b, uuid(202)), ""},
      {c.topic_payments, b, std::string("{\"bytes\": \"\xff\xfe\"}"), "invalid_encoding"},
      {c.topic_payments, uuid(3), no_merchant.dump(), "schema_violation"},
      {c.topic_payments, d, payment(d, uuid(204), 19999), "amount_mismatch"},
      {c.topic_payments, a, shipment(a, uuid(205)), "event_type_mismatch"},
      {c.topic_payments, uuid(9), payment(d, uuid(206)), "key_mismatch"},
      {c.topic_payments, a, json::parse(payment(a, uuid(207))).dump(),
       ""},  // new event, same payment_id: duplicate
      {c.topic_shipments, a, shipment(a, uuid(301), "KETTLE", "3"), "over_shipment"},
      {c.topic_shipments, b, shipment(b, uuid(302), "TOASTER"), "unknown_sku"},
      {c.topic_shipments, a, shipment(a, uuid(303), "KETTLE", "2"), ""},
  };
  for (const auto& m : sequence) box.publish_raw(m.topic, m.key, m.value);
  const auto run = box.run_until_caught_up();
  EXPECT_EQ(run.counts.rejected, 8);

  valijson::Schema schema;
  {
    const json document = json::parse(contract::schema_text("dead_letter.v1.json"));
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    parser.populateSchema(adapter, schema);
  }
  std::multiset<std::string> codes;
  for (const auto& m : box.read_topic(c.topic_dlq)) {
    const json letter = json::parse(m.value);
    valijson::Validator validator;
    valijson::adapters::NlohmannJsonAdapter target(letter);
    EXPECT_TRUE(validator.validate(schema, target, nullptr)) << m.value;
    codes.insert(letter.at("error_code").get<std::string>());
    EXPECT_FALSE(letter.at("error").get<std::string>().empty());
    if (letter.at("error_code") == "invalid_encoding") {
      EXPECT_EQ(letter.at("payload_encoding"), "base64");
    } else {
      // The original bytes travel with the reason.
      bool found = false;
      for (const auto& s : sequence)
        found = found || (s.value == letter.at("payload").get<std::string>());
      EXPECT_TRUE(found) << letter.dump();
    }
  }
  std::multiset<std::string> wanted;
  for (const auto& m : sequence)
    if (!m.code.empty()) wanted.insert(m.code);
  EXPECT_EQ(codes, wanted);
  EXPECT_EQ(box.scalar(c, "SELECT count(*) FROM kassa.rejections"), 8);
  // Good events around the bad ones: payments a and b, and the shipment of both kettles of a.
  EXPECT_EQ(box.scalar(c, "SELECT count(*) FROM kassa.ledger WHERE kind = 'payment'"), 2);
  EXPECT_EQ(box.scalar(c, "SELECT shipped_amount FROM kassa.orders WHERE order_id = '" + a + "'"),
            20000);
  EXPECT_EQ(run.counts.duplicates, 1) << "a second event with an existing payment_id";
}

// Waits (polling the database, bounded) until the chaos worker has committed `target` messages
// or exited; returns the committed count.
long wait_for_progress(Sandbox& box, const app::Config& config, Process& worker, long target) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  long committed = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    committed =
        box.scalar(config, "SELECT coalesce(sum(next_offset), 0) FROM kassa.consumer_offsets");
    if (committed >= target) break;
    if (::waitpid(worker.pid(), nullptr, WNOHANG) != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return committed;
}

TEST(Pipeline, StateAfterTenKillNinesEqualsAnUninterruptedRun) {
  Sandbox box("kill");
  gen::Options options;
  options.seed = 11;
  options.orders = 2500;
  const auto stream = gen::generate(options);
  box.publish(stream.messages);
  // Offsets of the order topics and the payouts' group; the merchants table commits none.
  const long total = static_cast<long>(
      std::count_if(stream.messages.begin(), stream.messages.end(),
                    [](const gen::Message& m) { return m.stream != gen::Stream::merchants; }));

  const app::Config reference = box.another_database("reference");
  box.run_until_caught_up(reference);

  app::Config chaos = box.another_database("chaos");
  chaos.batch_max_messages = 20;  // many small transactions: many moments to die in
  // Static membership: a restarted worker takes its partitions back at once.
  const auto env = Sandbox::environment(chaos, {{"KASSA_KAFKA_GROUP_INSTANCE_ID", "chaos-worker"},
                                                {"KASSA_KAFKA_SESSION_TIMEOUT_MS", "6000"}});
  std::mt19937_64 random(20261125);
  int mid_stream_kills = 0;
  long committed = 0;
  for (int kill = 0; kill < 10; ++kill) {
    Process worker({kassa_binary(), "run"}, env);
    const long target = committed + 40 + static_cast<long>(random() % 300);
    committed = wait_for_progress(box, chaos, worker, std::min(target, total));
    worker.kill_hard();
    EXPECT_EQ(worker.wait(), 128 + SIGKILL);
    if (committed < total) ++mid_stream_kills;
  }
  EXPECT_EQ(mid_stream_kills, 10)
      << "every kill should land while the stream is still being processed";
  Process finish({kassa_binary(), "run", "--until-caught-up"}, env);
  EXPECT_EQ(finish.wait(), 0);

  EXPECT_EQ(database_digest(box, chaos), database_digest(box, reference));
  expect_ledger_matches_truth(box, chaos, stream.truth);

  // On the topic: exactly one distinct receipt id per receipt issued, copies byte-identical.
  const long issued = box.scalar(chaos, "SELECT count(*) FROM kassa.receipts");
  EXPECT_GT(issued, 1000);
  EXPECT_EQ(issued, box.scalar(reference, "SELECT count(*) FROM kassa.receipts"));
  std::map<std::string, std::string> by_id;
  std::size_t copies = 0;
  for (const auto& m : box.read_topic(chaos.topic_receipts)) {
    ++copies;
    const std::string id = json::parse(m.value).at("receipt_id").get<std::string>();
    const auto [it, first] = by_id.emplace(id, m.value);
    EXPECT_TRUE(first || it->second == m.value) << id << ": a second copy must be byte-identical";
  }
  EXPECT_EQ(static_cast<long>(by_id.size()), issued) << "every receipt published, none invented";
  EXPECT_GE(copies, by_id.size());
  // One receipt per applied event of a private buyer (the generator's orders stay under 100
  // lines per event except the 100-line order's split lines, which add continuation receipts).
  EXPECT_GE(issued,
            box.scalar(chaos,
                       "SELECT count(*) FROM kassa.ledger l JOIN kassa.orders o USING (order_id) "
                       "WHERE o.customer_type = 'private'"));
}

TEST(Pipeline, RelayCrashAfterPublishingRepublishesTheSameBytes) {
  Sandbox box("relay");
  for (int i = 0; i < 5; ++i)
    box.publish_raw(box.config.topic_payments, uuid(i), "not json " + std::to_string(i));
  // The restarted worker takes over the crashed one's membership at once (static membership).
  box.config.kafka_extra = {{"group.instance.id", "relay-worker"}, {"session.timeout.ms", "6000"}};
  {
    Process crashing(
        {kassa_binary(), "run", "--until-caught-up"},
        Sandbox::environment(box.config, {{"KASSA_FAULT", "relay_after_publish"},
                                          {"KASSA_KAFKA_GROUP_INSTANCE_ID", "relay-worker"},
                                          {"KASSA_KAFKA_SESSION_TIMEOUT_MS", "6000"}}));
    EXPECT_EQ(crashing.wait(), 86)
        << "the fault hook ends the process right after Kafka acknowledged";
  }
  // Whatever the relay had published when it died, none of it was marked.
  const long written = box.scalar(box.config, "SELECT count(*) FROM kassa.outbox");
  EXPECT_GE(written, 1);
  EXPECT_EQ(box.scalar(box.config, "SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL"),
            written);
  const std::size_t before_restart = box.read_topic(box.config.topic_dlq).size();
  EXPECT_GE(before_restart, 1u) << "the crash came after Kafka acknowledged";
  box.run_until_caught_up();
  EXPECT_EQ(box.scalar(box.config, "SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL"),
            0);

  std::map<std::string, std::vector<std::string>> copies;  // source offset -> copies
  for (const auto& m : box.read_topic(box.config.topic_dlq)) {
    const json letter = json::parse(m.value);
    copies[letter.at("source_topic").get<std::string>() + "/" +
           std::to_string(letter.at("partition").get<int>()) + "@" +
           std::to_string(letter.at("offset").get<long>())]
        .push_back(m.value);
  }
  EXPECT_EQ(copies.size(), 5u) << "nothing lost";
  std::size_t republished = 0;
  for (const auto& [source, values] : copies) {
    EXPECT_LE(values.size(), 2u) << source;
    if (values.size() == 2) ++republished;
    for (const auto& v : values)
      EXPECT_EQ(v, values.front()) << source << ": copies are byte-identical";
  }
  EXPECT_EQ(republished, before_restart)
      << "what was published before the crash came again, identical";
}

TEST(Pipeline, PublishedOutboxRowsGoAfterTheRetentionAndNothingElse) {
  Sandbox box("retention");
  for (int i = 0; i < 4; ++i)
    box.publish_raw(box.config.topic_payments, uuid(i), "not json " + std::to_string(i));
  box.run_until_caught_up();
  ASSERT_EQ(
      box.scalar(box.config, "SELECT count(*) FROM kassa.outbox WHERE published_at IS NOT NULL"),
      4);
  {
    pqxx::connection connection(box.config.pg_dsn);
    pqxx::work tx(connection);
    // Two rows published 8 days ago, one 6 days ago, one now; plus one not published at all.
    tx.exec(
        "UPDATE kassa.outbox SET published_at = now() - CASE WHEN id IN (SELECT id FROM "
        "kassa.outbox ORDER BY id "
        "LIMIT 2) THEN interval '8 days' WHEN id = (SELECT id FROM kassa.outbox ORDER BY id OFFSET "
        "2 LIMIT 1) "
        "THEN interval '6 days' ELSE interval '0' END");
    tx.exec(
        "INSERT INTO kassa.outbox (message_id, topic, message_key, payload, created_at) "
        "VALUES (gen_random_uuid(), 'x', ''::bytea, '{}'::bytea, now() - interval '30 days')");
    tx.commit();
  }
  app::Relay relay(box.config, nullptr);  // default retention: 7 days
  std::atomic<bool> stop{false};
  relay.clean_up(stop);
  EXPECT_EQ(
      box.scalar(box.config, "SELECT count(*) FROM kassa.outbox WHERE published_at IS NOT NULL"), 2)
      << "only the rows published more than 7 days ago are gone";
  EXPECT_EQ(box.scalar(box.config, "SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL"),
            1)
      << "an unpublished row is never deleted, however old";
  EXPECT_EQ(box.scalar(box.config, "SELECT count(*) FROM kassa.rejections"), 4)
      << "the reasons stay";
}

TEST(Pipeline, TwoMigrationsAtOnceBothSucceed) {
  Sandbox box("migrate");
  app::Config fresh = box.another_database("fresh");
  fresh.pg_dsn = box.owner_dsn(fresh);  // migrations are the schema owner's
  {
    pqxx::connection connection(fresh.pg_dsn);
    pqxx::work tx(connection);
    tx.exec("DROP SCHEMA kassa CASCADE");
    tx.commit();
  }
  Process first({kassa_binary(), "migrate"}, Sandbox::environment(fresh));
  Process second({kassa_binary(), "migrate"}, Sandbox::environment(fresh));
  EXPECT_EQ(first.wait(), 0);
  EXPECT_EQ(second.wait(), 0);
  EXPECT_EQ(box.scalar(fresh, "SELECT count(*) FROM kassa.schema_version"),
            box.scalar(fresh, "SELECT max(version) FROM kassa.schema_version"));
}

TEST(Pipeline, LostDatabaseConnectionsAreRetriedNotDeadLettered) {
  Sandbox box("dbloss");
  gen::Options options;
  options.seed = 5;
  options.orders = 1500;
  const auto stream = gen::generate(options);
  box.publish(stream.messages);
  app::Config config = box.config;
  config.batch_max_messages = 50;
  std::atomic<bool> done{false};
  std::thread killer([&] {
    pqxx::connection admin(box.config.pg_dsn);
    int terminated = 0;
    while (!done && terminated < 20) {
      pqxx::nontransaction tx(admin);
      terminated += static_cast<int>(
          tx.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                  "current_database() "
                  "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
              .size());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const auto run = box.run_until_caught_up(config);
  done = true;
  killer.join();
  EXPECT_TRUE(run.caught_up);
  expect_ledger_matches_truth(box, config, stream.truth);
  EXPECT_EQ(box.scalar(config,
                       "SELECT count(*) FROM kassa.rejections WHERE error_code = 'internal_error'"),
            0);
}

TEST(Cli, ConfigurationErrorsExitWithStatusTwo) {
  Process bad({kassa_binary(), "run"}, {"KASSA_BATCH_MAX_MESSAGES=zero", "PATH=/usr/bin:/bin"});
  EXPECT_EQ(bad.wait(), 2);
  Process usage({kassa_binary(), "no-such-command"}, {"PATH=/usr/bin:/bin"});
  EXPECT_EQ(usage.wait(), 2);
}

}  // namespace
}  // namespace kassa::testing
