// No message jams kassa (issue 18): hostile input between valid events, and outbox rows Kafka
// will never take. On the real broker and database, with `kassa run --until-caught-up` as a child
// process that must exit by itself within a bounded wait.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "app/relay.hpp"
#include "bus/producer.hpp"
#include "contract/dead_letter.hpp"
#include "contract/decode.hpp"
#include "contract/encoding.hpp"
#include "contract/schema.hpp"
#include "harness.hpp"
#include "http_worker.hpp"

namespace kassa::testing {
namespace {

using nlohmann::json;

const std::string kMerchant = "0b6f3c1e-2a4d-4e5f-8a9b-1c2d3e4f5a6b";
constexpr auto kRunDeadline = std::chrono::minutes(3);

std::string uuid(int n) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "00000000-0000-4000-8000-%012d", n);
  return buffer;
}

json item(int n, const std::string& name = "Электрочайник") {
  return {{"sku", "SKU-" + std::to_string(n)},
          {"name", name},
          {"quantity", "1"},
          {"measure", "шт"},
          {"measure_code", "796"},
          {"price", 100},
          {"total_amount", 100},
          {"vat_code", "RUS_VAT22"},
          {"type", "commodity"}};
}

json payment(const std::string& order, const std::string& event, int lines = 1) {
  json items = json::array();
  for (int i = 0; i < lines; ++i)
    items.push_back(item(i, "Электрочайник с длинным названием, модель " + std::to_string(i) +
                                ", цвет «серебристый», объём 1,7 л, мощность 2200 Вт"));
  return {{"event_id", event},
          {"event_type", "payment.succeeded"},
          {"schema_version", 1},
          {"occurred_at", "2026-02-10T09:00:00Z"},
          {"order_id", order},
          {"merchant_id", kMerchant},
          {"payment_id", "pay-" + order.substr(24)},
          {"merchant_order_id", "A-" + order.substr(24)},
          {"amount", 100 * lines},
          {"currency", "RUB"},
          {"customer", {{"type", "private"}, {"email", "buyer@example.com"}}},
          {"items", items}};
}

bool valid_dead_letter(const json& letter) {
  static contract::SchemaValidator schema("dead_letter.v1.json");
  return !schema.problems(letter);
}

// Runs `kassa ARGS...` to its end, which must come within `deadline`; returns the exit status.
int run_kassa(const std::vector<std::string>& args, const std::vector<std::string>& environment,
              std::chrono::milliseconds deadline = kRunDeadline) {
  std::vector<std::string> argv = {kassa_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  Process process(argv, environment);
  const auto status = process.wait_for(deadline);
  if (!status) {
    ADD_FAILURE() << "kassa " << args.front() << " did not exit within the deadline";
    return -1;  // the destructor kills it
  }
  return *status;
}

// Every receipt on the topic exactly once, and exactly those kassa issued.
void expect_receipts_once(Sandbox& box) {
  std::map<std::string, int> copies;
  for (const auto& m : box.read_topic(box.config.topic_receipts))
    ++copies[json::parse(m.value).at("receipt_id").get<std::string>()];
  std::set<std::string> issued;
  for (const auto& row : box.query("SELECT receipt_id::text FROM kassa.receipts"))
    issued.insert(row[0].as<std::string>());
  EXPECT_FALSE(issued.empty());
  for (const auto& [id, n] : copies)
    EXPECT_EQ(n, 1) << "receipt " << id << " published " << n << "x";
  std::set<std::string> published;
  for (const auto& [id, n] : copies) published.insert(id);
  EXPECT_EQ(published, issued);
}

TEST(Hostile, EveryBadMessageIsDeadLetteredOnceAndEveryGoodOnePublishedOnce) {
  Sandbox box("hostile");
  // The input topic takes messages up to 4 MB, as a producer might have configured it.
  box.config.topic_payments += ".big";
  box.create_topic(box.config.topic_payments, 3, {{"max.message.bytes", "4000000"}});

  struct Input {
    std::string why;
    std::optional<std::string> key;
    std::string value;
    std::string code;  // empty: a valid payment
    bool truncated = false;
  };
  std::vector<Input> inputs;
  auto good = [&](int n) {
    inputs.push_back({"valid payment " + std::to_string(n), uuid(n),
                      payment(uuid(n), uuid(100 + n)).dump(), ""});
  };
  const std::size_t limit = contract::kDefaultDeadLetterMaxBytes;
  good(1);
  {
    const std::string big = payment(uuid(50), uuid(150), 5000).dump();
    EXPECT_GT(big.size(), 1'100'000u) << "the observed case: a 5,000-line payment of ~1.2 MB";
    inputs.push_back({"5,000 lines", uuid(50), big, "schema_violation", true});
  }
  good(2);
  // Not JSON, so the letter is the text plus ~300 bytes of fields: just under and just over.
  inputs.push_back(
      {"just under the limit", uuid(51), std::string(limit - 1000, 'x'), "invalid_json"});
  inputs.push_back(
      {"just over the limit", uuid(52), std::string(limit, 'x'), "invalid_json", true});
  good(3);
  {
    json nul = payment(uuid(53), uuid(153));
    nul["items"][0]["name"] = std::string("чайник\0", sizeof("чайник\0") - 1);
    inputs.push_back({"a NUL character", uuid(53), nul.dump(), "schema_violation"});
    json nul_name = payment(uuid(54), uuid(154));
    nul_name[std::string("\0", 1)] = "x";
    inputs.push_back({"a NUL member name", uuid(54), nul_name.dump(), "schema_violation"});
  }
  inputs.push_back({"invalid UTF-8", uuid(55), "{\"name\": \"\xc3\x28\xff\"}", "invalid_encoding"});
  {
    std::string deep = payment(uuid(56), uuid(156)).dump();
    deep.insert(deep.size() - 1, ",\"x\":" + std::string(200'000, '[') + std::string(200'000, ']'));
    inputs.push_back({"nested 200,000 deep", uuid(56), deep, "schema_violation"});
  }
  inputs.push_back({"a key with a NUL byte", std::string("\0k", 2),
                    payment(uuid(57), uuid(157)).dump(), "key_mismatch"});
  good(4);
  inputs.push_back({"empty", uuid(58), "", "invalid_json"});
  inputs.push_back({"null", uuid(59), "null", "schema_violation"});
  inputs.push_back({"no key", std::nullopt, payment(uuid(60), uuid(160)).dump(), "key_mismatch"});
  {
    // Characters JSON escapes, over the limit: escaping doubles them in the letter.
    std::string quotes;
    while (quotes.size() < limit / 2 + 1000) quotes += "\"\\\n";
    inputs.push_back({"escapes over the limit", uuid(61), quotes, "invalid_json", true});
  }
  good(5);
  for (const auto& input : inputs)
    box.publish_raw(box.config.topic_payments, input.key, input.value);

  EXPECT_EQ(run_kassa({"run", "--until-caught-up"}, Sandbox::environment(box.config)), 0);

  // Dead letters: one per bad input, by source offset, each with its code, each within the limit.
  std::map<std::string, int> per_offset;
  std::map<std::size_t, int> per_input;
  for (const auto& m : box.read_topic(box.config.topic_dlq)) {
    EXPECT_LE(m.value.size() + (m.key ? m.key->size() : 0), limit);
    const json letter = json::parse(m.value);
    EXPECT_TRUE(valid_dead_letter(letter)) << m.value.substr(0, 500);
    ++per_offset[std::to_string(letter.at("partition").get<int>()) + "@" +
                 std::to_string(letter.at("offset").get<long>())];
    const bool truncated = letter.value("payload_truncated", false);
    const std::string payload = letter.at("payload").get<std::string>();
    bool matched = false;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto& input = inputs[i];
      const bool same = truncated ? letter.at("payload_sha256") == contract::sha256_hex(input.value)
                                  : payload == (letter.contains("payload_encoding")
                                                    ? contract::base64_encode(input.value)
                                                    : input.value);
      if (!same) continue;
      matched = true;
      ++per_input[i];
      EXPECT_EQ(letter.at("error_code"), input.code) << input.why << ": " << letter.at("error");
      EXPECT_EQ(truncated, input.truncated) << input.why;
      if (truncated) {
        EXPECT_EQ(letter.at("payload_bytes"), input.value.size()) << input.why;
        EXPECT_EQ(input.value.compare(0, payload.size(), payload), 0) << input.why;
        EXPECT_GT(payload.size(), 100'000u) << input.why << ": as much as fits";
      }
    }
    EXPECT_TRUE(matched) << "a dead letter of no input: " << m.value.substr(0, 300);
  }
  for (const auto& [offset, n] : per_offset) EXPECT_EQ(n, 1) << "source offset " << offset;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    EXPECT_EQ(per_input[i], inputs[i].code.empty() ? 0 : 1) << inputs[i].why;
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.rejections WHERE error_code = 'internal_error'"),
            0);

  // The whole original stays with the rejection.
  for (const auto& input : inputs) {
    if (!input.truncated) continue;
    EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.rejections WHERE encode(sha256(payload), "
                         "'hex') = '" +
                         contract::sha256_hex(input.value) +
                         "' AND octet_length(payload) = " + std::to_string(input.value.size())),
              1)
        << input.why;
  }
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.rejections WHERE payload IS NULL"), 0);

  // Good payments: applied, their receipts published once each.
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger"), 5);
  expect_receipts_once(box);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL"), 0)
      << "nothing waiting, nothing parked";
}

// Peak resident memory of a process, from the kernel (VmHWM), in MiB; -1 if unknown.
double peak_rss_mib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return -1;
}

// One kind of hostile input: how to make the n-th (each one unique, so its dead letter can be told
// apart) and the contract's error code it must be dead-lettered with.
struct Hostility {
  std::string why;
  std::string code;
  std::function<std::pair<std::optional<std::string>, std::string>(int n)> make;
};

std::vector<Hostility> hostilities() {
  auto order = [](int n) { return uuid(1'000'000 + n); };
  auto event = [](int n) { return uuid(2'000'000 + n); };
  auto base = [&](int n) { return payment(order(n), event(n)); };
  // The payment's text with its amount replaced by raw JSON text nlohmann would not write.
  auto raw_amount = [&](int n, const std::string& amount) {
    std::string text = base(n).dump();
    const std::string field = "\"amount\":100";
    text.replace(text.find(field), field.size(), "\"amount\":" + amount);
    return std::pair{std::optional(order(n)), text};
  };
  auto with = [&](int n, const std::function<void(json&)>& change) {
    json p = base(n);
    change(p);
    return std::pair{std::optional(order(n)), p.dump()};
  };
  return {
      {"invalid UTF-8", "invalid_encoding",
       [&](int n) {
         std::string text = base(n).dump();
         text.insert(text.find("Электрочайник"), "\xc3\x28\xff");
         return std::pair{std::optional(order(n)), text};
       }},
      {"cut in the middle", "invalid_json",
       [&](int n) {
         const std::string text = base(n).dump();
         // Cut where the text is ASCII: a cut inside a Cyrillic letter is invalid_encoding.
         return std::pair{std::optional(order(n)), text.substr(0, text.find("\"payment_id\""))};
       }},
      {"trailing garbage", "invalid_json",
       [&](int n) {
         return std::pair{std::optional(order(n)), base(n).dump() + "}"};
       }},
      {"JSON injection that breaks out of a string", "invalid_json",
       [&](int n) {
         std::string text = base(n).dump();
         text.replace(text.find("A-"), 2, "\",\"amount\":1}\",\"x\":\"");
         return std::pair{std::optional(order(n)), text.substr(0, text.size() - 1)};
       }},
      {"nested 10,000 deep", "schema_violation",
       [&](int n) {
         return raw_amount(n, std::string(10'000, '[') + "100" + std::string(10'000, ']'));
       }},
      {"an amount beyond 64 bits", "schema_violation",
       [&](int n) { return raw_amount(n, "184467440737095516160000"); }},
      // Valid JSON grammar, but beyond any double: the parser refuses the document.
      {"an amount beyond a double", "invalid_json", [&](int n) { return raw_amount(n, "1e400"); }},
      {"negative money", "schema_violation",
       [&](int n) {
         return with(n, [](json& p) {
           p["amount"] = -100;
           p["items"][0]["price"] = -100;
           p["items"][0]["total_amount"] = -100;
         });
       }},
      {"zero money", "schema_violation",
       [&](int n) {
         return with(n, [](json& p) {
           p["amount"] = 0;
           p["items"][0]["price"] = 0;
           p["items"][0]["total_amount"] = 0;
         });
       }},
      {"fractional money", "schema_violation", [&](int n) { return raw_amount(n, "100.5"); }},
      {"money as text", "schema_violation", [&](int n) { return raw_amount(n, "\"100\""); }},
      {"a NUL character", "schema_violation",
       [&](int n) {
         return with(n, [](json& p) {
           p["items"][0]["name"] = std::string("чай\0ник", sizeof("чай\0ник") - 1);
         });
       }},
      {"SQL injection as the order id", "schema_violation",
       [&](int n) {
         const std::string evil = "'; DROP TABLE kassa.ledger; -- " + std::to_string(n);
         json p = base(n);
         p["order_id"] = evil;
         return std::pair{std::optional(evil), p.dump()};
       }},
      {"a key that disagrees with order_id", "key_mismatch",
       [&](int n) {
         return std::pair{std::optional(order(n + 500'000)), base(n).dump()};
       }},
      {"no key", "key_mismatch",
       [&](int n) {
         return std::pair{std::optional<std::string>(), base(n).dump()};
       }},
      {"amount not the sum of the lines", "amount_mismatch",
       [&](int n) { return with(n, [](json& p) { p["amount"] = 101; }); }},
      {"a refund on the payments topic", "event_type_mismatch",
       [&](int n) { return with(n, [](json& p) { p["event_type"] = "refund.succeeded"; }); }},
      {"a private buyer without contacts", "missing_contact",
       [&](int n) { return with(n, [](json& p) {
                      p["customer"] = json{{"type", "private"}};
                    }); }},
      {"the same sku twice", "duplicate_sku",
       [&](int n) {
         return with(n, [](json& p) {
           p["items"].push_back(p["items"][0]);
           p["amount"] = 200;
         });
       }},
      {"an INN with wrong check digits", "invalid_inn",
       [&](int n) {
         return with(n, [](json& p) {
           p["customer"] =
               json{{"type", "legal"}, {"name", "ООО «Ромашка»"}, {"inn", "7707083894"}};
         });
       }},
      {"not JSON at all", "invalid_json",
       [&](int n) {
         return std::pair{std::optional(order(n)), "<xml>" + std::to_string(n) + "</xml>"};
       }},
      {"a JSON document of the wrong shape", "schema_violation",
       [&](int n) {
         return std::pair{std::optional(order(n)), json{{"order_id", order(n)}, {"n", n}}.dump()};
       }},
  };
}

// 10,000 hostile messages between 2,500 valid payments on a real broker, into one long-running
// worker: each hostile one is dead-lettered exactly once with its contract code, every valid one
// applied and its receipt published exactly once, the worker alive throughout and its memory
// bounded, and the free text of valid events (SQL and JSON look-alikes included) kept exactly.
TEST(Hostile, TenThousandHostileEventsBetweenValidOnes) {
  Sandbox box("hostile10k");
  box.config.topic_payments += ".big";  // a producer's topic that takes messages up to 4 MB
  box.create_topic(box.config.topic_payments, 3, {{"max.message.bytes", "4000000"}});

  const auto kinds = hostilities();
  std::map<std::string, std::string> expected_code;  // payload sha256 -> code
  std::map<std::string, std::string> why_of;
  std::vector<bus::Record> records;
  std::mt19937 random(2112);
  const std::vector<std::string> tricky_names = {"Robert'); DROP TABLE kassa.ledger;--",
                                                 "\",\"amount\":1,\"x\":\"",
                                                 "$$; TRUNCATE kassa.orders",
                                                 "Чайник \\u0000 «Уют»",
                                                 "<script>alert(1)</script>",
                                                 "%s%s%n%x"};
  int valid = 0, hostile = 0;
  auto add = [&](const std::optional<std::string>& key, const std::string& value,
                 const std::string& code, const std::string& why) {
    records.push_back({box.config.topic_payments, key.value_or(""), value, key.has_value()});
    const auto sha = contract::sha256_hex(value);
    ASSERT_EQ(expected_code.count(sha), 0u) << "inputs must be unique: " << why;
    expected_code[sha] = code;
    why_of[sha] = why;
  };
  // Near and above the dead-letter limit, up to near the topic's own: their letters are cut.
  for (int n = 0; n < 4; ++n) {
    json p = payment(uuid(3'000'000 + n), uuid(4'000'000 + n));
    p["items"][0]["name"] = std::string(n < 2 ? 890'000 + n * 20'000 : 3'900'000, 'z');
    add(uuid(3'000'000 + n), p.dump(), "schema_violation", "a name of about a megabyte or four");
    ++hostile;
  }
  while (hostile < 10'000) {
    if (random() % 5 == 0) {
      json p = payment(uuid(5'000'000 + valid), uuid(6'000'000 + valid));
      p["items"][0]["name"] = tricky_names[valid % tricky_names.size()];
      add(uuid(5'000'000 + valid), p.dump(), "", "valid");
      ++valid;
    } else {
      const auto& kind = kinds[hostile % kinds.size()];
      const auto [key, value] = kind.make(hostile);
      add(key, value, kind.code, kind.why);
      ++hostile;
    }
  }
  while (valid < 2'500) {
    json p = payment(uuid(5'000'000 + valid), uuid(6'000'000 + valid));
    add(uuid(5'000'000 + valid), p.dump(), "", "valid");
    ++valid;
  }
  bus::Producer producer(box.config.brokers, {{"message.max.bytes", "4000000"}});
  std::string error;
  const auto sent = producer.send(records, std::chrono::minutes(2), &error);
  ASSERT_EQ(std::count(sent.begin(), sent.end(), true), static_cast<long>(records.size())) << error;

  Worker worker(box.config, {});
  const auto counted = [](const std::string& text, const char* outcome) {
    return sum_of(text, "kassa_events_total", std::string("outcome=\"") + outcome + "\"");
  };
  double peak = 0;
  ASSERT_TRUE(worker.eventually("/metrics", std::chrono::minutes(5),
                                [&](int status, auto& text) {
                                  peak = std::max(peak, peak_rss_mib(worker.pid()));
                                  return status == 200 && counted(text, "rejected") == hostile &&
                                         counted(text, "applied") == valid;
                                }))
      << "the worker did not get through the stream: " << worker.get("/metrics").second;
  EXPECT_EQ(worker.get("/healthz").first, 200) << "alive after all of it";
  EXPECT_TRUE(worker.eventually("/metrics", std::chrono::seconds(60), [&](int, auto& text) {
    return metric(text, "kassa_outbox_rows_waiting") == 0;
  }));
  peak = std::max(peak, peak_rss_mib(worker.pid()));
  std::printf("hostile: %d bad and %d valid events; worker peak RSS %.0f MiB\n", hostile, valid,
              peak);
  EXPECT_GT(peak, 0);
  EXPECT_LT(peak, 512) << "memory bounded by the batch, not by the stream";
  EXPECT_EQ(worker.stop(), 0);

  // Each bad one in the DLQ exactly once with its code; nothing else there.
  std::map<std::string, int> letters;
  for (const auto& m : box.read_topic(box.config.topic_dlq)) {
    const json letter = json::parse(m.value);
    const std::string payload = letter.at("payload").get<std::string>();
    const std::string sha =
        letter.value("payload_truncated", false)
            ? letter.at("payload_sha256").get<std::string>()
            : contract::sha256_hex(letter.contains("payload_encoding")
                                       ? contract::base64_decode(payload).value_or("")
                                       : payload);
    ++letters[sha];
    const auto it = expected_code.find(sha);
    if (it == expected_code.end()) {
      ADD_FAILURE() << "a dead letter of no input: " << m.value.substr(0, 300);
      continue;
    }
    EXPECT_EQ(letter.at("error_code").get<std::string>(), it->second)
        << why_of[sha] << ": " << letter.at("error");
  }
  int missing = 0, twice = 0;
  for (const auto& [sha, code] : expected_code) {
    const int n = letters.count(sha) ? letters[sha] : 0;
    if (code.empty()) {
      EXPECT_EQ(n, 0) << "a valid event was dead-lettered";
    } else if (n == 0) {
      if (missing++ < 5) ADD_FAILURE() << "no dead letter for: " << why_of[sha];
    } else if (n > 1) {
      if (twice++ < 5) ADD_FAILURE() << n << " dead letters for: " << why_of[sha];
    }
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(twice, 0);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.rejections"), hostile);

  // Every valid payment applied once, its receipt published once, its text kept to the byte.
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger"), valid);
  expect_receipts_once(box);
  for (const auto& name : tricky_names) {
    bool found = false;
    for (const auto& m : box.read_topic(box.config.topic_receipts)) {
      const json receipt = json::parse(m.value);
      for (const auto& item : receipt.at("atol").at("receipt").at("items"))
        if (item.at("name") == name) found = true;
      if (found) break;
    }
    EXPECT_TRUE(found) << "a receipt keeps the name " << name;
  }
}

TEST(Hostile, ARowKafkaRefusesIsParkedAndTheRowsBehindItArePublishedOnce) {
  Sandbox box("parking");
  const std::string missing = box.config.topic_receipts + ".missing";
  {
    pqxx::connection connection(box.config.pg_dsn);
    pqxx::work tx(connection);
    // Before anything kassa writes: a message for a topic that does not exist, and one larger
    // than any producer takes (librdkafka's message.max.bytes, 1,000,000).
    tx.exec_params(
        "INSERT INTO kassa.outbox (message_id, topic, message_key, payload) VALUES "
        "(gen_random_uuid(), $1, 'k1'::bytea, convert_to('{\"n\": 1}', 'UTF8')), "
        "(gen_random_uuid(), $2, 'k2'::bytea, convert_to(repeat('y', 1500000), 'UTF8'))",
        missing, box.config.topic_receipts);
    tx.commit();
  }
  const std::int64_t unknown_row = box.scalar("SELECT min(id) FROM kassa.outbox");
  const std::int64_t large_row = box.scalar("SELECT max(id) FROM kassa.outbox");
  for (int n = 1; n <= 3; ++n)
    box.publish_raw(box.config.topic_payments, uuid(n), payment(uuid(n), uuid(100 + n)).dump());
  const auto env =
      Sandbox::environment(box.config, {{"KASSA_KAFKA_TOPIC_METADATA_PROPAGATION_MAX_MS", "2000"}});

  EXPECT_EQ(run_kassa({"run", "--until-caught-up"}, env), 0)
      << "parked rows do not hold a bounded run";
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.outbox WHERE failed_at IS NOT NULL"), 2);
  EXPECT_EQ(
      box.scalar("SELECT count(*) FROM kassa.outbox WHERE id = " + std::to_string(unknown_row) +
                 " AND failed_at IS NOT NULL AND attempts = 1 AND last_error ILIKE '%topic%'"),
      1);
  EXPECT_EQ(
      box.scalar("SELECT count(*) FROM kassa.outbox WHERE id = " + std::to_string(large_row) +
                 " AND failed_at IS NOT NULL AND attempts = 1 AND last_error ILIKE '%too large%'"),
      1);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL AND "
                       "failed_at IS NULL"),
            0);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.receipts"), 3);
  expect_receipts_once(box);

  // The gauges say so.
  {
    app::Metrics metrics;
    app::Relay relay(box.config, &metrics);
    EXPECT_EQ(relay.refresh_gauges(), 0);
    const std::string text = metrics.render();
    EXPECT_NE(text.find("kassa_outbox_rows_parked 2"), std::string::npos) << text;
    EXPECT_NE(text.find("kassa_outbox_rows_waiting 0"), std::string::npos) << text;
    EXPECT_TRUE(relay.publishing());
  }

  // The operator's view, then the fix and the retry.
  const std::string listed = command_output("env -i " + [&] {
    std::string vars;
    for (const auto& e : env) vars += "'" + e + "' ";
    return vars;
  }() + kassa_binary() + " outbox list");
  EXPECT_NE(listed.find(missing), std::string::npos) << listed;
  EXPECT_NE(listed.find("1500000"), std::string::npos) << listed;
  EXPECT_NE(listed.find("2 parked"), std::string::npos) << listed;

  EXPECT_EQ(run_kassa({"outbox", "retry"}, env), 2) << "neither ids nor --all";
  EXPECT_EQ(run_kassa({"outbox", "retry", "--all", "1"}, env), 2) << "both";
  EXPECT_EQ(run_kassa({"outbox", "retry", "999999"}, env), 1) << "not a parked row";
  EXPECT_EQ(run_kassa({"outbox", "--help"}, env), 0);

  box.create_topic(missing, 1);
  EXPECT_EQ(run_kassa({"outbox", "retry", std::to_string(unknown_row)}, env), 0);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.outbox WHERE failed_at IS NOT NULL"), 1);
  EXPECT_EQ(run_kassa({"run", "--until-caught-up"}, env), 0);
  const auto delivered = box.read_topic(missing);
  ASSERT_EQ(delivered.size(), 1u) << "published once after the fix";
  EXPECT_EQ(delivered[0].value, "{\"n\": 1}");
  EXPECT_EQ(
      box.scalar("SELECT count(*) FROM kassa.outbox WHERE id = " + std::to_string(unknown_row) +
                 " AND published_at IS NOT NULL AND failed_at IS NULL"),
      1);
  expect_receipts_once(box);

  // Retrying what is still wrong parks it again, and nothing else moves.
  EXPECT_EQ(run_kassa({"outbox", "retry", "--all"}, env), 0);
  EXPECT_EQ(run_kassa({"run", "--until-caught-up"}, env), 0);
  EXPECT_EQ(box.scalar("SELECT attempts FROM kassa.outbox WHERE id = " + std::to_string(large_row) +
                       " AND failed_at IS NOT NULL"),
            2);
  EXPECT_EQ(box.read_topic(missing).size(), 1u);
  expect_receipts_once(box);
}

// Two waiting outbox rows, as a batch and the renderer leave them: a package message (its files
// in no table, so only the folder can fail) and then a receipt.
void outbox_package_then_receipt(Sandbox& box, const std::string& package_id,
                                 const std::string& merchant) {
  pqxx::connection connection(box.config.pg_dsn);
  pqxx::work tx(connection);
  tx.exec_params(
      "INSERT INTO kassa.outbox (message_id, topic, message_key, payload) VALUES "
      "($1::uuid, $2, 'order-p'::bytea, convert_to($3, 'UTF8')), "
      "(gen_random_uuid(), $4, 'order-r'::bytea, convert_to('{\"receipt\": 1}', 'UTF8'))",
      package_id, box.config.topic_documents,
      "{\"package_id\": \"" + package_id + "\", \"merchant_id\": \"" + merchant + "\"}",
      box.config.topic_receipts);
  tx.commit();
}

// A package whose files cannot be placed (here the documents folder is a regular file) waits with
// backoff; the receipt behind it is published at once; once the folder is fixed, the package
// goes out exactly once with its files.
TEST(Hostile, APackageWhoseFilesCannotBePlacedWaitsWithoutHoldingTheRest) {
  Sandbox box("unplaced");
  const std::string package_id = "5f0c1e2d-3b4a-4c5d-8e6f-708192a3b4c5";
  const std::string merchant = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d";
  outbox_package_then_receipt(box, package_id, merchant);
  const std::string blocked = box.config.documents_dir + ".not-a-folder";
  std::filesystem::create_directories(std::filesystem::path(blocked).parent_path());
  std::ofstream(blocked) << "a file where the documents folder should be";
  app::Config broken = box.config;
  broken.documents_dir = blocked;
  {
    app::Relay relay(broken, nullptr);
    relay.run_once();
    EXPECT_EQ(box.read_topic(box.config.topic_receipts).size(), 1u) << "the receipt went out";
    EXPECT_TRUE(box.read_topic(box.config.topic_documents).empty());
    EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL AND "
                         "failed_at IS NULL AND attempts = 1 AND last_error LIKE 'placing%'"),
              1);
  }
  // Fixed folder: the package is published once the backoff (1 s) has passed.
  app::Relay relay(box.config, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (box.scalar("SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL") > 0 &&
         std::chrono::steady_clock::now() < deadline)
    relay.run_once();
  EXPECT_EQ(box.read_topic(box.config.topic_documents).size(), 1u);
  EXPECT_EQ(box.read_topic(box.config.topic_receipts).size(), 1u);
  EXPECT_TRUE(
      std::filesystem::is_directory(box.config.documents_dir + "/" + merchant + "/" + package_id));
  std::filesystem::remove(blocked);
}

// `kassa run` relays in two lanes: a package message waits for its files (written and fsync'd),
// and a receipt must not wait behind it. Each lane publishes only its own rows, under its own
// lock, so one lane busy elsewhere (here: its lock held) never stops the other.
TEST(Hostile, ReceiptsAndPackagesAreRelayedInSeparateLanes) {
  Sandbox box("lanes");
  const std::string package_id = "7a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9";
  const std::string merchant = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d";
  outbox_package_then_receipt(box, package_id, merchant);
  app::Relay records(box.config, nullptr, app::Relay::Lane::records);
  app::Relay documents(box.config, nullptr, app::Relay::Lane::documents);
  app::Relay everything(box.config, nullptr);  // both lanes' locks
  {
    // Another process's documents relay holds that lane (the lock is transaction-scoped).
    pqxx::connection other(box.config.pg_dsn);
    pqxx::work holding(other);
    holding.exec("SELECT pg_advisory_xact_lock(x'6b617373610005'::bigint)");
    EXPECT_EQ(documents.run_once(), 0u) << "the lane is taken";
    EXPECT_EQ(everything.run_once(), 0u) << "an all-lanes relay needs both locks";
    EXPECT_EQ(records.run_once(), 1u) << "the receipt does not wait";
    EXPECT_EQ(records.run_once(), 0u) << "and the package is not the records lane's";
  }
  EXPECT_EQ(box.read_topic(box.config.topic_receipts).size(), 1u);
  EXPECT_TRUE(box.read_topic(box.config.topic_documents).empty());
  EXPECT_EQ(documents.refresh_gauges(), 1) << "its own rows waiting";
  EXPECT_EQ(records.refresh_gauges(), 0);
  EXPECT_EQ(documents.run_once(), 1u);
  EXPECT_EQ(box.read_topic(box.config.topic_documents).size(), 1u);
  EXPECT_EQ(box.read_topic(box.config.topic_receipts).size(), 1u) << "published once";
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL"), 0);
}

TEST(Hostile, ReadinessFollowsWhetherTheRelayCanPublish) {
  Sandbox box("ready");
  {
    pqxx::connection connection(box.config.pg_dsn);
    pqxx::work tx(connection);
    tx.exec_params(
        "INSERT INTO kassa.outbox (message_id, topic, message_key, payload) VALUES "
        "(gen_random_uuid(), $1, 'k'::bytea, convert_to('{}', 'UTF8'))",
        box.config.topic_receipts);
    tx.commit();
  }
  // A broker nobody listens on: the attempt fails for a passing reason.
  app::Config down = box.config;
  down.brokers = "127.0.0.1:1";
  down.kafka_extra = {{"message.timeout.ms", "1000"}};
  app::Metrics metrics;
  app::Relay stuck(down, &metrics);
  EXPECT_EQ(stuck.run_once(), 0u);
  EXPECT_EQ(stuck.refresh_gauges(), 1);
  EXPECT_FALSE(stuck.publishing()) << "rows wait and the last attempt failed";
  EXPECT_NE(metrics.render().find("kassa_outbox_rows_waiting 1"), std::string::npos);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.outbox WHERE attempts = 1 AND failed_at IS NULL "
                       "AND next_attempt_at > now() AND last_error IS NOT NULL"),
            1)
      << "waiting with backoff, not parked";
  EXPECT_EQ(stuck.run_once(), 0u) << "in backoff: not tried again at once";

  // Once the row is published (here by a relay that reaches Kafka), the stuck one is ready again.
  {
    pqxx::connection connection(box.config.pg_dsn);
    pqxx::work tx(connection);
    tx.exec("UPDATE kassa.outbox SET next_attempt_at = NULL");
    tx.commit();
  }
  app::Relay working(box.config, nullptr);
  EXPECT_EQ(working.run_once(), 1u);
  EXPECT_TRUE(working.publishing());
  EXPECT_EQ(stuck.refresh_gauges(), 0);
  EXPECT_TRUE(stuck.publishing());
  EXPECT_EQ(box.read_topic(box.config.topic_receipts).size(), 1u);
}

}  // namespace
}  // namespace kassa::testing
